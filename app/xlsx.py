"""A small streaming xlsx writer: rows go straight into a deflated zip entry
as SpreadsheetML, so a sheet of 80,000 units costs no memory and a few
seconds. openpyxl's write-only mode serialises every cell through an XML
library and took about 1 ms per row here, too slow for a national report;
openpyxl still reads the files back in the tests.

Only what reports and the upload templates need: text (inline strings),
integers, a bold style, a header style, column widths, text-formatted ("@")
columns, a frozen header row and drop-down lists."""
from __future__ import annotations

import re
import zipfile
from xml.sax.saxutils import escape

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}</Types>"""
_SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\n')
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Tahoma"/></font><font><b/><sz val="11"/><name val="Tahoma"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
# Style indexes in _STYLES' cellXfs.
BOLD, TEXT, HEADER = 1, 3, 4
_FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                  ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')


# Characters XML 1.0 cannot carry at all; "_xHHHH_" is Excel's own escape, so a
# literal "_x" must itself be escaped or Excel would decode it.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    return escape(_ILLEGAL_XML.sub("", str(value)).replace("_x", "_x005F_x"))


def _cell(value, bold: bool, style=None) -> str:
    if value is None or value == "":
        return f'<c s="{style}"/>' if style else "<c/>"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float)):
        return f'<c s="{1 if bold else 2}"><v>{value}</v></c>'
    text = _text(value)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    style = style or (BOLD if bold else None)
    attribute = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{attribute}><is><t{space}>{text}</t></is></c>'


def _column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Sheet:
    def __init__(self, stream, text_columns=()):
        self._stream = stream
        self._row = 0
        self._text_columns = set(text_columns)
        self._lists = []

    def append(self, values, bold: bool = False, style=None) -> None:
        """`style` (HEADER, TEXT) for every cell of the row; otherwise text
        columns get the text style, so a typed 0812345678 keeps its 0."""
        self._row += 1
        cells = "".join(_cell(value, bold, style or (TEXT if index in self._text_columns else None))
                        for index, value in enumerate(values))
        self._stream.write(f'<row r="{self._row}">{cells}</row>'.encode("utf-8"))

    def drop_down(self, column: int, first_row: int, last_row: int, source: str) -> None:
        """Cells of `column` offer a list: `source` is a range such as
        'บทบาท'!$A$2:$A$4 (Excel warns on anything typed that is not in it)."""
        letter = _column_letter(column)
        self._lists.append(f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" '
                           f'sqref="{letter}{first_row}:{letter}{last_row}"><formula1>{_text(source)}</formula1>'
                           '</dataValidation>')

    def _tail(self) -> str:
        lists = (f'<dataValidations count="{len(self._lists)}">{"".join(self._lists)}</dataValidations>'
                 if self._lists else "")
        return "</sheetData>" + lists + "</worksheet>"


class Workbook:
    """with Workbook(path) as book: sheet = book.sheet("name"); sheet.append([...]).
    One sheet is open at a time (each is one zip entry, written as it goes)."""

    def __init__(self, path: str):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names: list[str] = []
        self._open = None

    def sheet(self, name: str, widths=(), text_columns=(), freeze_header: bool = False) -> Sheet:
        """`widths`: column widths in characters, from column A; `text_columns`:
        indexes of columns formatted as text ("@"), so Excel keeps leading zeros
        of what is typed into them."""
        self._close_sheet()
        # Excel's limits on sheet names: 31 characters, none of []:*?/\ .
        clean = _ILLEGAL_XML.sub("", "".join("_" if ch in "[]:*?/\\" else ch for ch in name)).strip("'")[:31] \
            or f"Sheet{len(self._names) + 1}"
        while clean.lower() in {existing.lower() for existing in self._names}:
            suffix = f"_{len(self._names)}"
            clean = clean[:31 - len(suffix)] + suffix
        self._names.append(clean)
        self._open = self._zip.open(f"xl/worksheets/sheet{len(self._names)}.xml", "w")
        widths = list(widths) + [None] * (max(text_columns, default=-1) + 1 - len(widths))
        columns = "".join(f'<col min="{n}" max="{n}" width="{width or 10}" customWidth="1"'
                          + (f' style="{TEXT}"' if n - 1 in text_columns else "") + "/>"
                          for n, width in enumerate(widths, 1))
        self._open.write((_SHEET_HEAD + (_FROZEN_HEADER if freeze_header else "")
                          + (f"<cols>{columns}</cols>" if columns else "") + "<sheetData>").encode("utf-8"))
        self._sheet = Sheet(self._open, text_columns)
        return self._sheet

    def _close_sheet(self) -> None:
        if self._open is not None:
            self._open.write(self._sheet._tail().encode("utf-8"))
            self._open.close()
            self._open = None

    def close(self) -> None:
        self._close_sheet()
        count = len(self._names)
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES.format(
            sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, count + 1))))
        self._zip.writestr("_rels/.rels", _ROOT_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        sheets = "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                         for n, name in enumerate(self._names, 1))
        self._zip.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets>{sheets}</sheets></workbook>'))
        rels = "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, count + 1))
        rels += (f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/styles" Target="styles.xml"/>')
        self._zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            '</Relationships>'))
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
