"""Printable unit QR posters (A4 or A5), one unit per page, as PDF. Thai text
is set in Sarabun (fontpkg-sarabun, SIL Open Font License) and shaped with
HarfBuzz so vowels and tone marks sit where they belong."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import fontpkg_sarabun

from app.qr import qr_matrix

if TYPE_CHECKING:  # fpdf (and the fontTools it loads) is imported when a poster is made:
    from fpdf import FPDF  # ~0.4 s and several MB per app server process that never prints one

FONT_DIR = Path(fontpkg_sarabun.ROOT) / "files"
INSTRUCTIONS = [
    "1. สแกนคิวอาร์โค้ดนี้ด้วยกล้องโทรศัพท์",
    "2. เข้าสู่ระบบด้วยชื่อผู้ใช้ของหน่วยงานท่าน",
    "3. บันทึกการรับ ตรวจนับ จัดสรร และแจกจ่ายหน้ากากอนามัยของวันนี้",
]


def display_name(unit) -> str:
    """The name as people say it: อำเภอ/ตำบล/จังหวัด before the DOPA name
    (Bangkok's เขต and แขวง already carry their word)."""
    name = unit.name_th
    prefix = {"province": "จังหวัด", "district": "อำเภอ", "subdistrict": "ตำบล"}.get(unit.level)
    if prefix and not name.startswith(("เขต", "แขวง", "กรุงเทพ", prefix)):
        return prefix + name
    return name


def _pdf(size: str) -> "FPDF":
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format=size)
    pdf.add_font("Sarabun", "", str(FONT_DIR / "Sarabun-Regular.ttf"))
    pdf.add_font("Sarabun", "B", str(FONT_DIR / "Sarabun-Bold.ttf"))
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(False)
    pdf.set_title("MaskLog QR")
    return pdf


def _draw_qr(pdf: "FPDF", url: str, x: float, y: float, width: float) -> None:
    matrix = qr_matrix(url)
    module = width / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + col_index * module, y + row_index * module, module, module, style="F")


def unit_posters(units_with_urls: list, size: str = "A4") -> bytes:
    """units_with_urls: [(unit, parent unit or None, url)]."""
    pdf = _pdf(size)
    scale = 1.0 if size == "A4" else 0.7  # anything else is A5
    for unit, parent, url in units_with_urls:
        parent_name = display_name(parent) if parent is not None else ""
        pdf.add_page()
        width = pdf.w - 2 * 15 * scale
        pdf.set_xy(15 * scale, 18 * scale)
        pdf.set_font("Sarabun", "B", 30 * scale)
        pdf.multi_cell(width, 13 * scale, display_name(unit), align="C")
        pdf.set_font("Sarabun", "", 18 * scale)
        pdf.set_x(15 * scale)
        pdf.multi_cell(width, 9 * scale, f"รหัส {unit.code}" + (f" · สังกัด {parent_name}" if parent_name else ""),
                       align="C")
        qr_width = 120 * scale
        _draw_qr(pdf, url, (pdf.w - qr_width) / 2, pdf.get_y() + 8 * scale, qr_width)
        pdf.set_xy(20 * scale, pdf.get_y() + qr_width + 14 * scale)
        pdf.set_font("Sarabun", "", 17 * scale)
        for line in INSTRUCTIONS:
            pdf.set_x(20 * scale)
            pdf.multi_cell(pdf.w - 40 * scale, 9 * scale, line)
        pdf.set_font("Sarabun", "", 10 * scale)
        pdf.set_xy(15 * scale, pdf.h - 18 * scale)
        pdf.multi_cell(width, 5 * scale, url, align="C")
    return bytes(pdf.output())
