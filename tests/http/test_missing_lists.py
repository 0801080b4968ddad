"""The actionable "not yet reported" list over real HTTP: missing units grouped
under their parents with links, responsible people and tap-to-call phones,
days since the last report and the streak computed from DailyReport rows the
test writes, sorting, xlsx/CSV/print, the national per-province summary, the
LINE share message, and scope (a district sees only its own)."""
import csv
import datetime
import io
import re
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

import openpyxl
import pytest
from sqlalchemy import exists, select

from app.commands.no_activity import report_no_activity
from app.commands.obligations import ExceptionInput, RemoveReportingException, SetReportingException
from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.unit import Unit
from app.queries import figures, missing
from app.queries.obligations import obliged_days
from app.rollups.pending import mark_reported
from app.roles import OFFICER
from app.thai import thai_date, today
from tests.helpers import client_for, fresh_tree, login, unit, user


def _district_officer(district_code, tag, phone=None):
    return create_user(db.session, user("cm-admin"), username=f"d-{tag.lower()}-{district_code}", first_name="นายอำเภอ",
                       last_name=tag, email=f"d-{tag.lower()}-{district_code}@example.com", unit=unit(district_code),
                       role_names=[OFFICER], position="ปลัดอำเภอ", phone=phone)


@pytest.fixture()
def area(app):
    """A fresh LAO under district 5002 with two end units: E0 never reported,
    E1 last reported four days ago, the LAO yesterday; nobody today. The LAO
    officer has a phone; a deactivated user at E1 must not be listed."""
    with app.app_context():
        lao, children, people = fresh_tree(2, district_code="5002")
        tag = lao.code[1:]
        people["officer"].phone, people["officer"].position = "0812345678", "ปลัดเทศบาล"
        # Reports through the rollups (other tests check rollups = a rebuild from daily_report).
        mark_reported(db.session, children[1], today() - datetime.timedelta(days=4), "no_activity")
        mark_reported(db.session, lao, today() - datetime.timedelta(days=1), "no_activity")
        gone = create_user(db.session, user("cm-admin"), username=f"gone-{tag.lower()}", first_name="ลาออก",
                           last_name=tag, email=f"gone-{tag.lower()}@example.com", unit=children[1],
                           role_names=[OFFICER])
        gone.active = False
        district = _district_officer("5002", tag, phone="053112345 ต่อ 12")
        other = _district_officer("5003", tag)
        db.session.commit()
        return {"lao": lao.id, "lao_name": lao.name_th, "lao_code": lao.code, "e": [c.id for c in children],
                "e_names": [c.name_th for c in children], "e_codes": [c.code for c in children],
                "district": district.id, "other": other.id, "district_unit": unit("5002").id,
                "other_unit": unit("5003").id, "officer_name": f"เจ้าหน้าที่ {tag}", "gone": f"ลาออก {tag}"}


def _page(client, area, **query):
    response = client.get(f"/dashboard/{area['district_unit']}/completeness", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _li(html, unit_id):
    """The list item of one unit, up to the next item at any depth."""
    return html.split(f'id="missing-{unit_id}"')[1].split('<li id="missing-')[0]


def test_missing_units_are_grouped_under_their_parent_with_links_people_and_streaks(app, area):
    html = _page(client_for(app, area["district"]), area)
    tree = html.split('id="missing-list"')[1]
    lao = tree.split(f'id="missing-{area["lao"]}"')[1]
    # The LAO is a group (a <details> closed on a phone) holding its two end units.
    assert lao.lstrip().split(">", 1)[1].lstrip().startswith("<details")
    assert "ยังไม่รายงาน 3" in lao.split("</summary>")[0]  # the LAO itself and its two end units
    for unit_id in area["e"]:
        assert f'id="missing-{unit_id}"' in lao
    own = _li(html, area["lao"])
    assert f'href="/dashboard/{area["lao"]}"' in own
    assert f"รายงานล่าสุด {thai_date(today() - datetime.timedelta(days=1))} (1 วันก่อน)" in own
    assert "ขาดรายงานติดต่อกัน 1 วัน" in own
    assert area["officer_name"] in own and "ปลัดเทศบาล" in own and 'href="tel:0812345678"' in own
    e0, e1 = _li(html, area["e"][0]), _li(html, area["e"][1])
    assert f'href="/dashboard/{area["e"][0]}"' in e0 and "ยังไม่เคยรายงาน" in e0 and "ขาดรายงานติดต่อกัน 1 วัน" in e0
    assert f"รายงานล่าสุด {thai_date(today() - datetime.timedelta(days=4))} (4 วันก่อน)" in e1
    assert "ขาดรายงานติดต่อกัน 4 วัน" in e1
    assert area["gone"] not in html  # a deactivated user is nobody's contact
    # Sorting: by code E0 comes first; longest silent first puts E1 (4 days) before E0 (1 day).
    assert html.index(f'id="missing-{area["e"][0]}"') < html.index(f'id="missing-{area["e"][1]}"')
    silent = _page(client_for(app, area["district"]), area, sort="silent")
    assert silent.index(f'id="missing-{area["e"][1]}"') < silent.index(f'id="missing-{area["e"][0]}"')
    # A report today takes the unit off the list.
    with app.app_context():
        mark_reported(db.session, db.session.get(Unit, area["e"][0]), today(), "no_activity")
        db.session.commit()
    assert f'id="missing-{area["e"][0]}"' not in _page(client_for(app, area["district"]), area)


def test_the_query_counts_streaks_from_the_last_report_or_the_units_creation(app, area):
    with app.app_context():
        district = db.session.get(Unit, area["district_unit"])
        listed = missing.missing_units(db.session, district, today(), sort="silent")
        by_id = {item.id: item for item in listed.units}
        assert by_id[area["e"][1]].last_reported == today() - datetime.timedelta(days=4)
        assert by_id[area["e"][1]].streak == by_id[area["e"][1]].days_silent == 4
        assert by_id[area["e"][0]].last_reported is None and by_id[area["e"][0]].days_silent is None
        assert by_id[area["e"][0]].streak == 1
        # Five days on (asking for a past day counts up to that day only): the report of four days ago counts.
        earlier = missing.missing_units(db.session, district, today() - datetime.timedelta(days=2))
        assert {item.id: item.streak for item in earlier.units}[area["e"][1]] == 2
        assert listed.total >= len(listed.units) >= 3


def test_a_page_shows_a_few_units_per_group_and_links_to_the_rest(app, area, monkeypatch):
    """A large province's page names SHOWN_PER_GROUP units under each district
    (here 2: the LAO itself and one end unit), links to the district's own list
    for the rest, and reads no people for units it does not show; the export
    still carries every unit."""
    monkeypatch.setattr(missing, "SHOWN_PER_GROUP", 2)
    client = client_for(app, area["district"])
    html = _page(client, area)
    group = html.split(f'id="missing-{area["lao"]}"')[1]
    shown = [unit_id for unit_id in area["e"] if f'id="missing-{unit_id}"' in html]
    assert len(shown) == 1
    more = f'href="/dashboard/{area["lao"]}/completeness?day={today().isoformat()}&amp;sort=code">ยังไม่รายงานอีก 1 หน่วย'
    assert more in group and f"เปิดรายการของ {area['lao_name']}" in group
    assert "ยังไม่รายงาน 3" in group.split("</summary>")[0]  # the badge still counts the whole group
    # The group's own page shows every one of its units.
    own = client.get(f"/dashboard/{area['lao']}/completeness").get_data(as_text=True)
    assert all(f'id="missing-{unit_id}"' in own for unit_id in area["e"])
    with app.app_context():
        district = db.session.get(Unit, area["district_unit"])
        listed = missing.missing_units(db.session, district, today(), shown_per_group=2)
        hidden = [item for item in listed.units if item.id in area["e"] and item.id not in shown]
        assert len(hidden) == 1 and hidden[0].people == []
        assert {area["lao"], *area["e"]} <= {item.id for item in listed.units}
    rows = client.get(f"/dashboard/{area['district_unit']}/missing.csv").data.decode("utf-8-sig")
    assert all(code in rows for code in area["e_codes"])


def test_xlsx_and_csv_list_the_missing_units_with_people_and_be_dates(app, area):
    client = client_for(app, area["district"])
    base = f"/dashboard/{area['district_unit']}"
    response = client.get(f"{base}/missing.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))
    assert "หน่วยที่ยังไม่รายงาน" in rows[0][0] and thai_date(today()) in rows[0][0]
    header = rows[1]
    assert header[:3] == ("ระดับ", "รหัส", "หน่วยงาน") and "ผู้รับผิดชอบ" in header
    by_code = {row[1]: row for row in rows[2:]}
    e1 = by_code[area["e_codes"][1]]
    assert e1[2] == area["e_names"][1] and e1[3] == area["lao_name"]
    assert e1[4] == thai_date(today() - datetime.timedelta(days=4)) and e1[5] == 4 and e1[6] == 4
    assert by_code[area["e_codes"][0]][4] == "ยังไม่เคยรายงาน"
    lao = by_code[area["lao_code"]]
    assert "0812345678" in lao[7] and area["officer_name"] in lao[7]
    assert lao[8].endswith(f"/dashboard/{area['lao']}")
    # Longest silent first (the exports' default): E1 before E0.
    codes = [row[1] for row in rows[2:]]
    assert codes.index(area["e_codes"][1]) < codes.index(area["e_codes"][0])

    response = client.get(f"{base}/missing.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["ระดับ", "รหัส", "หน่วยงาน"]
    e1_row = next(row for row in table if row[1] == area["e_codes"][1])
    assert e1_row[4] == thai_date(today() - datetime.timedelta(days=4)) and e1_row[6] == "4"
    assert client.get(f"{base}/missing.pdf").status_code == 404


def test_print_page_is_thai_with_buddhist_era_dates(app, area):
    response = client_for(app, area["district"]).get(f"/dashboard/{area['district_unit']}/missing/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "หน่วยที่ยังไม่รายงาน" in html and "size: A4" in html
    assert str(today().year + 543) in html and str(today().year) + " " not in html.split("<h1>")[1]
    assert area["e_names"][1] in html and thai_date(today() - datetime.timedelta(days=4)) in html
    assert "โทร 0812345678" in html and "None" not in html


def test_the_national_page_summarises_per_province_and_drills_down(app, area, as_user):
    admin = as_user("admin")
    with app.app_context():
        national = unit("TH")
        chiang_mai = unit("50")
        levels = figures.completeness(db.session, chiang_mai, today())
        obliged = sum(level["units"] for level in levels)
        reported = sum(level["reported"] for level in levels)
        national_id, cm_id = national.id, chiang_mai.id
        provinces = db.session.query(Unit).filter_by(parent_id=national.id, active=True).count()
    html = admin.get(f"/dashboard/{national_id}/completeness").get_data(as_text=True)
    assert 'id="by-province"' in html and 'id="missing-list"' not in html
    assert html.count('<tr id="province-') == provinces
    row = html.split(f'id="province-{cm_id}"')[1].split("</tr>")[0]
    assert f'href="/dashboard/{cm_id}/completeness?day={today().isoformat()}"' in row
    numbers = [int(n.replace(",", "")) for n in re.findall(r'<td class="num">([\d,]+)</td>', row)]
    assert numbers[:3] == [obliged, reported, obliged - reported]
    # Drill down: the province's own page is the grouped list.
    assert 'id="missing-list"' in admin.get(f"/dashboard/{cm_id}/completeness").get_data(as_text=True)


def test_line_share_url_decodes_to_the_thai_reminder(app, area):
    html = _page(client_for(app, area["district"]), area)
    href = re.search(r'id="share-line" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://line.me/R/share"
    text = parse_qs(parts.query)["text"][0]
    assert text.startswith(f"แจ้งเตือนการรายงานหน้ากากอนามัย วันที่ {thai_date(today())}")
    with app.app_context():
        district = db.session.get(Unit, area["district_unit"])
        listed = missing.missing_units(db.session, district, today())
        expected = missing.share_text(listed, "http://localhost")
    assert text == expected
    assert f"{district.name_th}: ยังไม่รายงาน {listed.total:,} หน่วย" in text
    names = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(names) == min(listed.total, missing.SHARE_NAMES)
    # The longest silent are the ones named (other tests add units to this district too).
    named = {line[2:] for line in names}
    streaks = {u.name: u.streak for u in listed.units}
    if named and len(named) < len(streaks):
        assert min(streaks[n] for n in named) >= max(v for n, v in streaks.items() if n not in named)
    assert f"- {area['e_names'][1]}" in names or len(named) == missing.SHARE_NAMES
    if listed.total > missing.SHARE_NAMES:
        assert f"และอีก {listed.total - missing.SHARE_NAMES:,} หน่วย" in text
    assert "วันนี้ไม่มีรายการ" in text and text.rstrip().endswith("http://localhost/")
    assert unquote(href.split("text=")[1]) == text  # percent-encoded, spaces and newlines included


def test_a_district_sees_only_its_own_missing_units_everywhere(app, area):
    other = client_for(app, area["other"])
    theirs = f"/dashboard/{area['district_unit']}"
    # Another district's officer: the same requests, valid in every way but scope, are refused.
    for path in ("/completeness", "/missing.xlsx", "/missing.csv", "/missing/print"):
        response = other.get(theirs + path)
        assert response.status_code == 404 and "นอกพื้นที่" in response.get_data(as_text=True), path
    # Their own lists, page, export and share text, never name the other district's units.
    # (An LAO of their own that has not reported: subdistricts without stock need not
    # report, so without it their list could be empty and offer nothing to share.)
    from app.commands.units import create_unit

    with app.app_context():
        if not db.session.query(Unit.id).filter_by(code=f"L5003-{area['lao_code']}").first():
            create_unit(db.session, user("cm-admin"), parent=unit("5003"), level="lao",
                        name_th=f"เทศบาลตำบลทดสอบ {area['lao_code']}", code=f"L5003-{area['lao_code']}")
            db.session.commit()
    own = f"/dashboard/{area['other_unit']}"
    page = other.get(own + "/completeness").get_data(as_text=True)
    exported = other.get(own + "/missing.csv").data.decode("utf-8-sig")
    printed = other.get(own + "/missing/print").get_data(as_text=True)
    share = unquote(re.search(r'id="share-line" href="([^"]+)"', page).group(1).split("text=")[1])
    for text in (page, exported, printed, share):
        assert area["lao_name"] not in text and area["e_names"][1] not in text
    assert area["lao_name"] in client_for(app, area["district"]).get(theirs + "/missing.csv").data.decode("utf-8-sig")


def test_share_text_truncates_with_the_count_of_the_rest(app, ctx):
    listed = missing.MissingList(unit=unit("5002"), day=today(), units=[
        missing.MissingUnit(i, f"C{i:03}", f"หน่วย {i}", "end_unit", "", None, i) for i in range(40)],
        groups=[], total=40, own_missing=False, truncated=False)
    text = missing.share_text(listed, "https://masklog.example")
    lines = text.splitlines()
    assert sum(line.startswith("- ") for line in lines) == missing.SHARE_NAMES
    assert "- หน่วย 39" in lines and "- หน่วย 0" not in lines  # the longest silent are named
    assert "และอีก 25 หน่วย" in lines and lines[-1] == "https://masklog.example/"


def test_a_unit_that_has_not_reported_sees_a_banner_until_it_reports(app, area):
    with app.app_context():
        officer_id = user(f"o-{area['lao_code'][1:].lower()}").id
    officer = client_for(app, officer_id)
    page = officer.get(f"/today/{area['lao']}").get_data(as_text=True)
    banner = page.split('id="not-reported-banner"')[1].split("</p>")[0]
    assert "หน่วยของท่านยังไม่ได้รายงานวันนี้" in banner and 'href="#nothing-today"' in banner
    assert officer.post(f"/today/{area['lao']}/nothing").status_code == 302
    assert 'id="not-reported-banner"' not in officer.get(f"/today/{area['lao']}").get_data(as_text=True)


def test_the_banner_shows_only_on_a_day_the_unit_must_report(app, area):
    """An exempt unit, or a subdistrict without stock, need not report: no
    banner telling it every day that it has not. Its exemption removed, or
    its stock come, the banner is back."""
    with app.app_context():
        kid_user = user(f"r0-{area['lao_code'][1:].lower()}").id
        subdistrict = _quiet_subdistrict(unit(STREAK_DISTRICT), 30)
        sub_id = subdistrict.id
        sub_user = create_user(db.session, user("cm-admin"), username=f"s-{subdistrict.code}-{uuid.uuid4().hex[:4]}",
                               first_name="ปลัดตำบล", last_name=subdistrict.code, email=f"s-{uuid.uuid4().hex[:8]}@example.com",
                               unit=subdistrict, role_names=[OFFICER]).id
        db.session.commit()
    kid = client_for(app, kid_user)
    assert 'id="not-reported-banner"' in kid.get(f"/today/{area['e'][0]}").get_data(as_text=True)
    with app.app_context():
        SetReportingException(db.session, user("cm-admin"), ExceptionInput(
            unit_id=area["e"][0], obliged="no", reason="ไม่มีคลัง รับตามคำขอเท่านั้น")).run()
        db.session.commit()
    page = kid.get(f"/today/{area['e'][0]}").get_data(as_text=True)
    assert 'id="not-reported-banner"' not in page and 'id="nothing-today"' in page  # it still may report
    with app.app_context():
        RemoveReportingException(db.session, user("cm-admin"), area["e"][0]).run()
        db.session.commit()
    assert 'id="not-reported-banner"' in kid.get(f"/today/{area['e'][0]}").get_data(as_text=True)
    # A subdistrict reports once it holds stock (the rule of its level).
    officer = client_for(app, sub_user)
    assert 'id="not-reported-banner"' not in officer.get(f"/today/{sub_id}").get_data(as_text=True)
    with app.app_context():
        _stock_on(db.session.get(Unit, sub_id), 1)
    page = officer.get(f"/today/{sub_id}").get_data(as_text=True)
    assert "หน่วยของท่านยังไม่ได้รายงานวันนี้" in page.split('id="not-reported-banner"')[1].split("</p>")[0]


def test_on_another_units_today_page_the_banner_names_that_unit(app, area):
    """A district officer opening the LAO's today page is not told that "your
    unit" has not reported: the banner names the LAO."""
    district = client_for(app, area["district"])
    page = district.get(f"/today/{area['lao']}").get_data(as_text=True)
    banner = page.split('id="not-reported-banner"')[1].split("</p>")[0]
    assert f"{area['lao_name']} ยังไม่ได้รายงานวันนี้" in banner and "หน่วยของท่าน" not in banner
    # Their own district's page still speaks of their unit.
    own = district.get(f"/today/{area['district_unit']}").get_data(as_text=True)
    if 'id="not-reported-banner"' in own:
        assert "หน่วยของท่านยังไม่ได้รายงานวันนี้" in own.split('id="not-reported-banner"')[1].split("</p>")[0]


def test_exports_say_when_a_level_is_cut_at_the_list_limit(app, area, monkeypatch):
    """The print says the list stops at LIST_LIMIT units per level; the xlsx
    ends with a note row and the CSV with a note line saying so, in Thai."""
    client = client_for(app, area["district"])
    base = f"/dashboard/{area['district_unit']}"
    whole = list(csv.reader(io.StringIO(client.get(f"{base}/missing.csv").data.decode("utf-8-sig"))))
    assert len(whole[-1]) == len(whole[0])  # every unit listed: the last line is a unit's
    monkeypatch.setattr(missing, "LIST_LIMIT", 1)
    with app.app_context():
        listed = missing.missing_units(db.session, db.session.get(Unit, area["district_unit"]), today())
        assert listed.truncated and listed.total > len(listed.units)
        note = (f"รายการนี้มีเพียง 1 หน่วยแรกของแต่ละระดับ ({len(listed.units):,} จาก {listed.total:,} "
                f"หน่วยที่ยังไม่รายงาน) ดาวน์โหลดรายการของหน่วยระดับล่างเพื่อดูส่วนที่เหลือ")
    table = list(csv.reader(io.StringIO(client.get(f"{base}/missing.csv").data.decode("utf-8-sig"))))
    assert table[-1] == [note] and len(table) == len(listed.units) + 2
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/missing.xlsx").data),
                                       read_only=True).active.iter_rows(values_only=True))
    assert rows[-1][0] == note and not any(rows[-2])
    assert len(rows) == len(listed.units) + 4  # title, header, the units, a blank row, the note
    printed = client.get(f"{base}/missing/print").get_data(as_text=True)
    assert "แสดง 1 หน่วยแรกของแต่ละระดับ" in printed


def test_a_district_sees_the_count_of_its_missing_units_in_the_menu(app, area):
    district = client_for(app, area["district"])
    with app.app_context():
        expected = missing.missing_count(db.session, db.session.get(Unit, area["district_unit"]), today())
    assert expected >= 3
    page = district.get(f"/today/{area['district_unit']}").get_data(as_text=True)
    item = page.split('id="menu-missing"')[1].split("</li>")[0]
    assert f'href="/dashboard/{area["district_unit"]}/completeness"' in item
    assert f'<span class="badge">{expected:,}</span>' in item and "ยังไม่รายงาน" in item
    # A report below (through the command, which keeps the completeness rollup)
    # changes the count on the next page: the menu is cached per count.
    with app.app_context():
        child_user = user(f"r0-{area['lao_code'][1:].lower()}").id
    assert client_for(app, child_user).post(f"/today/{area['e'][0]}/nothing").status_code == 302
    again = district.get(f"/today/{area['district_unit']}").get_data(as_text=True)
    assert f'<span class="badge">{expected - 1:,}</span>' in again.split('id="menu-missing"')[1].split("</li>")[0]


def test_an_administrator_goes_from_a_missing_unit_to_its_exception_form(app, area):
    """The province administrator reads the list and can exempt a unit that need
    not report; an officer sees no such link."""
    from tests.helpers import login

    admin = login(app.test_client(), "cm-admin")
    page = admin.get(f"/dashboard/{area['district_unit']}/completeness").get_data(as_text=True)
    link = re.search(rf'href="([^"]*/obligations/exceptions\?unit={re.escape(area["lao_code"])})"', page)
    assert link, "no exemption link for the missing LAO"
    form = admin.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    # The unit picker comes filled with the LAO: its id posted, its name shown.
    assert f'name="unit" value="{area["lao"]}"' in form and area["lao_name"] in form
    officer = client_for(app, area["district"]).get(f"/dashboard/{area['district_unit']}/completeness")
    assert "/obligations/exceptions" not in officer.get_data(as_text=True)


# ---------------------------------------------------------------- missed days count from the duty to report

STREAK_DISTRICT = "5015"  # a district of its own: no other test ranks or stocks its units


def _added(target, days_ago):
    target.created_on = datetime.datetime.utcnow() - datetime.timedelta(days=days_ago)
    db.session.commit()
    return target


def _new_end_unit(parent, tag, days_ago):
    """An end unit of the district, added `days_ago` days ago."""
    return _added(create_unit(db.session, user("cm-admin"), parent=parent, level="end_unit",
                              name_th=f"หน่วยทดสอบขาดรายงาน {tag}", code=f"K{tag}"), days_ago)


def _quiet_subdistrict(district, days_ago):
    """A subdistrict of the district (only the official hierarchy makes them)
    with no stock, report or exception yet, as if added `days_ago` days ago."""
    from app.models.ledger import LedgerLine
    from app.models.obligation import ReportingException
    from app.models.rollup import DailyReport

    found = db.session.execute(select(Unit).where(
        Unit.parent_id == district.id, Unit.level == "subdistrict", Unit.active.is_(True),
        ~exists().where(LedgerLine.unit_id == Unit.id), ~exists().where(DailyReport.unit_id == Unit.id),
        ~exists().where(ReportingException.unit_id == Unit.id)).order_by(Unit.code)).scalars().first()
    assert found is not None, "no quiet subdistrict left in the test district"
    return _added(found, days_ago)


def _stock_on(target, days_ago):
    """Stock on the unit's ledger dated `days_ago` days back, with no report of
    the unit that day: what stock brought in from outside the today page's
    forms looks like (a receipt or a confirmation recorded there is itself the
    day's report, and then the last report bounds the streak anyway)."""
    from app.models.ledger import Item
    from app.stock import post

    item_id = db.session.execute(select(Item.id).order_by(Item.id)).scalars().first()
    post(db.session, unit=target, item_id=item_id, quantity=10, kind="receipt", document_type="import",
         document_id=0, actor=user("cm-admin"), entry_date=today() - datetime.timedelta(days=days_ago))
    db.session.commit()


def test_a_subdistrict_misses_days_only_since_its_first_stock(app):
    """A subdistrict added 400 days ago that received stock 4 days ago has
    missed 5 days (its calendar's days due), not 401: it neither tops the
    longest-silent sort nor the LINE message. One that reported (with nothing
    to record) before its stock came: 10 days since its last report, 5 missed."""
    tag = uuid.uuid4().hex[:5].upper()
    with app.app_context():
        district = unit(STREAK_DISTRICT)
        never = _quiet_subdistrict(district, 400)
        _stock_on(never, 4)
        early = _quiet_subdistrict(district, 400)
        report_no_activity(db.session, user("cm-admin"), early, today() - datetime.timedelta(days=10))
        db.session.commit()
        _stock_on(early, 4)
        end = _new_end_unit(district, f"{tag}E", 7)  # obliged from the day it was added
        ids = {"never": never.id, "early": early.id, "end": end.id, "district": district.id, "early_code": early.code}
        listed = missing.missing_units(db.session, district, today(), sort="silent")
        by_id = {item.id: item for item in listed.units}
        assert (by_id[never.id].last_reported, by_id[never.id].days_silent, by_id[never.id].streak) == (None, None, 5)
        assert by_id[early.id].last_reported == today() - datetime.timedelta(days=10)
        assert (by_id[early.id].days_silent, by_id[early.id].streak) == (10, 5)
        assert by_id[end.id].streak == 8
        # The streak is the unit's calendar: the days due since its first stock, none reported.
        last_days = [today() - datetime.timedelta(days=back) for back in range(12)]
        assert obliged_days(db.session, never, last_days) == set(last_days[:5])
        order = [item.id for item in listed.units]
        assert order.index(end.id) < order.index(never.id)  # 8 days before 5, not 401
        lines = missing.share_text(listed, "http://localhost").splitlines()
        assert lines.index(f"- {end.name_th}") < lines.index(f"- {never.name_th}")
    admin = login(app.test_client(), "cm-admin")
    html = admin.get(f"/dashboard/{ids['district']}/completeness", query_string={"sort": "silent"}).get_data(as_text=True)
    assert "ยังไม่เคยรายงาน" in _li(html, ids["never"]) and "ขาดรายงานติดต่อกัน 5 วัน" in _li(html, ids["never"])
    early_item = _li(html, ids["early"])
    assert f"รายงานล่าสุด {thai_date(today() - datetime.timedelta(days=10))} (10 วันก่อน)" in early_item
    assert "ขาดรายงานติดต่อกัน 5 วัน" in early_item
    table = list(csv.reader(io.StringIO(admin.get(f"/dashboard/{ids['district']}/missing.csv").data.decode("utf-8-sig"))))
    early_row = next(row for row in table if row[1] == ids["early_code"])
    assert (early_row[5], early_row[6]) == ("10", "5")


def test_exceptions_decide_from_when_a_unit_misses_days(app):
    """A subdistrict added 20 days ago with stock 3 days ago misses 4 days.
    Exempt, it is not listed; its exemption removed, it is back under the rules,
    where only its stock obliges it: 4 days again, not 21. Added by an
    exception, it must report from the day it was added: 21. Exceptions are
    current settings that hold for past days too (README): an end unit whose
    exemption is removed has missed every day since it was added, as its
    calendar shows."""
    tag = uuid.uuid4().hex[:5].upper()
    with app.app_context():
        district_id = unit(STREAK_DISTRICT).id
        sub = _quiet_subdistrict(unit(STREAK_DISTRICT), 20)
        end = _new_end_unit(unit(STREAK_DISTRICT), f"{tag}Y", 6)
        _stock_on(sub, 3)
        sub_id, end_id = sub.id, end.id

        def listed(unit_id):
            found = missing.missing_units(db.session, db.session.get(Unit, district_id), today())
            return {item.id: item for item in found.units}.get(unit_id)

        def exception(unit_id, obliged):
            SetReportingException(db.session, user("cm-admin"), ExceptionInput(
                unit_id=unit_id, obliged=obliged, reason="ทดสอบการนับวันขาดรายงาน")).run()
            db.session.commit()

        def remove(unit_id):
            RemoveReportingException(db.session, user("cm-admin"), unit_id).run()
            db.session.commit()

        assert listed(sub_id).streak == 4
        exception(sub_id, "no")
        exception(end_id, "no")
        assert listed(sub_id) is None and listed(end_id) is None
        remove(sub_id)
        remove(end_id)
        assert (listed(sub_id).streak, listed(sub_id).days_silent) == (4, None)
        assert listed(end_id).streak == 7
        last_days = [today() - datetime.timedelta(days=back) for back in range(10)]
        assert obliged_days(db.session, db.session.get(Unit, end_id), last_days) == set(last_days)
        exception(sub_id, "yes")
        assert listed(sub_id).streak == 21
        remove(sub_id)
        assert listed(sub_id).streak == 4
