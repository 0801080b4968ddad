"""Dashboards, completeness and exports over real HTTP: figures from the
rollups, scope, Thai messages for bad input, charts drawn without any script
or outside asset, and the exported files opened with openpyxl/csv."""
import csv
import datetime
import io
import re

import openpyxl
import pytest
from sqlalchemy import event

from app.extensions import db
from app.models.unit import Unit
from app.thai import thai_date, today
from tests.helpers import client_for, count_statements, user


def _unit_id(app, code):
    with app.app_context():
        return db.session.query(Unit.id).filter_by(code=code).scalar()


def raw_totals(app, code, start=None, end=None):
    """Received and distributed in a province over the dashboard's default
    period (30 days to today), straight from the documents, not the rollups."""
    from sqlalchemy import func, select

    from app import scoping
    from app.models.ledger import DailyCount, DailyCountLine, Distribution, DistributionLine, LedgerLine

    end = end or today()
    start = start or end - datetime.timedelta(days=29)
    with app.app_context():
        unit = db.session.query(Unit).filter_by(code=code).one()
        in_tree = select(Unit.id).where(scoping.subtree_clause(Unit.path, unit.path))
        received = db.session.execute(
            select(func.coalesce(func.sum(DailyCountLine.quantity_sent), 0))
            .join(DailyCount, DailyCount.id == DailyCountLine.count_id)
            .where(DailyCount.unit_id.in_(in_tree), DailyCount.status == "signed",
                   DailyCount.count_date.between(start, end))).scalar()
        distributed = db.session.execute(
            select(func.coalesce(func.sum(DistributionLine.quantity), 0))
            .join(Distribution, Distribution.id == DistributionLine.distribution_id)
            .where(Distribution.unit_id.in_(in_tree), Distribution.distribution_date.between(start, end))).scalar()
        reversed_ = db.session.execute(
            select(func.coalesce(func.sum(LedgerLine.quantity), 0))
            .where(LedgerLine.unit_id.in_(in_tree), LedgerLine.kind == "reversal",
                   LedgerLine.entry_date.between(start, end))).scalar()
        return {"received": received, "distributed": distributed - reversed_}


def _figure(html, label):
    match = re.search(re.escape(label) + r"</span><strong[^>]*>([\d,\-]+)<", html)
    return int(match.group(1).replace(",", ""))


def test_viewer_lands_on_the_dashboard_of_their_province_with_figures_and_charts(as_user, app):
    viewer = as_user("cm-viewer")
    landing = viewer.get("/", follow_redirects=True)
    html = landing.get_data(as_text=True)
    assert landing.status_code == 200 and 'id="headline"' in html
    assert "เชียงใหม่" in html
    # The same figures as a recomputation from the documents (the demo day at
    # Chiang Mai at least: 50,000 received, 6,200 distributed).
    raw = raw_totals(app, "50")
    assert raw["received"] >= 50000 and raw["distributed"] >= 6200
    assert _figure(html, "รับเข้า (ตามเอกสาร)") == raw["received"]
    assert _figure(html, "แจกจ่าย (ชิ้น)") == raw["distributed"]
    for chart in ("trend-chart", "group-chart", "children-chart"):
        block = html.split(f'id="{chart}"')[1].split("</svg>")[0]
        assert "<svg" in block and ("<polyline" in block or "<rect" in block), chart
    assert "google" not in html.lower() and "<script src=\"http" not in html
    # Drill down to the first district with activity: its own dashboard.
    district = re.search(r'href="/dashboard/(\d+)\?[^"]*">เมืองเชียงใหม่', html).group(1)
    assert viewer.get(f"/dashboard/{district}").status_code == 200


def test_officers_land_on_their_today_page(as_user):
    assert "/today/" in as_user("cm-officer").get("/").headers["Location"]


def test_a_unit_outside_scope_an_unknown_item_and_bad_periods_get_thai_messages(as_user, app):
    viewer = as_user("cm-viewer")
    bangkok = _unit_id(app, "10")
    response = viewer.get(f"/dashboard/{bangkok}")
    assert response.status_code == 404 and "นอกพื้นที่" in response.get_data(as_text=True)
    assert viewer.get(f"/dashboard/{bangkok}/report.xlsx").status_code == 404
    assert viewer.get(f"/dashboard/{bangkok}/completeness").status_code == 404
    own = _unit_id(app, "50")
    for query, words in (("item=999999", "ไม่รู้จัก"), ("item=abc", "ไม่รู้จัก"),
                         ("start=2569-11-20&end=2569-11-01", "หลัง"),
                         ("start=1%20ม.ค.%202560&end=1%20ม.ค.%202569", "สองปี"),
                         ("start=tomorrow", "วันที่"), ("end=1%20ม.ค.%202600", "อนาคต"),
                         ("end=0001-01-05", "2543"), ("item=%C2%B2", "ไม่รู้จัก")):
        response = viewer.get(f"/dashboard/{own}?{query}")
        assert response.status_code == 422, query
        assert words in response.get_data(as_text=True), query
    assert viewer.get(f"/dashboard/{own}?start=1%20พ.ย.%202569&end=๒๖%20พ.ย.%20๒๕๖๙").status_code in (200, 422)


def test_completeness_lists_who_has_not_reported_and_nothing_today_counts(app, tree):  # noqa: F811
    officer = client_for(app, tree["officer"])
    child = client_for(app, tree["child0"])
    lao = tree["lao"]
    page = officer.get(f"/dashboard/{lao}/completeness").get_data(as_text=True)
    with app.app_context():
        names = {u.id: u.name_th for u in db.session.query(Unit).filter(Unit.id.in_(tree["children"]))}
    for unit_id in tree["children"]:
        assert names[unit_id] in page.split('id="level-end_unit"')[1]

    assert child.post(f"/today/{tree['children'][0]}/nothing").status_code == 302
    again = child.post(f"/today/{tree['children'][0]}/nothing", follow_redirects=True)
    assert "รายงานของวันนี้แล้ว" in again.get_data(as_text=True)
    page = officer.get(f"/dashboard/{lao}/completeness").get_data(as_text=True)
    end_units = page.split('id="level-end_unit"')[1]
    assert names[tree["children"][0]] not in end_units and names[tree["children"][1]] in end_units
    assert "1 / 2" in end_units
    # Any past day can be asked for, in B.E.; the future cannot.
    yesterday = thai_date(today() - datetime.timedelta(days=1))
    assert officer.get(f"/dashboard/{lao}/completeness?day={yesterday}").status_code == 200
    assert officer.get(f"/dashboard/{lao}/completeness?day=1%20ม.ค.%202600").status_code == 422


def test_xlsx_export_has_thai_headers_be_dates_totals_and_the_dashboard_figures(as_user, app):
    viewer = as_user("cm-viewer")
    province = _unit_id(app, "50")
    response = viewer.get(f"/dashboard/{province}/report.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames[0] == "สรุป" and "อำเภอ" in book.sheetnames
    summary = [row for row in book["สรุป"].iter_rows(values_only=True)]
    figures = {row[0]: row[1] for row in summary if len(row) > 1 and isinstance(row[1], int)}
    raw = raw_totals(app, "50")
    assert figures["รับเข้า (ตามเอกสาร)"] == raw["received"] and figures["แจกจ่าย (ชิ้น)"] == raw["distributed"]
    assert any(row and row[0] == thai_date(today()) for row in summary)
    districts = list(book["อำเภอ"].iter_rows(values_only=True))
    assert districts[1][:2] == ("รหัส", "หน่วยงาน")
    total = districts[-1]
    assert total[0] == "รวม"
    distributed_column = districts[1].index("แจกจ่าย (ชิ้น)")
    assert total[distributed_column] == sum(row[distributed_column] for row in districts[2:-1]) == raw["distributed"]


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas(as_user, app):
    admin = as_user("cm-admin")
    province = _unit_id(app, "50")
    with app.app_context():
        from app.commands.units import create_unit
        create_unit(db.session, user("cm-admin"), parent=db.session.get(Unit, _unit_id(app, "5001")),
                    level="lao", name_th="=HYPERLINK(\"http://x\")", code="EVIL1")
        db.session.commit()
    response = admin.get(f"/dashboard/{province}/report.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ระดับ", "รหัส", "หน่วยงาน"]
    evil = next(row for row in rows if row[1] == "EVIL1")
    assert evil[2].startswith("'=")
    assert len(rows) > 200  # every district and subdistrict of Chiang Mai


@pytest.mark.parametrize("url", ["/rollupchartview/chart/", "/rollupchartview/chart/1",
                                 "/userstatschartview/chart/"])
def test_fab_chart_views_render_svg_without_google(as_user, url):
    page = as_user("admin").get(url)
    html = page.get_data(as_text=True)
    # No Google Charts (FAB's default loads them from Google's servers); the menu may name the Google Form.
    scripts = " ".join(re.findall(r"<script[^>]*>", html)).lower()
    assert page.status_code == 200 and "<svg" in html and "google" not in scripts
    assert "google.charts" not in html and "gstatic" not in html and "jsapi" not in html


def test_dashboard_and_completeness_stay_within_a_sql_budget(app, as_user):
    """Figures come from a handful of rollup queries, whatever the size of the area."""

    viewer = as_user("cm-viewer")
    province = _unit_id(app, "50")
    viewer.get(f"/dashboard/{province}")  # warm the reference-data and unit-count caches
    response, statements = count_statements(app, viewer, "GET", f"/dashboard/{province}")
    assert response.status_code == 200 and statements <= 12, statements
    # The subtree's units are counted once (today's completeness gives the trend its denominators).
    counts = []
    with app.app_context():
        engine = db.engine
    listener = lambda _c, _cur, statement, *_a: counts.append(statement) if "AS part" in statement else None  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert viewer.get(f"/dashboard/{province}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(counts) == 1, counts
    viewer.get(f"/dashboard/{province}/completeness")
    response, statements = count_statements(app, viewer, "GET", f"/dashboard/{province}/completeness")
    assert response.status_code == 200 and statements <= 10, statements


def test_levels_are_named_as_each_province_says_them(as_user, app):
    """Bangkok's districts are เขต and its subdistricts แขวง; another province's
    are อำเภอ and ตำบล; the country has both (completeness page and xlsx)."""
    admin = as_user("admin")
    with app.app_context():
        centre = db.session.query(Unit.id).filter_by(level="central").scalar()
    bangkok, chiang_mai = _unit_id(app, "10"), _unit_id(app, "50")

    def headings(unit_id):
        page = admin.get(f"/dashboard/{unit_id}/completeness").get_data(as_text=True)
        return re.findall(r"<h3>([^<:]+):", page)

    assert "เขต" in headings(bangkok) and "อำเภอ" not in headings(bangkok)
    assert "อำเภอ" in headings(chiang_mai) and "เขต" not in headings(chiang_mai)
    assert "อำเภอและเขต" in headings(centre)
    book = openpyxl.load_workbook(io.BytesIO(admin.get(f"/dashboard/{bangkok}/report.xlsx").data))
    assert "เขต" in book.sheetnames and "อำเภอ" not in book.sheetnames
