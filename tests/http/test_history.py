"""History of reporting over real HTTP: a unit's month calendar marked from the
DailyReport rows the test writes (Thai month, พ.ศ. year, weeks from อา.), its
scope refusal, and the dashboard's trend of % reported per day, equal to the
completeness of each day recomputed from DailyReport rows."""
import datetime
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app import scoping
from app.commands.obligations import ExceptionInput, RemoveReportingException, SetReportingException
from app.commands.units import create_unit
from app.db.transaction import transaction
from app.extensions import db
from app.models.ledger import LedgerLine
from app.models.rollup import DailyReport
from app.models.unit import Unit
from app.queries import figures
from app.queries.history import Month
from app.rollups.pending import mark_reported
from app.thai import MONTHS_LONG, today
from tests.helpers import client_for, fresh_tree, stock_up, unit, user

HISTORY_DISTRICT = "5012"  # อำเภอแม่แตง: no other test adds units there
CELL = re.compile(r'<td class="[^"]*" data-day="(\d{4}-\d\d-\d\d)" data-state="(\w+)"\s+title="([^"]*)"')


def cells(html) -> dict:
    return {datetime.date.fromisoformat(day): (state, title) for day, state, title in CELL.findall(html)}


@pytest.fixture()
def reporting_unit(app):
    """An end unit added five days before last month began, with three reports last month."""
    with app.app_context():
        # A district of its own: the missing lists' tests rank 5002's longest silent units.
        _lao, children, people = fresh_tree(1, district_code=HISTORY_DISTRICT)
        child = children[0]
        last_month = Month(today().year, today().month).previous
        child.created_on = datetime.datetime.combine(last_month.first - datetime.timedelta(days=5),
                                                     datetime.time(3, 0))
        reports = {last_month.first.replace(day=3): "count", last_month.first.replace(day=5): "no_activity",
                   last_month.first.replace(day=10): "distribution"}
        for day, kind in reports.items():
            mark_reported(db.session, child, day, kind)  # through the rollups, as the app reports
        db.session.commit()
        return {"id": child.id, "officer": people["child0"].id, "month": last_month, "reports": reports,
                "created": child.created_on.date()}


def test_calendar_marks_each_day_from_the_daily_reports(app, reporting_unit):
    officer = client_for(app, reporting_unit["officer"])
    month, reports = reporting_unit["month"], reporting_unit["reports"]
    response = officer.get(f"/dashboard/{reporting_unit['id']}/calendar?month={month.key}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    days = cells(html)
    assert sorted(days) == [month.first + datetime.timedelta(days=n) for n in range(month.last.day)]
    labels = {"count": "ตรวจนับประจำวัน", "no_activity": "วันนี้ไม่มีรายการ", "distribution": "การแจกจ่าย"}
    for day, (state, title) in days.items():
        if day in reports:
            assert state == "reported" and "รายงานแล้ว" in title and labels[reports[day]] in title, day
        else:
            assert state == "missing" and "ไม่ได้รายงาน" in title, day
    assert "3 วัน" in html.split('id="calendar-counts"')[1].split("</p>")[0]
    # The month before: days before the unit was added are not due, the rest missing.
    before = month.previous
    days = cells(officer.get(f"/dashboard/{reporting_unit['id']}/calendar?month={before.key}").get_data(as_text=True))
    for day, (state, _title) in days.items():
        assert state == ("not_due" if day < reporting_unit["created"] else "missing"), day
    assert any(state == "not_due" for state, _t in days.values())
    # This month: today and before are due, the days after it are to come; no link to next month.
    html = officer.get(f"/dashboard/{reporting_unit['id']}/calendar").get_data(as_text=True)
    for day, (state, _title) in cells(html).items():
        assert state == ("future" if day > today() else "missing"), day
    assert 'id="calendar-next"' not in html and 'id="calendar-previous"' in html


def test_calendar_days_a_unit_need_not_report_are_not_due(app, as_user, reporting_unit):
    """The obligations (app/queries/obligations.py) decide the calendar's due
    days as they decide completeness: an exempt unit owes no day (its reports
    still show), and a subdistrict owes days only from its first receipt."""
    officer = client_for(app, reporting_unit["officer"])
    month, reports = reporting_unit["month"], reporting_unit["reports"]
    url = f"/dashboard/{reporting_unit['id']}/calendar?month={month.key}"
    with app.app_context():
        SetReportingException(db.session, user("cm-admin"), ExceptionInput(
            unit_id=reporting_unit["id"], obliged="no", reason="หน่วยรับเฉพาะกิจ")).run()
        db.session.commit()
    days = cells(officer.get(url).get_data(as_text=True))
    assert {day for day, (state, _t) in days.items() if state == "reported"} == set(reports)
    assert all(state == "not_due" for day, (state, _t) in days.items() if day not in reports)
    with app.app_context():
        RemoveReportingException(db.session, user("cm-admin"), reporting_unit["id"]).run()
        db.session.commit()
    assert "missing" in {state for state, _t in cells(officer.get(url).get_data(as_text=True)).values()}

    # A subdistrict (rule: only once it holds stock), added 40 days ago, receiving stock 5 days ago.
    # Subdistricts come from the DOPA list (no form creates one): take one of the district's
    # that holds nothing yet.
    received = today() - datetime.timedelta(days=5)
    with app.app_context():
        stocked = select(LedgerLine.unit_id)
        subdistrict = db.session.execute(
            select(Unit).where(Unit.parent_id == unit(HISTORY_DISTRICT).id, Unit.level == "subdistrict",
                               Unit.id.not_in(stocked)).order_by(Unit.code.desc())).scalars().first()
        subdistrict.created_on = datetime.datetime.combine(today() - datetime.timedelta(days=40), datetime.time(3, 0))
        admin = user("cm-admin")
        stock_up(subdistrict, {"officer": admin, "committee": admin}, quantity=50, day=received)
        subdistrict_id = subdistrict.id
    admin_client = as_user("cm-admin")
    seen = 0
    for asked in {Month(received.year, received.month), Month(today().year, today().month)}:
        html = admin_client.get(f"/dashboard/{subdistrict_id}/calendar?month={asked.key}").get_data(as_text=True)
        for day, (state, _title) in cells(html).items():
            expected = ("future" if day > today() else "reported" if day == received
                        else "not_due" if day < received else "missing")
            assert state == expected, day
            seen += 1
    assert seen >= 28


def test_calendar_in_thai_months_buddhist_years_weeks_from_sunday(app, reporting_unit):
    officer = client_for(app, reporting_unit["officer"])
    url = f"/dashboard/{reporting_unit['id']}/calendar"
    for asked in ("2569-05", "2026-05", "๒๕๖๙-๐๕"):
        html = officer.get(f"{url}?month={asked}").get_data(as_text=True)
        assert 'id="calendar-month">พฤษภาคม 2569<' in html, asked
    assert re.findall(r'<th scope="col">([^<]+)</th>', html) == ["อา.", "จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส."]
    # 1 May 2026 is a Friday: five blank cells before it in the first week.
    first_week = html.split("<tbody>")[1].split("</tr>")[0]
    assert first_week.count('masklog-cal-blank') == 5 and 'data-day="2026-05-01"' in first_week
    assert "เมษายน 2569" in html.split('id="calendar-previous"')[1].split("</a>")[0]
    assert 'href="/dashboard/%d/calendar?month=2026-06">มิถุนายน 2569' % reporting_unit["id"] in html
    december = officer.get(f"{url}?month=2568-12").get_data(as_text=True)
    assert "ธันวาคม 2568" in december and "มกราคม 2569" in december.split('id="calendar-next"')[1].split("</a>")[0]
    # Bad or future months: a Thai message, this month shown instead.
    this_month = f"{MONTHS_LONG[today().month - 1]} {today().year + 543}"
    for bad, message in (("13-2569", "กรุณาเลือกเดือน"), ("2569-13", "กรุณาเลือกเดือน"),
                         (f"{today().year + 1}-01", "ยังมาไม่ถึง")):
        response = officer.get(f"{url}?month={bad}")
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html and this_month in html, bad


def test_calendar_of_a_unit_in_another_province_is_refused(app, as_user, reporting_unit):
    with app.app_context():
        bangkok_unit = db.session.query(Unit.id).filter(Unit.code == "1001").scalar()  # a district of Bangkok
    month = reporting_unit["month"].key
    chiang_mai = as_user("cm-admin")
    # The same request, valid in scope: the province administrator sees their own unit's calendar...
    assert chiang_mai.get(f"/dashboard/{reporting_unit['id']}/calendar?month={month}").status_code == 200
    # ...and is refused another province's, as the dashboard refuses it.
    response = chiang_mai.get(f"/dashboard/{bangkok_unit}/calendar?month={month}")
    assert response.status_code == 404 and "นอกพื้นที่" in response.get_data(as_text=True)
    assert as_user("bkk-admin").get(f"/dashboard/{reporting_unit['id']}/calendar?month={month}").status_code == 404
    # The unit's own officer is refused its parent's calendar (outside their subtree).
    with app.app_context():
        parent = db.session.get(Unit, reporting_unit["id"]).parent_id
    assert client_for(app, reporting_unit["officer"]).get(f"/dashboard/{parent}/calendar").status_code == 404


def test_the_calendar_is_linked_from_the_today_page_and_the_dashboard(app, reporting_unit):
    officer = client_for(app, reporting_unit["officer"])
    link = f'href="/dashboard/{reporting_unit["id"]}/calendar"'
    assert link in officer.get(f"/today/{reporting_unit['id']}").get_data(as_text=True)
    assert link in officer.get(f"/dashboard/{reporting_unit['id']}").get_data(as_text=True)


# ---------------------------------------------------------------- the trend of % reported

def recomputed(lao_path, start, end):
    """% of the subtree's active units with a DailyReport row, per day, straight from daily_report."""
    in_tree = scoping.subtree_clause(Unit.path, lao_path)
    units = db.session.execute(select(func.count()).where(in_tree, Unit.active.is_(True))).scalar()
    reported = dict(db.session.execute(
        select(DailyReport.day, func.count()).join(Unit, Unit.id == DailyReport.unit_id)
        .where(in_tree, Unit.active.is_(True), DailyReport.day.between(start, end))
        .group_by(DailyReport.day)).all())
    days = []
    for offset in range((end - start).days + 1):
        day = start + datetime.timedelta(days=offset)
        days.append({"day": day, "units": units, "reported": reported.get(day, 0),
                     "percent": round(100.0 * reported.get(day, 0) / units, 1)})
    return days


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reports=st.sets(st.tuples(st.integers(0, 3), st.integers(0, 6)), max_size=20))
def test_trend_equals_each_days_completeness_from_daily_reports(app, reports):
    """A fresh LAO (index 0) with three end units; reports on any of the last
    seven days go through the rollup writer (mark_reported)."""
    with app.app_context():
        admin = user("cm-admin")
        tag = uuid.uuid4().hex[:6].upper()
        lao = create_unit(db.session, admin, parent=unit(HISTORY_DISTRICT), level="lao", name_th=f"เทศบาลแนวโน้ม {tag}",
                          code=f"TR{tag}")
        kids = [create_unit(db.session, admin, parent=lao, level="end_unit", name_th=f"หน่วยแนวโน้ม {tag}-{i}",
                            code=f"TR{tag}-{i}") for i in range(3)]
        db.session.commit()
        tree = [lao, *kids]
        start, end = today() - datetime.timedelta(days=6), today()
        with transaction(db.session):
            for index, offset in sorted(reports):
                mark_reported(db.session, tree[index], start + datetime.timedelta(days=offset),
                              "no_activity" if offset % 2 else "distribution")
        trend = figures.completeness_trend(db.session, lao, start, end)
        assert trend == recomputed(lao.path, start, end)
        # Each day of the trend is that day's completeness, summed over its levels.
        for day in trend:
            levels = figures.completeness(db.session, lao, day["day"])
            assert day["percent"] == figures.reported_percent(levels)
            assert day["reported"] == sum(level["reported"] for level in levels)


def test_dashboard_draws_the_trend_of_units_reported(app, as_user):
    with app.app_context():
        province = db.session.query(Unit.id).filter(Unit.code == "50").scalar()
    html = as_user("cm-viewer").get(f"/dashboard/{province}").get_data(as_text=True)
    block = html.split('id="reporting-chart"')[1].split("</svg>")[0]
    assert "<polyline" in block and "หน่วยที่รายงานแล้ว (ร้อยละ)" in block
    assert "ร้อยละของหน่วยที่รายงานในแต่ละวัน" in html
