"""The today page and its forms over real HTTP: the whole daily flow, bad
input kept on the page with a Thai message, scope, permissions, and the SQL
statement budget (today page <= 8, a submission <= 10)."""
import re


from app.extensions import db
from app.models.ledger import Receipt
from app.models.unit import Unit
from tests.helpers import COMMITTEE, check_invariants, client_for, count_statements, flashed_text, user






def balance_shown(html):
    return int(re.search(r'id="balance">([\d,]+)<', html).group(1).replace(",", ""))


def test_the_daily_flow_from_receipt_to_distribution(app, tree):
    officer, committee = client_for(app, tree["officer"]), client_for(app, tree["committee"])
    lao = tree["lao"]
    page = officer.get("/today/", follow_redirects=True)
    assert page.status_code == 200 and f"/today/{lao}/receipt" in page.get_data(as_text=True)

    response = officer.post(f"/today/{lao}/receipt", data={
        "source": "ศบค.มท.", "reference_no": "มท 0230/ว 2655", "quantity_sent": "๑,๐๐๐", "form_token": "t-receipt"})
    assert response.status_code == 302
    with app.app_context():
        receipt_id = db.session.query(Receipt.id).filter_by(unit_id=lao).scalar()
    data = {"counted-%d" % receipt_id: "998", "damaged-%d" % receipt_id: "2", "missing-%d" % receipt_id: "0",
            "reason-%d" % receipt_id: "กล่องฉีกขาด", "chair_row": "0", "physical_count": "998",
            "action": "sign"}
    for i, member in enumerate(COMMITTEE):
        data[f"member-name-{i}"], data[f"member-position-{i}"] = member["name"], member["position"]
    first_draft = {**data, "counted-%d" % receipt_id: "1000", "damaged-%d" % receipt_id: "0", "action": "draft"}
    assert committee.post(f"/today/{lao}/count", data=first_draft).status_code == 302
    # The committee corrects the draft (two boxes were torn) and signs: the lines are replaced.
    assert committee.post(f"/today/{lao}/count", data=data).status_code == 302
    assert balance_shown(officer.get(f"/today/{lao}").get_data(as_text=True)) == 998

    first, second = tree["children"]
    response = officer.post(f"/today/{lao}/allocate", data={
        "document_no": "ชม 0017/123", f"share-{first}": "300", f"share-{second}": "200", "form_token": "t-alloc"})
    assert response.status_code == 302
    assert balance_shown(officer.get(f"/today/{lao}").get_data(as_text=True)) == 498

    receiver = client_for(app, tree["child0"])
    page = receiver.get(f"/today/{first}").get_data(as_text=True)
    assert "ชม 0017/123" in page
    line_id = int(re.search(rf"/today/{first}/confirm/(\d+)", page).group(1))
    assert receiver.post(f"/today/{first}/confirm/{line_id}", data={"received": "300"}).status_code == 302
    assert balance_shown(receiver.get(f"/today/{first}").get_data(as_text=True)) == 300

    g = tree["groups"]
    response = receiver.post(f"/today/{first}/distribute", data={
        f"pieces-{g[0]}": "100", f"people-{g[0]}": "50", f"pieces-{g[1]}": "20", f"people-{g[1]}": "20",
        "form_token": "t-dist"})
    assert response.status_code == 302
    page = receiver.get(f"/today/{first}").get_data(as_text=True)
    assert balance_shown(page) == 180 and "แจกจ่ายให้กลุ่มเสี่ยง" in page
    with app.app_context():
        check_invariants()


def test_refused_input_keeps_what_was_typed_and_writes_nothing(app, tree):
    """Refused, a form redirects (POST-redirect-GET) to the today page, which
    comes back once with the input as typed: a reload is clean, never re-posts."""
    officer = client_for(app, tree["officer"])
    lao = tree["lao"]
    with app.app_context():
        before = db.session.query(Receipt).count()

    def refused(path, data):
        response = officer.post(path, data=data)
        assert response.status_code == 302 and response.headers["Location"].startswith(f"/today/{lao}")
        return officer.get(response.headers["Location"]).get_data(as_text=True)

    for quantity, message in (("0", "ต้องมากกว่าศูนย์"), ("-5", "ต้องไม่ติดลบ"), ("1.5", "จำนวนเต็ม"),
                              ("หนึ่งร้อย", "ต้องเป็นตัวเลข"), ("20000000", "มากเกินไป")):
        body = refused(f"/today/{lao}/receipt", {
            "source": "บริจาค", "reference_no": "REF-77", "quantity_sent": quantity, "form_token": "t-x"})
        assert message in flashed_text(body), quantity
        assert 'value="REF-77"' in body and f'value="{quantity}"' in body
    again = officer.get(f"/today/{lao}").get_data(as_text=True)
    assert 'value="REF-77"' not in again and "มากเกินไป" not in again  # once only: Back/reload is clean
    body = refused(f"/today/{lao}/receipt", {
        "source": "บริจาค", "reference_no": "R", "quantity_sent": "5", "date": "2099-01-01"})
    assert "อนาคต" in flashed_text(body)
    body = refused(f"/today/{lao}/allocate", {"document_no": "D", f"share-{tree['children'][0]}": "5"})
    assert "คงเหลือไม่พอ" in flashed_text(body) and 'value="D"' in body
    with app.app_context():
        assert db.session.query(Receipt).count() == before


def test_double_submitted_form_makes_one_document(app, tree):
    officer = client_for(app, tree["officer"])
    data = {"source": "บริจาค", "reference_no": "DUP-1", "quantity_sent": "10", "form_token": "t-dup-" + str(tree["lao"])}
    assert officer.post(f"/today/{tree['lao']}/receipt", data=data).status_code == 302
    assert officer.post(f"/today/{tree['lao']}/receipt", data=data).status_code == 302
    with app.app_context():
        assert db.session.query(Receipt).filter_by(reference_no="DUP-1").count() == 1


def test_scope_and_permissions(app, tree):
    lao = tree["lao"]
    with app.app_context():
        bangkok = db.session.query(Unit.id).filter_by(code="1001").scalar()
        bkk_admin = user("bkk-admin").id
        viewer = user("cm-viewer").id
    officer = client_for(app, tree["officer"])
    assert officer.get(f"/today/{bangkok}").status_code == 404
    assert officer.post(f"/today/{bangkok}/receipt", data={"source": "x", "reference_no": "x",
                                                           "quantity_sent": "5"}).status_code == 404
    assert client_for(app, bkk_admin).get(f"/today/{lao}").status_code == 404
    # A viewer sees the page but may not record.
    viewer_client = client_for(app, viewer)
    assert viewer_client.get(f"/today/{lao}").status_code == 200
    response = viewer_client.post(f"/today/{lao}/receipt", data={"source": "x", "reference_no": "VIEWER",
                                                                 "quantity_sent": "5"})
    assert response.status_code in (302, 403)
    with app.app_context():
        assert db.session.query(Receipt).filter_by(reference_no="VIEWER").count() == 0
    # The sender cannot confirm its own shipment on the receiver's page.
    with app.app_context():
        db.session.add(Receipt(unit_id=lao, item_id=tree["item"], receipt_date=db.func.current_date(),
                               source="x", reference_no="x", quantity_sent=1))
        db.session.rollback()




def test_query_budget(app, tree):
    officer = client_for(app, tree["officer"])
    lao, child = tree["lao"], tree["children"][0]
    officer.get(f"/today/{lao}")  # warm the reference-data cache
    response, statements = count_statements(app, officer, "GET", f"/today/{lao}")
    assert response.status_code == 200 and statements <= 8, statements
    response, statements = count_statements(app, officer, "POST", f"/today/{lao}/receipt", data={
        "source": "ศบค.มท.", "reference_no": "B-1", "quantity_sent": "10", "form_token": "t-budget"})
    assert response.status_code == 302 and statements <= 10, statements
    response, statements = count_statements(app, officer, "POST", f"/today/{lao}/adjust", data={
        "kind": "correction", "quantity": "10", "reason": "ยอดยกมา", "form_token": "t-budget-adj"})
    assert response.status_code == 302 and statements <= 10, statements
    response, statements = count_statements(app, officer, "POST", f"/today/{lao}/allocate", data={
        "document_no": "B-2", f"share-{child}": "4", "form_token": "t-budget-alloc"})
    assert response.status_code == 302 and statements <= 10, statements


def test_the_count_sheet_starts_from_the_last_signed_committee(app, tree):
    """The same committee counts every day: the next sheet is filled in with it."""
    import datetime

    from app.thai import today

    officer, committee = client_for(app, tree["officer"]), client_for(app, tree["committee"])
    lao, yesterday = tree["lao"], (today() - datetime.timedelta(days=1)).isoformat()
    fresh = committee.get(f"/today/{lao}/count").get_data(as_text=True)
    assert COMMITTEE[0]["name"] not in fresh  # nothing signed yet: nothing to start from
    with app.app_context():  # the unit existed yesterday (hand-made units refuse dates before their creation)
        db.session.get(Unit, lao).created_on -= datetime.timedelta(days=2)
        db.session.commit()
    officer.post(f"/today/{lao}/receipt", data={"source": "ศบค.มท.", "reference_no": "R-1", "quantity_sent": "100",
                                                "date": yesterday, "form_token": "t-prefill"})
    with app.app_context():
        receipt_id = db.session.query(Receipt.id).filter_by(unit_id=lao).scalar()
    data = {f"counted-{receipt_id}": "100", "chair_row": "1", "physical_count": "100", "action": "sign",
            "date": yesterday}
    for i, member in enumerate(COMMITTEE):
        data[f"member-name-{i}"], data[f"member-position-{i}"] = member["name"], member["position"]
    assert committee.post(f"/today/{lao}/count?date={yesterday}", data=data).status_code == 302
    sheet = committee.get(f"/today/{lao}/count").get_data(as_text=True)
    for member in COMMITTEE:
        assert f'value="{member["name"]}"' in sheet and f'value="{member["position"]}"' in sheet
    assert re.search(r'name="chair_row" value="1"\s+checked', sheet)  # the chair as chosen last time
