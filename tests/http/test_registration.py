"""Bulk registration and activation over HTTP: good and bad rows, all-or-
nothing vs. valid rows only, malformed files, one-time activation links."""
import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from app.extensions import db
from app.models.user import MaskLogUser

HEADER = ["ชื่อผู้ใช้", "ชื่อ", "นามสกุล", "ตำแหน่ง", "โทรศัพท์", "อีเมล", "รหัสหน่วยงาน", "บทบาท"]


def csv_file(rows, bom=True, encoding="utf-8"):
    text = "\n".join(",".join(r) for r in [HEADER] + rows) + "\n"
    data = text.encode(encoding)
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + data), "users.csv"


def xlsx_file(rows, formula=False):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if formula:
        sheet["B2"] = "=A2"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out, "users.xlsx"


def upload(client, file, mode="all"):
    return client.post("/registration/upload", data={"file": file, "mode": mode}, content_type="multipart/form-data")


def problems(response):
    return dict((int(n), text) for n, text in re.findall(r"<tr><td>(\d+)</td><td>[^<]*</td><td>(.*?)</td></tr>",
                                                         response.get_data(as_text=True)))


def count_users(app, prefix):
    with app.app_context():
        return db.session.query(MaskLogUser).filter(MaskLogUser.username.like(prefix + "%")).count()


def test_template_has_thai_headers(as_user):
    response = as_user("cm-admin").get("/registration/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == HEADER


def test_good_and_bad_rows_nothing_written_unless_all_pass(app, as_user):
    client = as_user("cm-admin")
    rows = [
        ["t1.ok", "สมศรี", "ทดสอบ", "ปลัดอำเภอ", "0811111111", "", "5001", "เจ้าหน้าที่บันทึกข้อมูล"],
        ["t1.unknown", "ก", "ข", "", "", "", "999999", "Officer"],
        ["t1.outside", "ก", "ข", "", "", "", "1001", "Officer"],
        ["T1.OK ", "ก", "ข", "", "", "", "5001", "Officer"],
        ["cm-viewer", "ก", "ข", "", "", "", "5001", "Officer"],
        ["t1.mail", "ก", "ข", "", "", "not-an-email", "5001", "Officer"],
        ["t1.role", "ก", "ข", "", "", "", "5001", "ผู้ดูแลระบบจังหวัด"],
        ["t1.empty", "", "ข", "", "", "", "5001", "Officer"],
    ]
    response = upload(client, csv_file(rows))
    assert response.status_code == 422
    found = problems(response)
    assert "ไม่รู้จักรหัสหน่วยงาน 999999" in found[3]
    assert "อยู่นอกจังหวัด" in found[4]
    assert "ซ้ำกับแถวที่ 2" in found[5]
    assert "มีอยู่แล้วในระบบ" in found[6]
    assert "อีเมล not-an-email ไม่ถูกต้อง" in found[7]
    assert "ไม่มีสิทธิ์มอบบทบาท" in found[8]
    assert "ชื่อ ว่าง" in found[9] or "ว่างอยู่" in found[9]
    assert 2 not in found
    assert count_users(app, "t1.") == 0
    response = upload(client, csv_file(rows), mode="valid")
    assert response.status_code == 200
    assert count_users(app, "t1.") == 1
    with app.app_context():
        user = db.session.query(MaskLogUser).filter_by(username="t1.ok").one()
        assert user.password is None and user.unit.code == "5001" and [r.name for r in user.roles] == ["Officer"]


@pytest.mark.parametrize("make_file, message", [
    (lambda: (io.BytesIO(b""), "users.csv"), "ไฟล์ว่าง"),
    (lambda: (io.BytesIO("a,b,c\n1,2,3\n".encode()), "users.csv"), "คอลัมน์"),
    (lambda: (io.BytesIO(b"PK\x03\x04 not really a zip"), "users.xlsx"), "Excel"),
    (lambda: (io.BytesIO(b"%PDF-1.4 binary"), "users.pdf"), ".xlsx"),
    (lambda: xlsx_file([["t2.formula", "x", "y", "", "", "", "5001", "Officer"]], formula=True), "สูตร"),
    (lambda: (io.BytesIO(("\n".join([",".join(HEADER)])).encode()), "users.csv"), "ไม่มีแถวข้อมูล"),
])
def test_malformed_files_get_a_thai_message(as_user, make_file, message):
    response = upload(as_user("cm-admin"), make_file())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_csv_without_bom_thai_windows_encoding_and_xlsx_all_work(app, as_user):
    client = as_user("cm-admin")
    name = "ศรีสุดา"  # Thai with combining marks
    assert upload(client, csv_file([["t3.a", name, "ใจดี", "", "", "", "5001", "viewer"]], bom=False)).status_code == 200
    assert upload(client, csv_file([["t3.b", name, "ใจดี", "", "", "", "5001", "viewer"]], bom=False,
                                   encoding="cp874")).status_code == 200
    assert upload(client, xlsx_file([["t3.c", name, "ใจดี", "", "", "", "5001", "Counting Committee"]])).status_code == 200
    assert count_users(app, "t3.") == 3
    with app.app_context():
        assert db.session.query(MaskLogUser).filter_by(username="t3.b").one().first_name == name


def test_fifty_megabyte_upload_is_refused(as_user):
    response = upload(as_user("cm-admin"), (io.BytesIO(b"x" * (50 * 1024 * 1024)), "big.csv"))
    assert response.status_code == 413
    assert "ไฟล์มีขนาดใหญ่เกินไป" in response.get_data(as_text=True)


def test_other_roles_cannot_register(as_user):
    response = upload(as_user("cm-officer"), csv_file([["t4.x", "ก", "ข", "", "", "", "5001", "Officer"]]))
    assert response.status_code in (302, 403)


def test_activation_link_is_one_time_and_reissue_invalidates_it(app, as_user):
    admin = as_user("cm-admin")
    upload(admin, csv_file([["t5.new", "ใหม่", "ทดสอบ", "", "", "", "5002", "Officer"]]))
    with app.app_context():
        user = db.session.query(MaskLogUser).filter_by(username="t5.new").one()
        user_id, unit_id = user.id, user.unit_id
    sheet = admin.get(f"/registration/sheet/{unit_id}?user={user_id}").get_data(as_text=True)
    assert "data:image/png;base64," in sheet
    first_link = re.search(r"(/activate/[^<\s\"]+)", sheet).group(1)
    assert admin.post(f"/registration/reissue/{user_id}").status_code == 302
    sheet = admin.get(f"/registration/sheet/{unit_id}?user={user_id}").get_data(as_text=True)
    new_link = re.search(r"(/activate/[^<\s\"]+)", sheet).group(1)
    anonymous = app.test_client()
    assert anonymous.get(first_link).status_code == 400  # superseded
    for password, message in (("short", "อย่างน้อย 8"), ("t5.new-pass", "ชื่อผู้ใช้"), ("password123", "ง่ายเกินไป")):
        response = anonymous.post(new_link, data={"password": password, "confirm": password})
        assert response.status_code == 422 and message in response.get_data(as_text=True), password
    response = anonymous.post(new_link, data={"password": "Phrae-2563!", "confirm": "Phrae-2563!"})
    assert response.status_code == 302
    again = anonymous.get(new_link)
    assert again.status_code == 400 and "ใช้ไปแล้ว" in again.get_data(as_text=True)
    assert anonymous.post("/login/", data={"username": "t5.new", "password": "Phrae-2563!"}).status_code == 302
    assert anonymous.get("/activate/not-a-token").status_code == 400


def test_expired_link_is_refused(app, monkeypatch):
    from app.commands import activation

    with app.app_context():
        user = db.session.query(MaskLogUser).filter(MaskLogUser.password.is_(None)).first()
        if user is None:
            pytest.skip("no unactivated user")
        token = activation.make_token(user)
    monkeypatch.setattr(activation, "MAX_AGE_SECONDS", -1)
    response = app.test_client().get(f"/activate/{token}")
    assert response.status_code == 400 and "หมดอายุ" in response.get_data(as_text=True)


UNIT_HEADER = ["รหัสหน่วยงาน", "ชื่อหน่วยงาน", "ชื่อภาษาอังกฤษ", "ประเภท", "รหัสหน่วยงานต้นสังกัด"]


def unit_csv(rows):
    text = "\n".join(",".join(r) for r in [UNIT_HEADER] + rows) + "\n"
    return io.BytesIO(text.encode("utf-8-sig")), "units.csv"


def test_units_from_a_spreadsheet_all_or_nothing(app, as_user):
    from app.models.unit import Unit

    client = as_user("cm-admin")
    rows = [["T6-LAO", "เทศบาลตำบลทดสอบนำเข้า", "", "อปท.", "5005"],
            ["T6-HPH", "รพ.สต. ทดสอบนำเข้า", "", "หน่วยรับปลายทาง", "T6-LAO"],
            ["", "หน่วยนอกจังหวัด", "", "หน่วยรับปลายทาง", "1001"],
            ["T6-BAD", "ประเภทผิด", "", "โรงเรียน", "5005"]]
    response = client.post("/registration/units/upload", data={"file": unit_csv(rows), "mode": "all"},
                           content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "นอกพื้นที่" in body and "โรงเรียน" in body
    with app.app_context():
        assert db.session.query(Unit).filter(Unit.code.like("T6-%")).count() == 0
    response = client.post("/registration/units/upload", data={"file": unit_csv(rows), "mode": "valid"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        lao = db.session.query(Unit).filter_by(code="T6-LAO").one()
        hph = db.session.query(Unit).filter_by(code="T6-HPH").one()
        assert hph.parent_id == lao.id and hph.path == f"{lao.path}{hph.id}/" and lao.parent.code == "5005"
        assert db.session.query(Unit).filter(Unit.code.like("T6-%")).count() == 2


def test_row_numbers_are_the_spreadsheets_even_after_blank_rows(as_user):
    rows = [["t7.ok", "ก", "ข", "", "", "", "5001", "Officer"], ["", "", "", "", "", "", "", ""],
            ["t7.bad", "ก", "ข", "", "", "", "999998", "Officer"]]
    found = problems(upload(as_user("cm-admin"), csv_file(rows)))
    assert list(found) == [4] and "999998" in found[4]


def test_unit_template_has_thai_headers(as_user):
    response = as_user("cm-admin").get("/registration/units/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.active[1]] == UNIT_HEADER and book.active.max_row == 1
    assert book["ตัวอย่าง"]["E2"].value == "50"  # the examples sit on their own sheet, under the admin's unit
