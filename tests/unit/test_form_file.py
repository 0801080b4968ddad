"""Reading a Google Form's response export (app/reconcile/form_file.py): the
CSV and .xlsx files Google Sheets downloads, built here byte for byte the way
Google writes them, and every kind of wrong file a person may upload."""
import datetime
import io
import zipfile

import pytest

from app.errors import DomainError
from app.reconcile.form_file import (MAX_ROWS, FormTable, cell_text, parse_form_date, parse_timestamp,
                                     read_form_file)

pytestmark = pytest.mark.database_independent  # parsing only: one backend is enough

# A Thai form as Google Sheets exports it: CRLF between records, a quoted
# newline and a quoted comma inside answers, an e-mail column, Thai headers.
THAI_HEADERS = ["ประทับเวลา", "ที่อยู่อีเมล", "อำเภอ", "ตำบล", "หน่วยงาน", "วันที่รับ", "จำนวนที่ได้รับ (ชิ้น)",
                "หมายเหตุ"]
THAI_CSV = (
    "ประทับเวลา,ที่อยู่อีเมล,อำเภอ,ตำบล,หน่วยงาน,วันที่รับ,จำนวนที่ได้รับ (ชิ้น),หมายเหตุ\r\n"
    "13/5/2563 9:15:32,somchai@example.com,เมืองเชียงใหม่,ช้างเผือก,อบต.ช้างเผือก,13/5/2563,\"1,200\",\r\n"
    "13/5/2563 10:02:07,malee@example.com,แม่ริม,ริมใต้,\"โรงพยาบาลส่งเสริมสุขภาพตำบลริมใต้\",12 พ.ค. 2563,500,"
    "\"กล่องที่ 1 เปียก\nกล่องที่ 2 ครบ\"\r\n"
    ",,,,,,,\r\n"
    "๑๔/๕/๒๕๖๓ ๘:๐๐:๐๐,noi@example.com,สันทราย,  หนองหาร ,ทต.หนองหาร,๑๔/๕/๒๕๖๓,๓๐๐,\"ส่ง, ครบ\"\r\n"
)


def google_csv(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.mark.parametrize("bom", [True, False])
def test_a_thai_csv_export_is_read_cell_by_cell(bom):
    table = read_form_file("การรับหน้ากาก (การตอบกลับ) - การตอบกลับในฟอร์ม 1.csv", google_csv(THAI_CSV, bom))
    assert isinstance(table, FormTable)
    assert table.headers == THAI_HEADERS  # no BOM left on the first header
    assert len(table.rows) == 3 and all(len(row) == len(THAI_HEADERS) for row in table.rows)
    first, second, third = table.rows
    assert first[:5] == ["13/5/2563 9:15:32", "somchai@example.com", "เมืองเชียงใหม่", "ช้างเผือก", "อบต.ช้างเผือก"]
    assert first[6] == "1,200" and first[7] == ""
    assert second[7] == "กล่องที่ 1 เปียก\nกล่องที่ 2 ครบ"  # a quoted newline stays inside its cell
    assert third[3] == "หนองหาร" and third[7] == "ส่ง, ครบ"  # stripped; a quoted comma is not a separator
    # The sheet's row numbers: the quoted newline is still one row, the empty row 4 is skipped.
    assert table.row_numbers == [2, 3, 5]
    assert parse_timestamp(first[0]) == datetime.datetime(2020, 5, 13, 9, 15, 32)
    assert parse_timestamp(third[0]) == datetime.datetime(2020, 5, 14, 8, 0, 0)
    assert parse_form_date(second[5]) == datetime.date(2020, 5, 12)
    assert parse_form_date(third[5]) == datetime.date(2020, 5, 14)


def test_an_english_csv_export_with_the_comma_timestamp():
    text = ("Timestamp,Email Address,District,Unit name,Pieces received\n"
            "\"13/5/2020, 9:15:32\",a@example.com,Mueang,\"เทศบาลนครเชียงใหม่\",2000\n"
            "\"13/5/2020, 17:40:00\",b@example.com,Mae Rim,อบต.ริมใต้\n")  # a short row is padded
    table = read_form_file("responses.csv", google_csv(text, bom=False))
    assert table.headers == ["Timestamp", "Email Address", "District", "Unit name", "Pieces received"]
    assert table.rows[1] == ["13/5/2020, 17:40:00", "b@example.com", "Mae Rim", "อบต.ริมใต้", ""]
    assert [parse_timestamp(row[0]) for row in table.rows] == [datetime.datetime(2020, 5, 13, 9, 15, 32),
                                                              datetime.datetime(2020, 5, 13, 17, 40)]
    assert table.row_numbers == [2, 3]


def test_rows_longer_than_the_header_are_cut_and_trailing_empty_headers_dropped():
    text = "Timestamp,หน่วยงาน,,\n13/5/2020 9:15:32,อบต.ริมใต้,extra,more,even more\n"
    table = read_form_file("x.csv", google_csv(text, bom=True))
    assert table.headers == ["Timestamp", "หน่วยงาน"] and table.rows == [["13/5/2020 9:15:32", "อบต.ริมใต้"]]


def test_a_header_that_starts_like_a_file_signature_is_still_text():
    table = read_form_file("bmi.csv", b"BMI,GIF,PK\r\n1,2,3\r\n")
    assert table.headers == ["BMI", "GIF", "PK"] and table.rows == [["1", "2", "3"]]


def test_the_content_decides_not_the_name():
    """A CSV named .xlsx is read as CSV; a workbook named .csv as a workbook."""
    assert read_form_file("responses.xlsx", google_csv(THAI_CSV, bom=False)).headers == THAI_HEADERS
    workbook = google_workbook()
    assert read_form_file("responses.csv", workbook).headers[0] == "ประทับเวลา"


def zipped(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_the_zip_google_forms_downloads_is_read():
    """Google Forms' own "Download responses (.csv)" gives a zip with the CSV inside."""
    data = zipped({"การรับหน้ากาก.csv": google_csv(THAI_CSV, bom=False)})
    table = read_form_file("การรับหน้ากาก.csv.zip", data)
    assert table.headers == THAI_HEADERS and len(table.rows) == 3 and table.row_numbers == [2, 3, 5]


def test_a_zip_with_several_csv_files_or_too_big_a_one(app, monkeypatch):
    import app.reconcile.form_file as form_file

    with app.test_request_context():
        with pytest.raises(DomainError, match="มีไฟล์ CSV 2 ไฟล์"):
            read_form_file("x.zip", zipped({"a.csv": b"Timestamp\n1\n", "b.csv": b"Timestamp\n2\n"}))
        monkeypatch.setattr(form_file, "MAX_UNZIPPED_BYTES", 1000)
        with pytest.raises(DomainError, match="ใหญ่เกินไป"):
            read_form_file("x.zip", zipped({"a.csv": b"Timestamp,Unit\n" + b"13/5/2563 9:15:32,x\n" * 100}))


def google_workbook(formula: bool = False) -> bytes:
    """An .xlsx like the one Google Sheets downloads: a "Form Responses 1"
    sheet, timestamps as date-time cells, a date question as a date cell,
    numbers as numbers, text as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "การตอบกลับแบบฟอร์ม 1"
    sheet.append(["ประทับเวลา", "ที่อยู่อีเมล", "หน่วยงาน", "วันที่รับ", "จำนวน", "น้ำหนัก (กก.)", "ยืนยัน"])
    rows = [
        # 09:15:32 stored as a fraction of a day that reads back a microsecond early
        (datetime.datetime(2020, 5, 13, 9, 15, 31, 999999), "a@example.com", "อบต.ช้างเผือก",
         datetime.datetime(2020, 5, 13), 1200, 2.5, True),
        (datetime.datetime(2020, 5, 13, 10, 0, 0), "b@example.com", "  เทศบาลนครเชียงใหม่ ",
         datetime.datetime(2020, 5, 12), 300.0, 12.0, False),
        (None, None, None, None, None, None, None),
        (datetime.datetime(2020, 5, 14, 0, 0, 0), "c@example.com", "ทต.หนองหาร", datetime.datetime(2020, 5, 14),
         "=1+1" if formula else 50, 0.1, None),
    ]
    for row in rows:
        sheet.append(row)
    for number in range(2, len(rows) + 2):
        sheet.cell(number, 1).number_format = "d/m/yyyy h:mm:ss"
        sheet.cell(number, 4).number_format = "d/m/yyyy"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_google_sheets_workbook_is_read_as_text():
    table = read_form_file("การรับหน้ากาก (การตอบกลับ).xlsx", google_workbook())
    assert table.headers == ["ประทับเวลา", "ที่อยู่อีเมล", "หน่วยงาน", "วันที่รับ", "จำนวน", "น้ำหนัก (กก.)", "ยืนยัน"]
    assert table.rows == [
        ["2020-05-13 09:15:32", "a@example.com", "อบต.ช้างเผือก", "2020-05-13", "1200", "2.5", "TRUE"],
        ["2020-05-13 10:00:00", "b@example.com", "เทศบาลนครเชียงใหม่", "2020-05-12", "300", "12", "FALSE"],
        # a timestamp at midnight keeps its time: its column is formatted as a date-time
        ["2020-05-14 00:00:00", "c@example.com", "ทต.หนองหาร", "2020-05-14", "50", "0.1", ""],
    ]
    assert table.row_numbers == [2, 3, 5]
    assert parse_timestamp(table.rows[0][0]) == datetime.datetime(2020, 5, 13, 9, 15, 32)
    assert parse_timestamp(table.rows[2][0]) == datetime.datetime(2020, 5, 14)
    assert parse_form_date(table.rows[1][3]) == datetime.date(2020, 5, 12)


def test_cells_become_plain_text():
    assert cell_text(1200.0) == "1200" and cell_text(-3.0) == "-3" and cell_text(1e-05) == "0.00001"
    assert cell_text(12345678901) == "12345678901" and cell_text(None) == "" and cell_text(" x ") == "x"
    assert cell_text(datetime.date(2020, 5, 13)) == "2020-05-13" and cell_text(datetime.time(9, 5)) == "09:05:00"


@pytest.mark.parametrize("typed, expected", [
    ("13/5/2020, 9:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("13/5/2020 9:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("13/5/2563 9:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("13/05/2563, 09:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("2020-05-13 09:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("2020-05-13T09:15:32", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    ("๑๓/๕/๒๕๖๓ ๙:๑๕:๓๒", datetime.datetime(2020, 5, 13, 9, 15, 32)),
    (" 13/5/2563  9:15 ", datetime.datetime(2020, 5, 13, 9, 15)),
    ("1/12/2563 23:59:59", datetime.datetime(2020, 12, 1, 23, 59, 59)),
])
def test_google_timestamps(typed, expected):
    assert parse_timestamp(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", None, "13/5/2563", "2020-05-13", "hello", "5/13/2020 9:15:32",
                                   "31/2/2563 9:15:32", "13/5/2563 25:00:00", "13/5/63 9:15:32", "1200"])
def test_what_is_not_a_timestamp(typed):
    assert parse_timestamp(typed) is None


@pytest.mark.parametrize("typed", ["13/5/2563", "13/05/2020", "2020-05-13", "2563-05-13", "13 พ.ค. 2563",
                                   "13 พฤษภาคม 2563", "๑๓ พ.ค. ๒๕๖๓", "๑๓/๕/๒๕๖๓", "13 พ.ค. พ.ศ. 2563",
                                   "13/5/2020, 9:15:32", "13/5/2563 9:15:32", "2020-05-13 00:00:00", " 13/5/2563 "])
def test_form_dates(typed):
    assert parse_form_date(typed) == datetime.date(2020, 5, 13)


@pytest.mark.parametrize("typed", ["", None, "31/2/2563", "13/13/2563", "13 พ.ศ. 2563", "วันนี้", "1,200",
                                   "13/5/63", "ส่ง 13 ชิ้น 2563"])
def test_what_is_not_a_date(typed):
    assert parse_form_date(typed) is None


# ------------------------------------------------------------------ wrong files

def a_zip(names) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return out.getvalue()


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
DOCX = a_zip(["[Content_Types].xml", "word/document.xml", "_rels/.rels"])


@pytest.mark.parametrize("name, data, expected", [
    ("responses.pdf", PDF, "เป็นเอกสาร PDF"),
    ("responses.csv", PNG, "เป็นไฟล์รูปภาพ"),
    ("responses.xlsx", DOCX, "ไฟล์ zip ที่ไม่ใช่ไฟล์ Excel"),
    ("responses.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "รุ่นเก่า (.xls, .doc)"),
    ("responses.bin", b"abc\x00\x01\x02def", "ไม่ใช่ข้อความ"),
    ("broken.xlsx", b"PK\x03\x04 this zip was cut short", "ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้"),
    ("responses.csv", "ประทับเวลา,หน่วยงาน\n13/5/2563 9:15:32,อบต.ช้างเผือก\n".encode("cp874"), "UTF-8"),
    ("responses.csv", "Timestamp,Unit\n13/5/2020 9:15:32,Café Noël\n".encode("latin-1"), "UTF-8"),
    ("responses.csv", "Timestamp,Unit\n".encode("utf-16"), "UTF-8"),
    ("responses.csv", b"", "ไฟล์ว่างเปล่า"),
    ("responses.csv", b" \r\n\r\n", "ไฟล์ว่างเปล่า"),
    ("responses.csv", b",,,\r\n13/5/2563 9:15:32,x,,\r\n", "แถวแรกของไฟล์ไม่มีข้อความ"),
    ("responses.csv", "ประทับเวลา,หน่วยงาน\r\n".encode("utf-8"), "ไม่มีคำตอบ"),
    ("responses.csv", "ประทับเวลา,หน่วยงาน\r\n,\r\n , \r\n".encode("utf-8"), "ไม่มีคำตอบ"),
    ("responses.xlsx", google_workbook(formula=True), "มีสูตรคำนวณ (เซลล์ E5)"),
])
def test_a_wrong_file_is_refused_in_thai(app, name, data, expected):
    with app.test_request_context(), pytest.raises(DomainError) as raised:
        read_form_file(name, data)
    message = raised.value.message
    assert expected in message, message
    assert "Traceback" not in message and "Error" not in message


def test_a_wrong_file_says_how_to_download_the_right_one(app):
    with app.test_request_context():
        for data in (PDF, "Timestamp\n13/5/2020 9:15:32,Café\n".encode("latin-1")):
            with pytest.raises(DomainError) as raised:
                read_form_file("x", data)
            assert "Google Sheets" in raised.value.message and "ดาวน์โหลด" in raised.value.message
        with pytest.raises(DomainError) as raised:
            read_form_file("x.pdf", PDF)
        assert "PDF document" in raised.value.in_locale("en")  # the API's English answer


def test_an_empty_workbook_and_a_header_only_workbook(app):
    from openpyxl import Workbook

    def saved(book):
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    book = Workbook()
    empty = saved(book)
    book.active.append(["Timestamp", "หน่วยงาน"])
    header_only = saved(book)
    with app.test_request_context():
        with pytest.raises(DomainError, match="ไฟล์ว่างเปล่า"):
            read_form_file("x.xlsx", empty)
        with pytest.raises(DomainError, match="ไม่มีคำตอบ"):
            read_form_file("x.xlsx", header_only)


def test_more_rows_than_the_limit_are_refused(app, monkeypatch):
    import app.reconcile.form_file as form_file

    monkeypatch.setattr(form_file, "MAX_ROWS", 3)
    text = "Timestamp,Unit\n" + "".join(f"13/5/2020 9:15:3{i},unit {i}\n" for i in range(4))
    assert len(read_form_file("x.csv", google_csv(text[: text.index("13/5/2020 9:15:33")], False)).rows) == 3
    with app.test_request_context(), pytest.raises(DomainError, match="มากกว่า 3 แถว"):
        read_form_file("x.csv", google_csv(text, False))
    assert MAX_ROWS == 200_000
