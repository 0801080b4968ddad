"""Tables that add up (#14 item 6), over real HTTP: a province with stock at
the province itself and in its districts, built through the today page's
forms; the dashboard's table of units, every level sheet of the xlsx report
and every level block of the CSV have the province's own row first and a
total row equal to the headline in every column; a municipality counts
itself in its completeness; the busiest-units chart has no zero bars."""
import csv
import io
import re
import uuid

import openpyxl

from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import Item, RiskGroup
from app.models.unit import Unit
from app.queries import figures
from app.queries.periods import parse_period
from app.roles import COUNTING_COMMITTEE, OFFICER
from app.rollups.registry import EXPORTED
from tests.helpers import (client_for, fresh_tree, post_allocation, post_confirmation, post_distribution, post_ok,
                           post_receipt_and_count, user)

PROVINCE = "84"  # สุราษฎร์ธานี: no other test records anything there
TABLE_COLUMNS = ("received", "confirmed_in", "distributed", "people_reached", "in_transit_to_area", "awaiting_count",
                 "balance")


def number(text: str) -> int:
    return int(text.replace(",", ""))


def headline_tiles(html: str) -> dict:
    tiles = html.split('id="headline"')[1].split('class="masklog-card"')[0]
    return {name: number(value) for name, value in
            re.findall(r'data-figure="(\w+)">.*?<strong[^>]*>([\d,\-]+)<', tiles)}


def table_row(html: str, row_id: str) -> dict:
    row = html.split(f'id="{row_id}"')[1].split("</tr>")[0]
    return {name: number(value) for name, value in re.findall(r'data-figure="(\w+)">([\d,\-]+)<', row)}


def body_rows(html: str) -> list[list[int]]:
    """Every row of the table's body (the unit's own row and each unit below), its figures in column order."""
    body = html.split('id="children"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [[number(cell) for cell in re.findall(r'<td class="num"[^>]*>([\d,\-]+)</td>', row)]
            for row in body.split("</tr>")[:-1]]


def build_province(app):
    """Through the forms: 1,000 pieces received and counted at the province
    and 200 more awaiting their count; 300 allocated to its first district
    (290 arrive, 10 short) and 200 to its second (still in transit); the
    first district hands out 100 pieces, the province 50."""
    with app.app_context():
        admin = user("admin")
        province = db.session.query(Unit).filter_by(code=PROVINCE).one()
        first, second = (db.session.query(Unit).filter_by(parent_id=province.id).order_by(Unit.code).limit(2))
        tag = uuid.uuid4().hex[:6]

        def person(unit, name, roles):
            return create_user(db.session, admin, username=f"{name}-{tag}", first_name=name, last_name=tag,
                               email=f"{name}-{tag}@example.com", unit=unit, role_names=roles).id

        ids = {"province": province.id, "first": first.id, "second": second.id,
               "first_name": first.name_th, "second_name": second.name_th,
               "officer": person(province, "officer", [OFFICER]), "committee": person(province, "chair", [COUNTING_COMMITTEE]),
               "first_officer": person(first, "first", [OFFICER])}
        db.session.commit()
        group = db.session.query(RiskGroup.id).order_by(RiskGroup.sort_order, RiskGroup.id).first()[0]
    officer, committee = client_for(app, ids["officer"]), client_for(app, ids["committee"])
    at_first = client_for(app, ids["first_officer"])
    post_receipt_and_count(app, officer, committee, ids["province"], 1000, physical_count=1000)
    post_receipt_and_count(app, officer, committee, ids["province"], 200, physical_count=0, count=False)
    lines = post_allocation(app, officer, ids["province"], {ids["first"]: 300, ids["second"]: 200})
    post_confirmation(at_first, ids["first"], lines[ids["first"]], 290, reason="กล่องฉีกขาด")
    post_distribution(at_first, ids["first"], group, 100, 40)
    post_distribution(officer, ids["province"], group, 50, 20)
    return ids, officer


def test_every_table_of_units_has_the_units_own_row_and_a_total_equal_to_the_headline(app):
    ids, viewer = build_province(app)
    html = viewer.get(f"/dashboard/{ids['province']}").get_data(as_text=True)

    tiles = headline_tiles(html)
    assert tiles == {"received": 1000, "distributed": 150, "people_reached": 60, "balance": 1000 - 500 - 50 + 290 - 100,
                     "in_transit_to_area": 200, "awaiting_count": 200}
    # The province's own row: what it holds and did itself, not its districts.
    own_row = html.split('id="children-own"')[1].split("</tr>")[0]
    assert "สุราษฎร์ธานี (หน่วยนี้เอง)" in own_row
    assert table_row(html, "children-own") == {"received": 1000, "confirmed_in": 0, "distributed": 50,
                                               "people_reached": 20, "in_transit_to_area": 0, "awaiting_count": 200,
                                               "balance": 450}
    # The total row is the headline in every column that has a tile, and the sum of the rows in every column.
    total = table_row(html, "children-total")
    assert {name: total[name] for name in tiles} == tiles
    rows = body_rows(html)
    assert len(rows) > 2 and [sum(column) for column in zip(*rows)] == [total[name] for name in TABLE_COLUMNS]
    with app.app_context():
        province = db.session.get(Unit, ids["province"])
        headline = figures.headline(db.session, province, _item_id(), parse_period(None, None))
    assert total == {name: headline[name] for name in TABLE_COLUMNS}

    # The chart: only the district with stock or distributions, no bars of zero for the others.
    chart = html.split('id="children-chart"')[1].split("</div>")[0]
    assert ids["first_name"] in chart and ids["second_name"] not in chart
    assert "ไม่แสดงหน่วยที่ไม่มีทั้งสองอย่าง" in html  # the chart says it left units out

    # The xlsx: every level sheet's total row is the summary's figures, and the sum of its rows.
    response = viewer.get(f"/dashboard/{ids['province']}/report.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    summary = {row[0]: row[1] for row in book["สรุป"].iter_rows(values_only=True)
               if len(row) > 1 and isinstance(row[1], int)}
    with app.test_request_context():  # the labels in Thai, as the report writes them
        expected = {str(figure.label): headline[figure.name] for figure in EXPORTED}
    assert {label: summary[label] for label in expected} == expected
    assert book.sheetnames[1:] == ["อำเภอ", "ตำบล"]
    for name in book.sheetnames[1:]:
        sheet = list(book[name].iter_rows(values_only=True))
        header, own, *units, total = sheet[1:]
        assert own[:2] == (PROVINCE, "สุราษฎร์ธานี (หน่วยนี้เอง)") and total[0] == "รวม", name
        columns = {label: header.index(label) for label in expected}
        assert {label: total[i] for label, i in columns.items()} == expected, name
        assert {label: own[i] for label, i in columns.items()}["คงเหลือ ณ วันสุดท้าย"] == 450
        assert all(sum(row[i] for row in [own, *units]) == total[i] for i in columns.values()), name
    # On the subdistricts' sheet the districts' own stock is no subdistrict's: it is "the rest of the area".
    rest = [row for row in book["ตำบล"].iter_rows(values_only=True)
            if len(row) > 1 and "ไม่อยู่ใต้ตำบล" in str(row[1])]
    assert len(rest) == 1 and rest[0][list(expected).index("คงเหลือ ณ วันสุดท้าย") + 2] == 190

    # The CSV: the same tables, level after level, each closing on the headline.
    response = viewer.get(f"/dashboard/{ids['province']}/report.csv")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    columns = {label: header.index(label) for label in expected}
    blocks = {}
    for row in rows:
        blocks.setdefault(row[0], []).append(row)
    assert list(blocks) == ["อำเภอ", "ตำบล"]
    for level, block in blocks.items():
        assert block[0][1:3] == [PROVINCE, "สุราษฎร์ธานี (หน่วยนี้เอง)"] and block[-1][1] == "รวม", level
        assert {label: int(block[-1][i]) for label, i in columns.items()} == expected, level
        assert all(sum(int(row[i]) for row in block[:-1]) == int(block[-1][i]) for i in columns.values()), level


def test_the_demo_province_table_adds_up_to_its_tiles(as_user):
    """The case of the issue: Chiang Mai's table listed only its districts
    (56,030 against a balance of 85,970 on the tile)."""
    viewer = as_user("cm-viewer")
    html = viewer.get(re.search(r"/dashboard/\d+", viewer.get("/dashboard/").headers["Location"]).group(0)) \
        .get_data(as_text=True)
    tiles, total = headline_tiles(html), table_row(html, "children-total")
    assert tiles["balance"] > 0 and {name: total[name] for name in tiles} == tiles
    assert table_row(html, "children-own")["balance"] > 0  # the province holds stock itself


def test_a_municipality_that_reported_counts_itself(app):
    with app.app_context():
        alone, _children, people = fresh_tree(0)
        below, children, more_people = fresh_tree(2)
        ids = {"alone": alone.id, "alone_officer": people["officer"].id,
               "below": below.id, "below_officer": more_people["officer"].id}
    officer = client_for(app, ids["alone_officer"])
    page = officer.get(f"/dashboard/{ids['alone']}/completeness").get_data(as_text=True)
    assert re.search(r'id="reported-percent">[^<]*<strong>0%<', page)
    post_ok(officer, f"/today/{ids['alone']}/nothing", {})
    page = officer.get(f"/dashboard/{ids['alone']}/completeness").get_data(as_text=True)
    assert re.search(r'id="reported-percent">[^<]*<strong>100%<', page) and "หน่วยนี้เอง" in page
    dashboard = officer.get(f"/dashboard/{ids['alone']}").get_data(as_text=True)
    assert re.search(r'id="headline-reported"><a [^>]*>100%<', dashboard)

    # With two end units below that have not reported: itself, 1 of 3.
    officer = client_for(app, ids["below_officer"])
    post_ok(officer, f"/today/{ids['below']}/nothing", {})
    dashboard = officer.get(f"/dashboard/{ids['below']}").get_data(as_text=True)
    assert re.search(r'id="headline-reported"><a [^>]*>33\.3%<', dashboard)
    assert "หน่วยนี้เอง" in dashboard.split('id="reported-own"')[1].split("</tr>")[0]
    # Nobody below busy: no chart, a sentence instead.
    assert 'id="children-chart"' not in dashboard and 'id="children-chart-none"' in dashboard
    assert "ไม่มีกราฟ" in dashboard


def _item_id():
    return db.session.query(Item.id).filter_by(code="SURGICAL_MASK").scalar()


def test_a_hand_made_unit_named_like_a_formula_is_neutralised_in_its_own_row(app):
    """The own row's label carries the unit's name: it is neutralised like any other name."""
    with app.app_context():
        evil = create_unit(db.session, user("cm-admin"), parent=db.session.query(Unit).filter_by(code="5003").one(),
                           level="lao", name_th="=1+1", code=f"E{uuid.uuid4().hex[:6].upper()}")
        create_unit(db.session, user("cm-admin"), parent=evil, level="end_unit", name_th="หน่วยปลายทาง",
                    code=f"{evil.code}-1")
        db.session.commit()
        user_id, evil_id = user("cm-admin").id, evil.id
    admin = client_for(app, user_id)
    rows = list(csv.reader(io.StringIO(admin.get(f"/dashboard/{evil_id}/report.csv").data.decode("utf-8-sig"))))
    assert rows[1][2] == "'=1+1 (หน่วยนี้เอง)" and rows[-1][1] == "รวม"
