"""The bulk templates cannot mislead (issue 15): the examples never import,
phone numbers keep their 0, the roles and units offered are the downloader's
own, a wrong role is told the valid ones, and the result comes first."""
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from tests.http.test_registration import HEADER, UNIT_HEADER, count_users, csv_file, problems, upload

PROVINCE_ROLES = ["เจ้าหน้าที่บันทึกข้อมูล", "คณะกรรมการตรวจนับ", "ผู้บริหาร (ดูข้อมูล)"]


def template(client, path="/registration/template.xlsx"):
    response = client.get(path)
    assert response.status_code == 200
    return response.data


def user_row(username, phone="", role="เจ้าหน้าที่บันทึกข้อมูล", unit="5001"):
    return [username, "ทดสอบ", "นำเข้า", "", phone, "", unit, role]


def test_untouched_template_imports_nobody_and_says_so(app, as_user):
    client = as_user("cm-admin")
    with app.app_context():
        before = db.session.query(MaskLogUser).count()
    response = upload(client, (io.BytesIO(template(client)), "masklog-users-template.xlsx"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ไม่มีแถวข้อมูล" in body and "ตัวอย่าง" in body
    with app.app_context():
        assert db.session.query(MaskLogUser).count() == before
        assert db.session.query(MaskLogUser).filter(MaskLogUser.username.like("example.%")).count() == 0


def test_untouched_unit_template_creates_no_unit(app, as_user):
    client = as_user("cm-admin")
    with app.app_context():
        before = db.session.query(Unit).count()
    data = template(client, "/registration/units/template.xlsx")
    response = client.post("/registration/units/upload", data={"file": (io.BytesIO(data), "units.xlsx"), "mode": "valid"},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "ไม่มีแถวข้อมูล" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Unit).count() == before


def test_example_rows_copied_into_the_data_sheet_are_refused(app, as_user):
    """Someone pastes the examples under the header: still nobody fake is made."""
    client = as_user("cm-admin")
    book = load_workbook(io.BytesIO(template(client)))
    examples = [[cell.value for cell in row] for row in book["ตัวอย่าง"].iter_rows(min_row=2, max_row=3)]
    for row in examples:
        book["ผู้ใช้"].append(row)
    out = io.BytesIO()
    book.save(out)
    response = upload(client, (io.BytesIO(out.getvalue()), "users.xlsx"), mode="valid")
    found = problems(response)
    assert sorted(found) == [2, 3] and all("แถวตัวอย่าง" in text for text in found.values())
    assert count_users(app, "example.") == 0
    units = load_workbook(io.BytesIO(template(client, "/registration/units/template.xlsx")))
    for row in units["ตัวอย่าง"].iter_rows(min_row=2, max_row=3):
        units["หน่วยงานใหม่"].append([cell.value for cell in row])
    out = io.BytesIO()
    units.save(out)
    response = client.post("/registration/units/upload", data={"file": (io.BytesIO(out.getvalue()), "u.xlsx"),
                                                               "mode": "valid"}, content_type="multipart/form-data")
    assert response.get_data(as_text=True).count("แถวตัวอย่าง") == 2
    with app.app_context():
        assert db.session.query(Unit).filter(Unit.name_th.like("%ตัวอย่าง")).count() == 0


def test_example_row_of_an_old_template_is_refused(app, as_user):
    """Templates downloaded before had the example in the data sheet, row 2."""
    old_example = ["somchai.j", "สมชาย", "ใจดี", "ปลัดอำเภอ", "0812345678", "somchai@example.go.th", "5001",
                   "เจ้าหน้าที่บันทึกข้อมูล"]
    found = problems(upload(as_user("cm-admin"), csv_file([old_example]), mode="valid"))
    assert list(found) == [2] and "แถวตัวอย่าง" in found[2]
    assert count_users(app, "somchai.j") == 0


def test_phone_and_code_columns_are_text_in_the_template(as_user):
    book = load_workbook(io.BytesIO(template(as_user("cm-admin"))))
    sheet = book["ผู้ใช้"]
    assert [c.value for c in sheet[1]] == HEADER
    for letter in "EG":  # โทรศัพท์, รหัสหน่วยงาน
        assert sheet.column_dimensions[letter].number_format == "@", letter
    example = book["ตัวอย่าง"]
    assert example["E2"].value == "0812345678" and example["E2"].number_format == "@"
    assert example["G2"].value == "50"
    units = load_workbook(io.BytesIO(template(as_user("cm-admin"), "/registration/units/template.xlsx")))
    assert units.worksheets[0].column_dimensions["E"].number_format == "@"


def test_phone_that_lost_its_zero_is_repaired_and_a_bad_one_refused(app, as_user):
    client = as_user("cm-admin")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(user_row("t20.mobile", 812340001))      # a "General" cell: Excel stored a number
    sheet.append(user_row("t20.landline", "53112345"))   # office number, 0 lost
    sheet.append(user_row("t20.typed", "081-234-0003"))  # typed with dashes
    sheet.append(user_row("t20.thai", "๐๙๑๒๓๔๐๐๐๔ ต่อ 12"))  # Thai digits and an extension
    sheet.append(user_row("t20.bad", "12345"))
    sheet.append(user_row("t20.ten", "1812340001"))
    out = io.BytesIO()
    book.save(out)
    response = upload(client, (io.BytesIO(out.getvalue()), "users.xlsx"))
    found = problems(response)
    assert response.status_code == 422 and sorted(found) == [6, 7]
    assert "โทรศัพท์ 12345 ไม่ใช่หมายเลขโทรศัพท์" in found[6] and "1812340001" in found[7]
    assert count_users(app, "t20.") == 0
    response = upload(client, (io.BytesIO(out.getvalue()), "users.xlsx"), mode="valid")
    assert response.status_code == 200
    assert "เติมกลับให้แล้ว" in response.get_data(as_text=True)
    with app.app_context():
        phones = dict(db.session.execute(select(MaskLogUser.username, MaskLogUser.phone)
                                         .where(MaskLogUser.username.like("t20.%"))).all())
    assert phones == {"t20.mobile": "0812340001", "t20.landline": "053112345", "t20.typed": "0812340003",
                      "t20.thai": "0912340004 ต่อ 12"}
    # CSV as Excel saves a General column: the same repair.
    assert upload(client, csv_file([user_row("t20.csv", "912340005")])).status_code == 200
    with app.app_context():
        assert db.session.query(MaskLogUser.phone).filter_by(username="t20.csv").scalar() == "0912340005"


def roles_offered(data):
    return [row[0] for row in load_workbook(io.BytesIO(data))["บทบาท"].iter_rows(min_row=2, values_only=True)]


def test_roles_sheet_offers_only_what_the_downloader_may_grant(as_user):
    assert roles_offered(template(as_user("cm-admin"))) == PROVINCE_ROLES
    assert "ผู้ดูแลระบบจังหวัด" in roles_offered(template(as_user("admin")))


def test_unit_sheet_lists_exactly_the_downloaders_subtree(app, as_user):
    for username, root in (("cm-admin", "50"), ("bkk-admin", "10")):
        book = load_workbook(io.BytesIO(template(as_user(username))), read_only=True)
        rows = list(book["รหัสหน่วยงาน"].iter_rows(values_only=True))
        assert rows[0] == ("รหัสหน่วยงาน", "ชื่อหน่วยงาน", "ระดับ", "รหัสหน่วยงานต้นสังกัด", "หน่วยงานต้นสังกัด")
        with app.app_context():
            top = db.session.query(Unit).filter_by(code=root).one()
            expected = dict(db.session.execute(select(Unit.code, Unit.name_th).where(
                Unit.path.like(top.path + "%"), Unit.active.is_(True))).all())
        assert {row[0]: row[1] for row in rows[1:]} == expected and len(rows) - 1 == len(expected)
        levels = {row[0]: row[2] for row in rows[1:]}
        assert levels[root] == "จังหวัด"
        if username == "cm-admin":
            assert levels["5001"] == "อำเภอ/เขต" and rows[1:][[r[0] for r in rows[1:]].index("5001")][3:] == (
                "50", "เชียงใหม่")
            assert levels["CM-CITY"] == "องค์กรปกครองส่วนท้องถิ่น (อปท.)"


def test_wrong_role_message_lists_the_valid_ones(as_user):
    response = upload(as_user("cm-admin"), csv_file([user_row("t21.unknown", role="หัวหน้าหน่วย"),
                                                     user_row("t21.admin", role="ผู้ดูแลระบบจังหวัด")]))
    found = problems(response)
    valid = ", ".join(PROVINCE_ROLES)
    assert f"ไม่รู้จักบทบาท หัวหน้าหน่วย บทบาทที่ใช้ได้: {valid}" in found[2]
    assert f"ไม่มีสิทธิ์มอบบทบาท ผู้ดูแลระบบจังหวัด บทบาทที่ท่านมอบได้: {valid}" in found[3]


def test_result_comes_before_the_upload_forms(as_user):
    client = as_user("cm-admin")
    for response in (upload(client, csv_file([user_row("t22.bad", unit="999997")])),
                     client.post("/registration/units/upload", data={"file": (io.BytesIO(
                         ("\n".join([",".join(UNIT_HEADER), ",หน่วยทดสอบ,,โรงเรียน,5001"]) + "\n").encode()),
                         "u.csv")}, content_type="multipart/form-data")):
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        result = body.index('id="result"')
        assert result < body.index('action="/registration/upload"') < body.index('action="/registration/units/upload"')
        assert re.search(r"<tr><td>2</td>", body[result:body.index('action="/registration/upload"')])
