"""Google Form reconciliation over real HTTP (app/views/reconcile.py): files
built the way Google exports them (CSV with "ประทับเวลา" and B.E. times, xlsx
with "Timestamp" and C.E. times), the columns guessed and remembered, loose
names picked once and remembered, every outcome per unit and day, the xlsx in
Thai, documents created only for rows found in the form alone (audited, never
twice), other provinces kept out, bad files refused in Thai."""
import io
import json
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.form_import import FormUnitChoice, FormUpload
from app.models.ledger import AuditEntry, Distribution, Receipt, RiskGroup
from app.thai import today
from tests.helpers import (client_for, flashed_text, fresh_tree, login, post_allocation, post_confirmation,
                           post_distribution, stock_up, unit)

HEADERS = ["ประทับเวลา", "จังหวัด", "อำเภอ", "ชื่อหน่วยงาน", "จำนวนที่ได้รับ (ชิ้น)", "จัดสรรให้หน่วยงานในสังกัด (ชิ้น)",
           "ผู้สูงอายุ (ชิ้น)", "ผู้สูงอายุ (คน)", "อีเมล"]


def mapping(area):
    """The columns as a person chooses them (the elderly group's roles carry its code)."""
    return {"role-timestamp": "ประทับเวลา", "role-province": "จังหวัด", "role-district": "อำเภอ",
            "role-unit": "ชื่อหน่วยงาน", "role-received": "จำนวนที่ได้รับ (ชิ้น)",
            "role-allocated": "จัดสรรให้หน่วยงานในสังกัด (ชิ้น)", f"role-pieces-{area['old_code']}": "ผู้สูงอายุ (ชิ้น)",
            f"role-people-{area['old_code']}": "ผู้สูงอายุ (คน)", "role-email": "อีเมล"}


@pytest.fixture()
def area(app):
    """A new LAO in Chiang Mai with 100 pieces received and counted today,
    60 of them sent to two of its three end units; the first distributes 30 to
    the elderly (10 people), the third 5 (2 people)."""
    with app.app_context():
        lao, kids, people = fresh_tree(3)
        stock_up(lao, people, 100)
        old, old_code = db.session.execute(select(RiskGroup.id, RiskGroup.code).where(
            RiskGroup.name_th.like("ผู้สูงอายุ%"))).one()
        info = {"lao": lao.id, "lao_name": lao.name_th, "district": lao.parent.name_th, "old": old,
                "old_code": old_code,
                "kids": [k.id for k in kids], "kid_names": [k.name_th for k in kids],
                "tag": lao.code[1:], **{name: person.id for name, person in people.items()}}
    officer = client_for(app, info["officer"])
    lines = post_allocation(app, officer, info["lao"], {info["kids"][0]: 40, info["kids"][2]: 20})
    for index, pieces, persons in ((0, 30, 10), (2, 5, 2)):
        kid, receiver = info["kids"][index], client_for(app, info[f"child{index}"])
        post_confirmation(receiver, kid, lines[kid], 40 if index == 0 else 20)
        post_distribution(receiver, kid, old, pieces, persons)
    return info


def _be(day, time):
    return f"{day.day}/{day.month}/{day.year + 543} {time}"


def _rows(area):
    day, (kid0, kid1) = today(), area["kid_names"][:2]
    return [
        [_be(day, "9:00:00"), "เชียงใหม่", area["district"], area["lao_name"], "100", "60", "", "", "a@example.com"],
        [_be(day, "9:30:00"), "เชียงใหม่", area["district"], area["lao_name"], "๙๐", "60", "", "", "a@example.com"],
        [_be(day, "9:40:00"), "จ.เชียงใหม่", "อ." + area["district"], kid0, "", "", "30", "10", ""],
        [_be(day, "9:45:00"), "เชียงใหม่", area["district"], kid1, "", "", "12", "4", ""],
        [_be(day, "9:50:00"), "ลำพูน", "เมืองลำพูน", "อบต.บ้านธิ", "5", "", "", "", ""],
        [_be(day, "9:55:00"), "เชียงใหม่", "", f"หน่วยทดสอบ {area['tag']}", "", "", "1", "1", ""],
        [_be(day, "10:00:00"), "เชียงใหม่", area["district"], area["lao_name"], "ห้าสิบ", "", "", "", ""],
    ]


def _csv(headers, rows):
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(client, data, name="แบบรายงาน (การตอบกลับ).csv", **form):
    return client.post("/reconcile/", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def _counts(html):
    return {status: int(count.replace(",", "")) for status, count in
            re.findall(r'id="count-(\w+)"><span>[^<]*</span><strong>([\d,]+)<', html)}


def test_a_csv_export_is_reconciled_per_unit_and_day(app, area):
    admin = login(app.test_client(), "cm-admin")
    response = _upload(admin, _csv(HEADERS, _rows(area)))
    assert response.status_code == 302
    upload_id = int(re.search(r"/reconcile/(\d+)", response.headers["Location"]).group(1))
    # No mapping yet for the province: the columns screen, with its guesses chosen.
    columns = admin.get(response.headers["Location"], follow_redirects=True)
    html = columns.get_data(as_text=True)
    assert "/columns" in columns.request.path
    for role, header in mapping(area).items():
        assert re.search(rf'name="{role}".*?<option value="{re.escape(header)}" selected>', html, re.S), role
    html = admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area), follow_redirects=True).get_data(as_text=True)
    counts = _counts(html)
    # Other tests' units in Chiang Mai worked today too: "only in MaskLog" counts them as well.
    assert (counts["different"], counts["only_form"], counts["equal"]) == (1, 1, 1) and counts["only_masklog"] >= 1
    lines = html.split('id="lines"')[1]
    # The LAO: the last answer (90) wins against MaskLog's 100; the earlier row is named.
    lao_row = re.search(rf'<tr class="masklog-line-different">.*?{re.escape(area["lao_name"])}.*?</tr>', lines, re.S)
    assert lao_row and "แถว 3" in lao_row.group(0) and "แทนแถว 2" in lao_row.group(0)
    assert "90 / 100" in lao_row.group(0) and "-10" in lao_row.group(0) and "60 / 60" in lao_row.group(0)
    assert re.search(rf'masklog-line-equal">.*?{re.escape(area["kid_names"][0])}', lines, re.S)
    assert re.search(rf'masklog-line-only_form">.*?{re.escape(area["kid_names"][1])}', lines, re.S)
    assert re.search(rf'masklog-line-only_masklog">.*?{re.escape(area["kid_names"][2])}', lines, re.S)
    # Apart: another province, an unreadable figure, a name to pick.
    apart = html.split('id="not-compared"')[1]
    assert "แถว 6" in apart and "จังหวัดอื่น" in apart and "แถว 8" in apart and "ไม่ใช่จำนวนเต็ม" in apart
    unplaced = html.split('id="unplaced"')[1].split('id="lines"')[0]
    assert f"หน่วยทดสอบ {area['tag']}" in unplaced and area["kid_names"][0] in unplaced
    # Filters: differences only hides the equal line; a district shows its own.
    filtered = admin.get(f"/reconcile/{upload_id}?differences=1").get_data(as_text=True).split('id="lines"')[1]
    assert "masklog-line-equal" not in filtered and "masklog-line-different" in filtered


def test_the_mapping_and_picked_units_are_remembered_for_the_next_file(app, area):
    admin = login(app.test_client(), "cm-admin")
    first = _upload(admin, _csv(HEADERS, _rows(area)))
    upload_id = int(re.search(r"/reconcile/(\d+)", first.headers["Location"]).group(1))
    admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area))
    html = admin.get(f"/reconcile/{upload_id}").get_data(as_text=True)
    typed = re.search(r'name="typed-(\d+)" value="([^"]+)"', html)
    kid0 = area["kids"][0]
    response = admin.post(f"/reconcile/{upload_id}/units", data={f"typed-{typed.group(1)}": typed.group(2),
                                                                  f"pick-{typed.group(1)}": str(kid0)},
                          follow_redirects=True)
    assert "บันทึกการเลือก 1" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FormUnitChoice, (unit("50").id, typed.group(2))).unit_id == kid0
    # The next export (xlsx this time, "Timestamp" in C.E.): straight to the result, the name placed.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Timestamp", *HEADERS[1:]])
    for row in _rows(area):
        day = today()
        sheet.append([f"{day.isoformat()} {row[0].split(' ')[1]}", *row[1:]])
    data = io.BytesIO()
    book.save(data)
    chosen = {**mapping(area), "role-timestamp": "Timestamp"}
    second = _upload(admin, data.getvalue(), name="responses.xlsx")
    page = admin.get(second.headers["Location"], follow_redirects=True)
    second_id = int(re.search(r"/reconcile/(\d+)", second.headers["Location"]).group(1))
    assert "/columns" in page.request.path  # the timestamp's header differs: the columns are asked again…
    changed = page.get_data(as_text=True).split('id="columns-changed"')[1].split("</div>")[0]
    assert "ต่างจากไฟล์ครั้งก่อน" in changed and "“ประทับเวลา”" in changed and "ชื่อหน่วยงาน" not in changed
    html = admin.post(f"/reconcile/{second_id}/columns", data=chosen, follow_redirects=True).get_data(as_text=True)
    assert 'id="unplaced"' not in html  # …but the picked name is placed
    assert 'id="columns-changed"' not in admin.get(f"/reconcile/{second_id}/columns").get_data(as_text=True)
    # Row 7 (the loose name) now counts for the first end unit: two answers, the later one wins.
    assert "แทนแถว 4" in html


def test_documents_are_created_only_for_rows_found_in_the_form_alone(app, area):
    admin = login(app.test_client(), "cm-admin")
    upload_id = int(re.search(r"/reconcile/(\d+)", _upload(admin, _csv(HEADERS, _rows(area))).headers["Location"])
                    .group(1))
    admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area))
    kid1, lao = area["kids"][1], area["lao"]

    def documents():
        with app.app_context():
            return (db.session.scalar(select(func.count()).select_from(Distribution).where(Distribution.unit_id == kid1)),
                    db.session.scalar(select(func.count()).select_from(Receipt).where(Receipt.unit_id == lao)))

    assert documents() == (0, 1)
    html = admin.post(f"/reconcile/{upload_id}/import", follow_redirects=True).get_data(as_text=True)
    # kid1 has no stock: its distribution is refused in Thai, nothing written.
    assert "ไม่ได้นำเข้า" in html and documents() == (0, 1)
    # Stock arrives; importing again creates the distribution once, audited with the file and row.
    officer = client_for(app, area["officer"])
    lines = post_allocation(app, officer, lao, {kid1: 20})
    post_confirmation(client_for(app, area["child1"]), kid1, lines[kid1], 20)
    html = admin.post(f"/reconcile/{upload_id}/import", follow_redirects=True).get_data(as_text=True)
    assert "สร้างเอกสารของ 1 แถว" in html and documents() == (1, 1)
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "import_form_row")
                                   .order_by(AuditEntry.id.desc())).scalars().first()
        after = json.loads(entry.after)
        assert after["file"] == "แบบรายงาน (การตอบกลับ).csv" and after["row"] == 5 and entry.unit_id == kid1
    # The row is now equal; the LAO's differing row was never imported.
    html = admin.post(f"/reconcile/{upload_id}/import", follow_redirects=True).get_data(as_text=True)
    assert documents() == (1, 1) and "ไม่มีแถวที่มีเฉพาะใน Google Form" in html


def test_another_provinces_administrator_sees_nothing_and_forged_provinces_are_refused(app, area):
    admin = login(app.test_client(), "cm-admin")
    upload_id = int(re.search(r"/reconcile/(\d+)", _upload(admin, _csv(HEADERS, _rows(area))).headers["Location"])
                    .group(1))
    bangkok = login(app.test_client(), "bkk-admin")
    for path in (f"/reconcile/{upload_id}", f"/reconcile/{upload_id}/columns",
                 f"/reconcile/{upload_id}/reconciliation.xlsx"):
        assert bangkok.get(path).status_code == 404
    assert bangkok.post(f"/reconcile/{upload_id}/import").status_code == 404
    assert "แบบรายงาน" not in bangkok.get("/reconcile/").get_data(as_text=True)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(FormUpload))
        chiang_mai = unit("50").id
    # A valid file, for a province outside the area: refused, nothing kept.
    response = _upload(bangkok, _csv(HEADERS, _rows(area)), province=str(chiang_mai))
    assert response.status_code == 422 and "นอกพื้นที่" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormUpload)) == before
    # Officers have no such screen.
    assert client_for(app, area["officer"]).get("/reconcile/").status_code in (302, 403)


@pytest.mark.parametrize("data, name, message", [
    (b"%PDF-1.4 something", "responses.pdf", "PDF"),
    ("ประทับเวลา,หน่วยงาน\n1/5/2563,ทดสอบ\n".encode("cp874"), "responses.csv", "UTF-8"),
    (b"", "responses.csv", "ว่าง"),
])
def test_bad_files_are_refused_in_thai_and_nothing_is_kept(app, data, name, message):
    admin = login(app.test_client(), "cm-admin")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(FormUpload))
    response = _upload(admin, data, name=name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and "Traceback" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormUpload)) == before


def test_the_export_is_in_thai_with_buddhist_era_dates(app, area):
    admin = login(app.test_client(), "cm-admin")
    upload_id = int(re.search(r"/reconcile/(\d+)", _upload(admin, _csv(HEADERS, _rows(area))).headers["Location"])
                    .group(1))
    admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area))
    response = admin.get(f"/reconcile/{upload_id}/reconciliation.xlsx?differences=1")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert "เชียงใหม่" in rows[0][0] and rows[1][:5] == ["อำเภอ/เขต", "หน่วยงาน", "รหัส", "วันที่", "ผลการตรวจสอบ"]
    results = {row[4] for row in rows[2:]}
    assert results == {"ต่างกัน", "มีเฉพาะใน Google Form", "มีเฉพาะใน MaskLog"}
    assert all(str(today().year + 543) in row[3] for row in rows[2:])
    apart = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert any("จังหวัดอื่น" in str(row[2]) for row in apart[1:])


def test_the_masklog_side_equals_a_recount_from_the_documents(app, area):
    """The reconciliation's MaskLog figures (rollup rows minus children's) are
    each unit's own documents of the day, recounted here from the tables."""
    from app.models.ledger import AllocationLine, Allocation, DistributionLine
    from app.models.unit import Unit
    from app.reconcile.reconciliation import own_figures

    pieces, people = f"pieces-{area['old_code']}", f"people-{area['old_code']}"
    roles = ["received", "allocated", "distributed", pieces, people]
    with app.app_context():
        province = unit("50")
        ours = own_figures(db.session, province, 1, today(), today(), roles)
        for unit_id in [area["lao"], *area["kids"]]:
            recount = {
                "received": db.session.scalar(select(func.coalesce(func.sum(Receipt.quantity_sent), 0)).where(
                    Receipt.unit_id == unit_id, Receipt.receipt_date == today())),
                "allocated": db.session.scalar(select(func.coalesce(func.sum(AllocationLine.quantity_sent), 0))
                                               .join(Allocation).where(Allocation.unit_id == unit_id,
                                                                       Allocation.allocation_date == today())),
                "distributed": db.session.scalar(select(func.coalesce(func.sum(DistributionLine.quantity), 0))
                                                 .join(Distribution).where(Distribution.unit_id == unit_id,
                                                                           Distribution.distribution_date == today())),
            }
            recount[pieces] = db.session.scalar(
                select(func.coalesce(func.sum(DistributionLine.quantity), 0)).join(Distribution).where(
                    Distribution.unit_id == unit_id, DistributionLine.risk_group_id == area["old"]))
            recount[people] = db.session.scalar(
                select(func.coalesce(func.sum(DistributionLine.people_reached), 0)).join(Distribution).where(
                    Distribution.unit_id == unit_id, DistributionLine.risk_group_id == area["old"]))
            got = {role: ours.get((unit_id, today()), {}).get(role, 0) for role in roles}
            assert got == recount, (db.session.get(Unit, unit_id).name_th, got, recount)
        assert sum(ours[(area["lao"], today())].values()) > 0  # it did read something


def test_rows_of_another_item_are_listed_apart(app, area):
    from app.models.ledger import Item

    with app.app_context():
        mask = db.session.execute(select(Item.name_th).where(Item.code == "SURGICAL_MASK")).scalar_one()
    headers = [*HEADERS, "เวชภัณฑ์"]
    rows = [[*row, item] for row, item in zip(_rows(area)[:4], [mask, mask, "เจลแอลกอฮอล์", mask])]
    admin = login(app.test_client(), "cm-admin")
    upload_id = int(re.search(r"/reconcile/(\d+)", _upload(admin, _csv(headers, rows)).headers["Location"]).group(1))
    html = admin.post(f"/reconcile/{upload_id}/columns", data={**mapping(area), "role-item": "เวชภัณฑ์"},
                      follow_redirects=True).get_data(as_text=True)
    apart = html.split('id="not-compared"')[1]
    assert "แถว 4" in apart and "เจลแอลกอฮอล์" in apart and "เวชภัณฑ์รายการอื่น" in apart
    assert "แถว 3" not in apart  # the mask's rows are compared


def _upload_id(response):
    return int(re.search(r"/reconcile/(\d+)", response.headers["Location"]).group(1))


def test_the_province_column_is_read_like_the_unit_names(app, area):
    """"จ.เชียงใหม", "จังหวัด เชียงใหม่" are Chiang Mai; "จ.ลำพูน" is another
    province; "ไม่ระบุ" names none: compared as Chiang Mai's row, and listed."""
    day, (kid0, kid1) = today(), area["kid_names"][:2]
    rows = [
        [_be(day, "9:00:00"), "จ.เชียงใหม", area["district"], area["lao_name"], "100", "60", "", "", ""],
        [_be(day, "9:10:00"), "จังหวัด เชียงใหม่", area["district"], kid0, "", "", "30", "10", ""],
        [_be(day, "9:20:00"), "ไม่ระบุ", area["district"], kid1, "", "", "12", "4", ""],
        [_be(day, "9:30:00"), "จ.ลำพูน", "เมืองลำพูน", "อบต.บ้านธิ", "5", "", "", "", ""],
    ]
    admin = login(app.test_client(), "cm-admin")
    upload_id = _upload_id(_upload(admin, _csv(HEADERS, rows)))
    html = admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area), follow_redirects=True).get_data(as_text=True)
    counts = _counts(html)
    assert (counts["equal"], counts["only_form"], counts["different"]) == (2, 1, 0)
    apart = html.split('id="not-compared"')[1]
    assert "แถว 5" in apart and "ลำพูน" in apart and "แถว 2" not in apart and "แถว 4" not in apart
    unsure = html.split('id="unsure-province"')[1].split('id="not-compared"')[0]
    assert "แถว 4" in unsure and "ไม่ระบุ" in unsure and "เชียงใหม่" in unsure and "แถว 2" not in unsure


def test_bangkok_is_known_by_its_short_names(app):
    headers = ["ประทับเวลา", "จังหวัด", "เขต", "ชื่อหน่วยงาน", "จำนวนที่ได้รับ (ชิ้น)"]
    day = today()
    rows = [[_be(day, "8:00:00"), "กทม.", "", "เขตพระนคร", "7"],
            [_be(day, "8:05:00"), "กรุงเทพฯ", "", "เขตดุสิต", "8"],
            [_be(day, "8:10:00"), "กรุงเทพมหานคร", "", "เขตบางรัก", "9"]]
    admin = login(app.test_client(), "bkk-admin")
    upload_id = _upload_id(_upload(admin, _csv(headers, rows)))
    html = admin.post(f"/reconcile/{upload_id}/columns", data={
        "role-timestamp": "ประทับเวลา", "role-province": "จังหวัด", "role-district": "เขต",
        "role-unit": "ชื่อหน่วยงาน", "role-received": "จำนวนที่ได้รับ (ชิ้น)"}, follow_redirects=True).get_data(as_text=True)
    lines = html.split('id="lines"')[1]
    assert 'id="not-compared"' not in html and 'id="unsure-province"' not in html
    for name in ("เขตพระนคร", "เขตดุสิต", "เขตบางรัก"):
        assert name in lines


def test_any_unit_of_the_province_can_be_picked_for_a_name_without_candidates(app, area):
    """A name nothing resembles ("ศูนย์ประสานงานชั่วคราว") offers no candidate:
    the unit picker, searching the province alone, picks any of its units, and
    the pick is remembered like the others. A unit of another province,
    posted by hand, is refused in Thai and nothing is kept."""
    day, tag = today(), area["tag"]
    typed = f"ศูนย์ประสานงานชั่วคราว {tag}"
    rows = [[_be(day, "9:00:00"), "เชียงใหม่", "", typed, "", "", "5", "2", ""]]
    admin = login(app.test_client(), "cm-admin")
    upload_id = _upload_id(_upload(admin, _csv(HEADERS, rows)))
    html = admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area), follow_redirects=True).get_data(as_text=True)
    unplaced = html.split('id="unplaced"')[1].split('id="lines"')[0]
    index, key = re.search(r'name="typed-(\d+)" value="([^"]+)"', unplaced).groups()
    assert typed in unplaced and f'name="pick-{index}"' not in unplaced  # no candidate to list …
    with app.app_context():
        province = unit("50")
        bangkok_unit = unit("1001").id
        picker = re.search(rf'<div class="masklog-unit-picker"[^>]*>\s*<input [^>]*name="other-{index}"', unplaced)
        assert picker and f'data-within="{province.id}"' in picker.group(0)  # … but a search of the province

    def choices():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(FormUnitChoice).where(
                FormUnitChoice.province_id == province.id, FormUnitChoice.typed == key))

    # A unit of Bangkok, forged into the form: refused in Thai, nothing kept.
    response = admin.post(f"/reconcile/{upload_id}/units", data={f"typed-{index}": key,
                                                                  f"other-{index}": str(bangkok_unit)},
                          follow_redirects=True)
    assert "กรุณาเลือกหน่วยงานในจังหวัดเชียงใหม่" in response.get_data(as_text=True) and choices() == 0
    # The third end unit, searched for: kept, and the row is now compared for it.
    kid2 = area["kids"][2]
    response = admin.post(f"/reconcile/{upload_id}/units", data={f"typed-{index}": key, f"other-{index}": str(kid2)},
                          follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "บันทึกการเลือก 1" in html and 'id="unplaced"' not in html
    with app.app_context():
        assert db.session.get(FormUnitChoice, (province.id, key)).unit_id == kid2
    # MaskLog has the end unit's 5 pieces for 2 people today: the row is the same.
    assert re.search(rf'masklog-line-equal">.*?{re.escape(area["kid_names"][2])}', html.split('id="lines"')[1], re.S)


def test_the_pickers_search_stays_in_the_province(app):
    """/api/v1/unit/search?within=: the central administrator searching
    Chiang Mai's units gets none of another province; an administrator
    asking within a province outside their area gets nothing."""
    from app.models.unit import Unit

    with app.app_context():
        chiang_mai, bangkok = unit("50"), unit("10")
        ids = (chiang_mai.id, bangkok.id)
        chiang_mai_path = chiang_mai.path
    central = login(app.test_client(), "admin")
    everywhere = central.get("/api/v1/unit/search", query_string={"term": "เมือง"}).get_json()["results"]
    assert any(not row["code"].startswith("50") for row in everywhere)
    found = central.get("/api/v1/unit/search", query_string={"term": "เมือง", "within": ids[0]}).get_json()["results"]
    assert found
    with app.app_context():
        paths = dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_([row["id"] for row in found])))
                     .all())
    assert all(path.startswith(chiang_mai_path) for path in paths.values())
    chiang_mai_admin = login(app.test_client(), "cm-admin")
    for within in (ids[1], 2 ** 40, -1):
        response = chiang_mai_admin.get("/api/v1/unit/search", query_string={"term": "เมือง", "within": within})
        assert response.status_code == 200 and response.get_json()["results"] == []


def _kept():
    """(uploads kept, their audit entries)."""
    return (db.session.scalar(select(func.count()).select_from(FormUpload)),
            db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "upload_form_export")))


@pytest.mark.parametrize("headers, rows, message", [
    # A list of units and stock: no date, no answer time.
    (["รหัส", "ชื่อหน่วยงาน", "คงเหลือ (ชิ้น)"], [["5001", "อำเภอเมืองเชียงใหม่", "100"], ["5002", "อำเภอจอมทอง", "5"]],
     "ไม่มีคอลัมน์วันที่"),
    # Answer times and numbers only: nothing names a unit.
    (["ประทับเวลา", "ข้อ 1", "ข้อ 2"], [["13/5/2563 9:15:32", "1", "2"], ["13/5/2563 9:16:00", "3", "4"]],
     "ไม่มีคอลัมน์ที่เป็นชื่อหน่วยงาน"),
])
def test_a_table_that_is_not_the_form_is_refused_and_not_kept(app, headers, rows, message):
    admin = login(app.test_client(), "cm-admin")
    with app.app_context():
        before = _kept()
    response = _upload(admin, _csv(headers, rows), name="รายการ.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "ดูไม่เหมือนคำตอบของแบบรายงาน" in html and message in html
    with app.app_context():
        assert _kept() == before


def test_a_form_whose_dates_are_not_googles_timestamp_is_kept(app):
    """No "Timestamp" header, but a column of dates and one of names: a form."""
    admin = login(app.test_client(), "cm-admin")
    rows = [["13/5/2563", "อบต.ช้างเผือก", "10"], ["14 พ.ค. 2563", "ต.ศรีภูมิ", "5"]]
    with app.app_context():
        before = _kept()
    assert _upload(admin, _csv(["วันที่", "หน่วย", "ได้รับ"], rows)).status_code == 302
    with app.app_context():
        assert _kept() == (before[0] + 1, before[1] + 1)


def _lines(html):
    return html.split('id="lines"')[1].split('id="import"')[0].split('id="not-compared"')[0]


def test_the_result_is_filtered_by_district(app, area):
    """The district filter shows the lines of the units in that district only,
    whatever their result, and its import button names the district."""
    day = today()
    rows = [*_rows(area)[:4], [_be(day, "11:00:00"), "เชียงใหม่", "", "อ.แม่ริม", "7", "", "", "", ""]]
    admin = login(app.test_client(), "cm-admin")
    upload_id = _upload_id(_upload(admin, _csv(HEADERS, rows)))
    everything = admin.post(f"/reconcile/{upload_id}/columns", data=mapping(area),
                            follow_redirects=True).get_data(as_text=True)
    assert "แม่ริม" in _lines(everything) and area["lao_name"] in _lines(everything)
    assert re.search(rf'<option value="{re.escape(area["district"])}"', everything)
    ours = admin.get(f"/reconcile/{upload_id}", query_string={"district": area["district"]}).get_data(as_text=True)
    shown = _lines(ours)
    assert area["lao_name"] in shown and all(name in shown for name in area["kid_names"])
    assert "แม่ริม" not in shown.split("</select>")[-1]  # in the filter's list, not among the lines
    assert re.search(rf'<option value="{re.escape(area["district"])}" selected>', ours)
    importing = ours.split('id="import"')[1]
    assert f"สร้างเอกสารของแถวในอำเภอ{area['district']}" in importing
    assert f'name="district" value="{area["district"]}"' in importing
    theirs = _lines(admin.get(f"/reconcile/{upload_id}", query_string={"district": "แม่ริม"}).get_data(as_text=True))
    lines = theirs.split("</form>")[1]
    assert "แม่ริม" in lines and area["lao_name"] not in lines and area["kid_names"][0] not in lines
    # A district and a result together.
    equal_here = _lines(admin.get(f"/reconcile/{upload_id}", query_string={
        "district": area["district"], "status": "equal"}).get_data(as_text=True)).split("</form>")[1]
    assert re.findall(r'masklog-line-(\w+)', equal_here) == ["equal"]


def test_the_central_administrator_reconciles_any_province(app, area):
    """Not their own: the centre's administrator picks Chiang Mai, uploads,
    chooses the columns and reads the same result; without a province chosen
    the file is refused in Thai and not kept."""
    central = login(app.test_client(), "admin")
    page = central.get("/reconcile/").get_data(as_text=True)
    assert page.count('<option value="') >= 77  # every province (and the items)
    with app.app_context():
        chiang_mai = unit("50").id
        before = _kept()
    response = _upload(central, _csv(HEADERS, _rows(area)))
    assert response.status_code == 422 and "กรุณาเลือกจังหวัดของไฟล์" in flashed_text(response.get_data(as_text=True))
    with app.app_context():
        assert _kept() == before
    response = _upload(central, _csv(HEADERS, _rows(area)), province=str(chiang_mai))
    assert response.status_code == 302
    upload_id = _upload_id(response)
    html = central.get(f"/reconcile/{upload_id}", follow_redirects=True).get_data(as_text=True)
    if 'id="columns-form"' in html:  # Chiang Mai's columns may be remembered already
        html = central.post(f"/reconcile/{upload_id}/columns", data=mapping(area),
                            follow_redirects=True).get_data(as_text=True)
    assert "เชียงใหม่" in html and re.search(rf'masklog-line-different">.*?{re.escape(area["lao_name"])}',
                                             _lines(html), re.S)
    assert central.get(f"/reconcile/{upload_id}/reconciliation.xlsx").status_code == 200


def test_a_fifty_megabyte_upload_gets_a_thai_message_and_nothing_is_kept(app):
    admin = login(app.test_client(), "cm-admin")
    with app.app_context():
        before = _kept()
    big = b"\xe0\xb8\x81" * (50 * 1024 * 1024 // 3)  # 50 MB of Thai letters
    response = _upload(admin, big, name="responses.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "ไฟล์มีขนาดใหญ่เกินไป" in html
    assert "Traceback" not in html and "Request Entity Too Large" not in html
    with app.app_context():
        assert _kept() == before


def test_a_report_date_column_decides_the_day(app, area):
    """"วันที่รายงาน" (a date question, B.E.) wins over the answer's time: a
    report of yesterday sent this morning is compared with yesterday's
    figures, not today's."""
    import datetime

    from app.thai import thai_date

    day = today()
    yesterday = day - datetime.timedelta(days=1)
    headers = ["ประทับเวลา", "วันที่รายงาน", "จังหวัด", "อำเภอ", "ชื่อหน่วยงาน", "จำนวนที่ได้รับ (ชิ้น)"]
    date = lambda d: f"{d.day}/{d.month}/{d.year + 543}"  # noqa: E731
    rows = [[_be(day, "8:00:00"), date(yesterday), "เชียงใหม่", area["district"], area["lao_name"], "100"],
            [_be(day, "8:30:00"), date(day), "เชียงใหม่", area["district"], area["lao_name"], "100"]]
    admin = login(app.test_client(), "cm-admin")
    upload_id = _upload_id(_upload(admin, _csv(headers, rows)))
    columns = admin.get(f"/reconcile/{upload_id}/columns").get_data(as_text=True)
    assert re.search(r'name="role-date".*?<option value="วันที่รายงาน" selected>', columns, re.S)
    html = admin.post(f"/reconcile/{upload_id}/columns", data={
        "role-timestamp": "ประทับเวลา", "role-date": "วันที่รายงาน", "role-province": "จังหวัด",
        "role-district": "อำเภอ", "role-unit": "ชื่อหน่วยงาน", "role-received": "จำนวนที่ได้รับ (ชิ้น)"},
        follow_redirects=True).get_data(as_text=True)
    lao = [row for row in re.findall(r'<tr class="masklog-line-(\w+)">(.*?)</tr>', _lines(html), re.S)
           if area["lao_name"] in row[1]]
    by_day = {status: re.search(r"<td>(\d+ \S+ \d{4})</td>", row).group(1) for status, row in lao}
    # Yesterday: only the form's 100 (MaskLog's 100 came today); today: 100 in both, one line each.
    assert by_day == {"only_form": thai_date(yesterday), "equal": thai_date(day)}
    assert "แทนแถว" not in _lines(html)  # two days, not two answers for one day
