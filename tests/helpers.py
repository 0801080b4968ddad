"""Helpers shared by the tests (fixtures live in conftest.py): a fresh corner
of the tree per test with real users attached to it, stock for it, clients
signed in as anyone, statement counting, and the invariants every state of
the ledger must satisfy."""
import re
import uuid

from sqlalchemy import event, func, select

from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.receipt import record_receipt
from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import AllocationLine, LedgerLine, StockBalance
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.devtools.demo import DEMO_PASSWORD
from app.roles import COUNTING_COMMITTEE, OFFICER
from app.thai import today
from config import TestConfig

COMMITTEE = [{"name": "นายประธาน ตรวจนับ", "position": "ปลัดจังหวัด"},
             {"name": "นางสาวกรรมการ หนึ่ง", "position": "ปกครองจังหวัด"},
             {"name": "นายกรรมการ สอง", "position": "สาธารณสุขจังหวัด"}]


def user(username):
    return db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username)).scalar_one()


def unit(code):
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def fresh_tree(n_children=3, district_code="5002"):
    """A new LAO under a Chiang Mai district with `n_children` end units, an
    officer and a committee member at the LAO and an officer at each end unit."""
    admin = user("cm-admin")
    tag = uuid.uuid4().hex[:6].upper()
    lao = create_unit(db.session, admin, parent=unit(district_code), level="lao",
                      name_th=f"เทศบาลทดสอบ {tag}", code=f"T{tag}")
    children = [create_unit(db.session, admin, parent=lao, level="end_unit", name_th=f"หน่วยทดสอบ {tag}-{i}",
                            code=f"T{tag}-{i}") for i in range(n_children)]
    people = {"officer": create_user(db.session, admin, username=f"o-{tag.lower()}", first_name="เจ้าหน้าที่",
                                     last_name=tag, email=f"o-{tag.lower()}@example.com", unit=lao,
                                     role_names=[OFFICER]),
              "committee": create_user(db.session, admin, username=f"c-{tag.lower()}", first_name="กรรมการ",
                                       last_name=tag, email=f"c-{tag.lower()}@example.com", unit=lao,
                                       role_names=[COUNTING_COMMITTEE])}
    for i, child in enumerate(children):
        people[f"child{i}"] = create_user(db.session, admin, username=f"r{i}-{tag.lower()}", first_name="ผู้รับ",
                                          last_name=tag, email=f"r{i}-{tag.lower()}@example.com", unit=child,
                                          role_names=[OFFICER])
    db.session.commit()
    return lao, children, people


def check_invariants():
    """Every balance is >= 0 and equals the sum of its ledger lines; every
    day's closing balance is >= 0 too (back-dating); every allocation line
    satisfies sent = confirmed + discrepancy + in transit + recalled."""
    sums = dict(((u, i), q) for u, i, q in db.session.execute(
        select(LedgerLine.unit_id, LedgerLine.item_id, func.sum(LedgerLine.quantity))
        .group_by(LedgerLine.unit_id, LedgerLine.item_id)))
    balances = dict(((u, i), q) for u, i, q in db.session.execute(
        select(StockBalance.unit_id, StockBalance.item_id, StockBalance.quantity)))
    for key, quantity in balances.items():
        assert quantity >= 0, key
        assert quantity == sums.get(key, 0), (key, quantity, sums.get(key))
    for key, total in sums.items():
        assert balances.get(key) == total, key
    closing = {}
    for unit_id, item_id, day, net in db.session.execute(
            select(LedgerLine.unit_id, LedgerLine.item_id, LedgerLine.entry_date, func.sum(LedgerLine.quantity))
            .group_by(LedgerLine.unit_id, LedgerLine.item_id, LedgerLine.entry_date)
            .order_by(LedgerLine.unit_id, LedgerLine.item_id, LedgerLine.entry_date)):
        closing[unit_id, item_id] = closing.get((unit_id, item_id), 0) + net
        assert closing[unit_id, item_id] >= 0, ("closing balance below zero", unit_id, item_id, day)
    for line in db.session.execute(select(AllocationLine)).scalars():
        in_transit = line.quantity_sent if line.status == "in_transit" else 0
        recalled = line.quantity_sent if line.status == "recalled" else 0
        confirmed = line.confirmed_quantity or 0
        discrepancy = line.discrepancy or 0
        assert line.quantity_sent == confirmed + discrepancy + in_transit + recalled, line.id


def balances(unit_ids) -> dict:
    """{unit id: pieces in stock} (0 for a unit that never held any)."""
    stored = dict(db.session.execute(
        select(StockBalance.unit_id, func.sum(StockBalance.quantity))
        .where(StockBalance.unit_id.in_(unit_ids)).group_by(StockBalance.unit_id)).all())
    return {unit_id: stored.get(unit_id, 0) for unit_id in unit_ids}


def stock_up(lao, people, quantity=100, day=None):
    """Receive and count `quantity` pieces at the LAO (the committee signs)."""
    day = day or today()
    receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=day, source="ศบค.มท.",
                             reference_no=f"มท 0230/{quantity}", quantity_sent=quantity)
    count = save_count(db.session, people["committee"], unit=lao, count_date=day,
                       lines=[CountLineInput(receipt.id, counted=quantity)], members=COMMITTEE,
                       chair_name=COMMITTEE[0]["name"], physical_count=0)  # the counted figure is not under test
    sign_count(db.session, people["committee"], count)
    db.session.commit()
    return count


def login(client, username: str, password: str = DEMO_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed"
    return client


def client_for(app, user_id):
    """A test client signed in as the user (Flask-Login's session key), so the
    tests need no password hashing for their throwaway users."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    return client


def flashed_text(html: str) -> str:
    """The text of FAB's flash messages on a page."""
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S))


def count_statements(app, client, method, url, **kwargs):
    """(response, number of SQL statements the request ran)."""
    seen = []

    def count(_conn, _cursor, statement, *_args, **_kwargs):
        seen.append(statement.split("\n")[0][:90])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.open(url, method=method, **kwargs)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if len(seen) > 8:
        print(url, *seen, sep="\n  ")
    return response, len(seen)


def make_config(url: str):
    """The test configuration bound to one database."""
    return type("BoundTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})


def api_token(client, username, password=DEMO_PASSWORD) -> dict:
    """Headers with a JWT from the API sign-in."""
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


# ---------------------------------------------------------------- the today page's forms, over HTTP

def post_ok(client, path, data):
    """POST a today-page form; it must be accepted (a redirect with a success message)."""
    response = client.post(path, data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "alert-danger" not in html, (path, flashed_text(html))
    return html


def post_receipt_and_count(app, officer, committee, unit_id, quantity, physical_count, count=True):
    """The officer records a receipt of `quantity` pieces through the form and
    (`count`) the committee signs the day's count of it, every piece good.
    Returns the receipt's id."""
    from app.models.ledger import Receipt

    post_ok(officer, f"/today/{unit_id}/receipt", {"source": "ศบค.มท.", "reference_no": f"R-{uuid.uuid4().hex[:6]}",
                                                   "quantity_sent": str(quantity), "form_token": uuid.uuid4().hex})
    with app.app_context():
        receipt_id = db.session.scalar(select(func.max(Receipt.id)).where(Receipt.unit_id == unit_id))
    if count:
        data = {f"counted-{receipt_id}": str(quantity), f"damaged-{receipt_id}": "0", f"missing-{receipt_id}": "0",
                "chair_row": "0", "physical_count": str(physical_count), "action": "sign"}
        for i, member in enumerate(COMMITTEE):
            data[f"member-name-{i}"], data[f"member-position-{i}"] = member["name"], member["position"]
        post_ok(committee, f"/today/{unit_id}/count", data)
    return receipt_id


def post_allocation(app, officer, unit_id, shares: dict) -> dict:
    """Allocate {receiver id: pieces} through the form; returns {receiver id: allocation line id}."""
    post_ok(officer, f"/today/{unit_id}/allocate", {"document_no": f"A-{uuid.uuid4().hex[:6]}",
                                                    "form_token": uuid.uuid4().hex,
                                                    **{f"share-{receiver}": str(n) for receiver, n in shares.items()}})
    with app.app_context():
        return dict(db.session.execute(select(AllocationLine.unit_id, func.max(AllocationLine.id))
                                       .where(AllocationLine.unit_id.in_(list(shares)))
                                       .group_by(AllocationLine.unit_id)).all())


def post_confirmation(receiver, unit_id, line_id, received, reason=""):
    post_ok(receiver, f"/today/{unit_id}/confirm/{line_id}", {"received": str(received), "reason": reason})


def post_distribution(officer, unit_id, group_id, pieces, people):
    post_ok(officer, f"/today/{unit_id}/distribute", {f"pieces-{group_id}": str(pieces),
                                                      f"people-{group_id}": str(people),
                                                      "form_token": uuid.uuid4().hex})


def bearer_for(app, user_id) -> dict:
    """Headers with a JWT for the user, as FAB's API sign-in issues it (tests
    of the API need no password hashing for their throwaway users)."""
    from flask_jwt_extended import create_access_token

    with app.app_context():
        return {"Authorization": f"Bearer {create_access_token(identity=str(user_id), fresh=True)}"}
