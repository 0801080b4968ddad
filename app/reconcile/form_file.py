"""The response export of a Google Form, as an administrator downloads it from
Google Sheets: a CSV file (UTF-8, with or without a byte-order mark) or an
.xlsx workbook (its first sheet). Read into a plain table of text cells; the
meaning of the columns is decided elsewhere (the column mapping).

What the file is comes from its bytes, not its name: an .xlsx is a zip
(b"PK\\x03\\x04") holding xl/workbook.xml; a zip holding one .csv is what
Google Forms' own "Download responses (.csv)" gives; anything else must be
UTF-8 text. CSV is the fast path: 20,000 rows in ~0.1 s, where openpyxl
needs 2-5 s for the same rows as .xlsx.

Every way a file can be wrong is a DomainError with a Thai message that names
the problem and says how to download the file again.

Also the timestamps and dates found in such files (parse_timestamp,
parse_form_date): Google writes them in the sheet's locale; for Thailand day
first and often in the Buddhist Era, sometimes in Thai digits."""
from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from flask_babel import lazy_gettext as _

from app.errors import DomainError
from app.thai import parse_date, to_arabic_digits

MAX_ROWS = 200_000  # data rows; a province's whole form in a year is far fewer
MAX_UNZIPPED_BYTES = 300_000_000  # a CSV inside a zip: 200,000 rows of ~1.5 KB
_XLSX_SIGNATURE = b"PK\x03\x04"
_SNIFF_BYTES = 65_536  # a NUL byte in the first 64 KiB: a binary file, not text


@dataclass
class FormTable:
    filename: str
    headers: list[str]  # the header cells, stripped
    rows: list[list[str]] = field(default_factory=list)  # cells as stripped text, as many as headers
    row_numbers: list[int] = field(default_factory=list)  # the row's number in the sheet (header = 1)


# ------------------------------------------------------------------ messages

def _download_again():
    return _("In Google Sheets choose File > Download > Comma-separated values (.csv) or Microsoft Excel (.xlsx) "
             "and upload that file as it is.")


def _not_a_table(kind) -> DomainError:
    return DomainError(_("This file is not a table of form responses (.csv or .xlsx): it is %(kind)s. %(how)s",
                         kind=kind, how=_download_again()), code="not_a_table")


def _binary_kind(data: bytes):
    """What a file that is neither a workbook nor text looks like, for the message; None: maybe text."""
    head = data[:16]
    if head.startswith(b"%PDF"):
        return _("a PDF document")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _("an image")
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Excel 97-2003 .xls, old Word .doc
        return _("an old Excel or Word file (.xls, .doc)")
    if b"\x00" in data[:_SNIFF_BYTES] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _("a binary file, not text")
    return None


# ------------------------------------------------------------------ reading

def read_form_file(filename: str, data: bytes) -> FormTable:
    """The table of a form's response export. Raises DomainError (Thai) on a
    file that is not one: another kind of file, text that is not UTF-8, a
    workbook with formulas, no header, no responses, more than MAX_ROWS rows."""
    data = data or b""
    if not data.strip():
        raise DomainError(_("The file is empty."), code="empty_file")
    if data.startswith(_XLSX_SIGNATURE):
        records = _zip_records(data)
    else:
        kind = _binary_kind(data)
        if kind is not None:
            raise _not_a_table(kind)
        records = _csv_records(data)
    return _table(filename, records)


def _table(filename: str, records) -> FormTable:
    """Header and data rows out of (row number, cells) records, in sheet order."""
    header_record = next(records, None)
    if header_record is None:
        raise DomainError(_("The file is empty."), code="empty_file")
    headers = list(header_record[1])
    while headers and not headers[-1]:  # a sheet's trailing formatted-but-empty columns
        headers.pop()
    if not headers:
        raise DomainError(_("The first row of the file has no text. It must be the header row with the form's "
                            "questions, as Google Sheets downloads it."), code="no_header")
    width = len(headers)
    table = FormTable(filename=filename, headers=headers)
    for number, cells in records:
        if not any(cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise DomainError(_("The file has more than %(n)s rows; please split it.", n=f"{MAX_ROWS:,}"),
                              code="too_many_rows")
        cells = cells[:width] if len(cells) >= width else cells + [""] * (width - len(cells))
        table.rows.append(cells)
        table.row_numbers.append(number)
    if not table.rows:
        raise DomainError(_("The file has the header row but no responses under it."), code="no_rows")
    return table


def _csv_records(data: bytes):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 ("Unicode text" from Excel)
        raise _not_utf8()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8()
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","  # Google's .tsv too
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _guarded_csv(reader)


def _guarded_csv(reader):
    """(row number, stripped cells): a record spanning lines (a quoted
    newline) is one row of the sheet, so rows are counted, not lines."""
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise DomainError(_("The file is not a CSV text file that can be read."), code="unreadable_csv")
        number += 1
        yield number, [cell.replace("\r\n", "\n").strip() for cell in cells]


def _not_utf8() -> DomainError:
    return DomainError(_("The file's text is not UTF-8 (it may have been opened and saved again in Excel, "
                         "which changes the Thai letters). Please download it again from Google Sheets: "
                         "File > Download > Comma-separated values (.csv), and upload it without opening it."),
                       code="not_utf8")


def _zip_records(data: bytes):
    """An .xlsx workbook, or the zip Google Forms' "Download responses (.csv)"
    gives: one CSV file inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            names = {info.filename for info in members}
            if "xl/workbook.xml" in names:
                return _xlsx_records(data)
            csvs = [info for info in members if info.filename.lower().endswith(".csv")
                    and not info.filename.startswith("__MACOSX/")]
            if len(csvs) == 1:
                if csvs[0].file_size > MAX_UNZIPPED_BYTES:  # checked before unpacking: no zip bomb
                    raise DomainError(_("The file is too large: more than %(n)s MB unpacked. Please split it.",
                                        n=MAX_UNZIPPED_BYTES // 1_000_000), code="too_large")
                return _csv_records(archive.read(csvs[0]))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        # RuntimeError: encrypted; NotImplementedError: an unknown compression
        raise DomainError(_("The file is not an Excel workbook (.xlsx) that can be read."), code="unreadable_xlsx")
    if len(csvs) > 1:
        raise DomainError(_("The zip file holds %(n)s CSV files; upload the one with the form's responses.",
                            n=len(csvs)), code="several_files")
    raise _not_a_table(_("a zip file that is not an Excel workbook (a Word document, for example)"))


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook  # only when a workbook comes: openpyxl is slow to import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like, from Google's files
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read what is there, not the size the file claims
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise DomainError(_("The file is not an Excel workbook (.xlsx) that can be read."), code="unreadable_xlsx")
    return _sheet_records(book, sheet)


def _sheet_records(book, sheet):
    try:
        number = 0
        for row in sheet.iter_rows():
            number += 1
            cells = []
            for cell in row:
                value = cell.value
                if value is None:
                    cells.append("")
                elif type(value) is str and cell.data_type != "f":  # most cells: plain text
                    cells.append(value.replace("\r\n", "\n").strip())
                elif cell.data_type == "f":
                    raise DomainError(_("The workbook contains formulas (cell %(cell)s). Please upload the responses "
                                        "as Google Sheets downloads them, values only: File > Download > "
                                        "Comma-separated values (.csv).", cell=cell.coordinate), code="formulas")
                else:
                    cells.append(cell_text(value, cell.number_format if isinstance(value, datetime.datetime) else ""))
            yield number, cells
    except DomainError:
        raise
    except Exception:
        raise DomainError(_("The file is not an Excel workbook (.xlsx) that can be read."), code="unreadable_xlsx")
    finally:
        book.close()


def cell_text(value, number_format: str = "") -> str:
    """A workbook cell as the text a CSV export would hold: date-time cells in
    ISO form (what parse_timestamp and parse_form_date read), a cell formatted
    as a date only (a date question) as "2020-05-13", whole numbers without
    ".0", TRUE/FALSE for check boxes."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        # Sheets store times as fractions of a day: 09:15:32 may come back as 09:15:31.999999.
        value = (value + datetime.timedelta(microseconds=500_000)).replace(microsecond=0)
        if value.time() == datetime.time() and _is_date_only_format(number_format):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        text = repr(value)
        return format(Decimal(text), "f") if "e" in text or "E" in text else text
    return str(value).replace("\r\n", "\n").strip()


def _is_date_only_format(number_format: str) -> bool:
    """"m/d/yyyy", "yyyy-mm-dd", "d mmmm yyyy": a date format without hours
    (a date question's column); "m/d/yyyy h:mm:ss" is the timestamp's."""
    fmt = re.sub(r'"[^"]*"|\\.|\[[^]]*\]', "", (number_format or "").lower())  # quoted text, escapes, [$-th]
    return bool(fmt) and "y" in fmt and "h" not in fmt and "s" not in fmt


# ------------------------------------------------------------------ timestamps and dates

_TIME = r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.(\d{1,6}))?)?(?:\s*น\.?)?"
_DMY_TIMESTAMP = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}),?\s+" + _TIME)
_YMD_TIMESTAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]|,\s*)\s*" + _TIME)
_YMD_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ERA_WORDS = re.compile(r"\s*(?:พ\.\s?ศ\.|ค\.\s?ศ\.)\s*")  # "13 พ.ค. พ.ศ. 2563"
_DATE_SHAPE = re.compile(r"\d{1,4}[/.\- ].*\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def _clean(text) -> str:
    if text is None:
        return ""
    text = to_arabic_digits(str(text)).replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def _year(year: int) -> int:
    return year - 543 if year > 2400 else year  # Buddhist Era


def parse_timestamp(text) -> Optional[datetime.datetime]:
    """A response's timestamp as Google writes it: "13/5/2020, 9:15:32",
    "13/5/2020 9:15:32", "13/5/2563 9:15:32" (B.E.), "2020-05-13 09:15:32",
    in Arabic or Thai digits; day before month. A naive datetime (the form's
    own clock, Thai time), or None when the text is not a timestamp."""
    text = _clean(text)
    if not text:
        return None
    match = _DMY_TIMESTAMP.fullmatch(text)
    if match:
        day, month, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
    else:
        match = _YMD_TIMESTAMP.fullmatch(text)
        if not match:
            return None
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    hour, minute = int(match.group(4)), int(match.group(5))
    second = int(match.group(6) or 0)
    micro = int((match.group(7) or "0").ljust(6, "0"))
    try:
        return datetime.datetime(_year(year), month, day, hour, minute, second, micro)
    except ValueError:
        return None


def parse_form_date(text) -> Optional[datetime.date]:
    """A date answer: "13/5/2563", "13/05/2020", "2020-05-13", "13 พ.ค. 2563",
    "13 พฤษภาคม 2563", Thai digits, or a whole timestamp (its date). None
    when the text is not a date."""
    text = _clean(text)
    if not text:
        return None
    stamp = parse_timestamp(text)
    if stamp is not None:
        return stamp.date()
    text = _ERA_WORDS.sub(" ", text).strip()
    match = _YMD_DATE.fullmatch(text)
    if match:
        try:
            return datetime.date(_year(int(match.group(1))), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    if not _DATE_SHAPE.fullmatch(text):  # cheap refusal of most text before app.thai's parser
        return None
    try:
        return parse_date(text)
    except DomainError:
        return None
