"""Rollups kept as the data is written equal a rebuild from scratch, and carry
the subtree's totals to every unit above."""
import datetime

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from app.commands.adjustment import adjust
from app.commands.allocation import allocate, confirm_receipt, recall_shipment
from app.commands.distribution import distribute, reverse_distribution
from app.commands.no_activity import report_no_activity
from app.extensions import db
from app.models.ledger import AllocationLine, Distribution, RiskGroup
from app.models.rollup import DailyRollup, ReportRollup
from app.thai import today
from app.queries import figures
from app.queries.periods import Period
from app.rollups.rebuild import rebuild, snapshot
from tests.commands.ledger_machine import INVALID, OK, LedgerMachine, pick, run_machine
from tests.helpers import fresh_tree, stock_up


def rollup_row(unit, day=None):
    row = db.session.get(DailyRollup, (unit.id, _item_id(), day or today()))
    return {name: getattr(row, name) for name in ("received", "counted", "count_discrepancy", "allocated_out",
                                                  "confirmed_in", "transfer_discrepancy", "in_transit_change",
                                                  "distributed", "people_reached", "adjusted", "net_change")}


def _item_id():
    from app.queries.reference import active_items
    return active_items(db.session)[0][0]


def assert_rebuild_equals_incremental():
    incremental = snapshot(db.session)
    rebuild(db.session)
    rebuilt = snapshot(db.session)
    db.session.rollback()  # back to the incremental rows
    for table in incremental:
        assert rebuilt[table] == incremental[table], table


def test_every_figure_of_a_day_lands_on_the_unit_and_every_unit_above(ctx):
    lao, children, people = fresh_tree(2)
    district = lao.parent
    before = figures.headline(db.session, district, _item_id(), Period(today(), today()))
    stock_up(lao, people, quantity=1000)
    groups = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="ม.1",
                          shares=[(children[0], "300"), (children[1], "200")])
    db.session.commit()
    confirm_receipt(db.session, people["child0"], allocation.lines[0], confirmed_quantity="290", reason="ขาด")
    distribute(db.session, people["child0"], unit=children[0], distribution_date=today(),
               lines=[(groups[0], "100", "50"), (groups[1], "20", "20")])
    adjust(db.session, people["officer"], unit=lao, adjustment_date=today(), kind="loss", quantity="5",
           reason="สูญหาย")
    db.session.commit()

    assert rollup_row(lao) == {"received": 1000, "counted": 1000, "count_discrepancy": 0, "allocated_out": 500,
                               "confirmed_in": 290, "transfer_discrepancy": 10, "in_transit_change": 200,
                               "distributed": 120, "people_reached": 70, "adjusted": -5,
                               "net_change": 1000 - 500 + 290 - 120 - 5}
    assert rollup_row(children[0])["net_change"] == 290 - 120
    assert rollup_row(children[1])["in_transit_change"] == 200
    after = figures.headline(db.session, district, _item_id(), Period(today(), today()))
    assert after["distributed"] - before["distributed"] == 120
    assert after["balance"] - before["balance"] == 665
    assert after["in_transit_to_area"] - before["in_transit_to_area"] == 200
    groups_lao = {g["id"]: g for g in figures.by_risk_group(db.session, lao, _item_id(),
                                                             Period(today(), today()))}
    assert (groups_lao[groups[0].id]["distributed"], groups_lao[groups[0].id]["people_reached"]) == (100, 50)
    kids = {kid["id"]: kid for kid in figures.children(db.session, lao, _item_id(), Period(today(), today()))}
    assert kids[children[0].id]["balance"] == 170 and kids[children[1].id]["in_transit_to_area"] == 200

    # Reversing the distribution takes it back out of every figure.
    distribution = db.session.query(Distribution).filter_by(unit_id=children[0].id).one()
    reverse_distribution(db.session, people["child0"], distribution, reason="บันทึกผิด")
    db.session.commit()
    assert rollup_row(children[0])["distributed"] == 0
    assert_rebuild_equals_incremental()


def test_a_back_dated_document_changes_its_own_day_and_the_balances_after_it(ctx):
    lao, _children, people = fresh_tree(1)
    last_week = today() - datetime.timedelta(days=7)
    lao.created_on = datetime.datetime(2020, 1, 1)  # a unit registered long ago
    stock_up(lao, people, quantity=400, day=last_week)
    item = _item_id()
    assert rollup_row(lao, last_week)["counted"] == 400
    trend = figures.trend(db.session, lao, item, Period(last_week, today()))
    assert [day["balance"] for day in trend] == [400] * 8
    assert figures.headline(db.session, lao, item, Period(today(), today()))["received"] == 0


def test_completeness_counts_each_unit_once_a_day_per_level(ctx):
    lao, children, people = fresh_tree(3)
    day = today()
    rows = figures.completeness(db.session, lao, day)
    assert [(row["level"], row["own"]) for row in rows] == [("lao", True), ("end_unit", False)]  # itself first
    levels = {level["level"]: level for level in rows}
    assert levels["end_unit"] == {"level": "end_unit", "units": 3, "reported": 0, "missing": 3, "percent": 0.0,
                                  "own": False}
    assert [u.id for u in figures.not_reported(db.session, lao, day, "end_unit")] == [c.id for c in children]

    assert report_no_activity(db.session, people["child0"], children[0]) is True
    db.session.commit()
    assert report_no_activity(db.session, people["child0"], children[0]) is False  # once a day
    stock_up(lao, people, quantity=50)
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=day, document_no="ม.2",
                          shares=[(children[1], "50")])
    db.session.commit()
    confirm_receipt(db.session, people["child1"], allocation.lines[0], confirmed_quantity="50")
    db.session.commit()

    levels = {level["level"]: level for level in figures.completeness(db.session, lao, day)}
    assert levels["end_unit"]["reported"] == 2 and levels["end_unit"]["percent"] == 66.7
    assert levels["lao"] == {"level": "lao", "units": 1, "reported": 1, "missing": 0, "percent": 100.0, "own": True}
    assert [u.id for u in figures.not_reported(db.session, lao, day, "end_unit")] == [children[2].id]
    # A unit's own report is its daily_report row: report_rollup holds what is below a unit only.
    assert db.session.get(ReportRollup, (children[0].id, day, "end_unit")) is None
    assert db.session.get(ReportRollup, (lao.id, day, "lao")) is None
    assert db.session.get(ReportRollup, (lao.id, day, "end_unit")).reported == 2
    assert figures.completeness(db.session, children[0], day)[0]["reported"] == 1
    assert figures.completeness_trend(db.session, children[0], day, day)[0]["percent"] == 100.0
    assert_rebuild_equals_incremental()


class RollupMachine(LedgerMachine):
    """The ledger's random operations plus reversals and "nothing today"
    reports, checked against the same model; after every step a rebuild must
    equal the incremental rollups."""

    MUST_SUCCEED = LedgerMachine.MUST_SUCCEED + ("reverse", "recall", "nothing today")
    MUST_REFUSE_FOR_AN_EARLIER_DAY = False  # its few steps are about the rollups; LedgerMachine covers the rule

    def __init__(self):
        super().__init__()
        self.quiet_days = set()  # (unit id, day) reported as "nothing today"

    def _reported(self, unit_id, day) -> bool:
        """Whether the end unit already reported that day: its first report is
        kept, be it "nothing today" or a document of that day."""
        return (unit_id, day) in self.quiet_days or (unit_id, day) in self.model.reports

    @rule(who=st.integers(0, 1), days_ago=st.integers(0, 3))
    def nothing_today(self, who, days_ago):
        """Today's report, or a late one for a day before."""
        unit_id, day = self.unit_ids[who], today() - datetime.timedelta(days=days_ago)
        first = not self._reported(unit_id, day)
        reported = self._expect("nothing today" if first else "nothing today, again", OK, lambda: report_no_activity(
            db.session, self.actors[unit_id], self.units[unit_id], day))
        assert reported is first  # a unit that already reported gets False, nothing written
        self.quiet_days.add((unit_id, day))

    @precondition(lambda self: self.model.standing())
    @rule(data=st.data())
    def reverse_one(self, data):
        """The pieces come back once; a second reversal is refused."""
        handouts, standing = self.model.handouts, self.model.standing()
        distribution_id, again = pick(data, standing, set(handouts) - standing)
        handout = handouts[distribution_id]
        distribution = db.session.get(Distribution, distribution_id)
        done = self._expect("reverse", INVALID if again else OK, lambda: reverse_distribution(
            db.session, self.actors[handout.unit_id], distribution, reason="ผิดพลาด").id)
        if done:
            handout.reversed = True
            self.model.move(handout.unit_id, today(), handout.pieces)  # back on the day of the reversal

    @precondition(lambda self: self.model.in_transit())
    @rule(data=st.data())
    def recall_one(self, data):
        """The sender takes a shipment back before it is confirmed: once; one
        already confirmed or recalled is refused."""
        in_transit = self.model.in_transit()
        line_id, again = pick(data, in_transit, set(self.model.shipments) - in_transit)
        shipment = self.model.shipments[line_id]
        line = db.session.get(AllocationLine, line_id)
        done = self._expect("recall", INVALID if again else OK, lambda: recall_shipment(
            db.session, self.actors[self.lao_id], line, reason="ส่งผิดหน่วย").id)
        if done:
            shipment.recalled = True
            self.model.move(self.lao_id, today(), shipment.sent)  # back at the sender on the day of the recall

    @invariant()
    def rollups_equal_a_rebuild(self):
        if self.changed_since("rollups"):  # else the costly rebuild would compare what it saw last time
            assert_rebuild_equals_incremental()


def test_random_operations_keep_rollups_equal_to_a_rebuild(app):
    run_machine(RollupMachine, app, max_examples=12, stateful_step_count=8)


def test_moving_a_unit_takes_its_history_to_its_new_ancestors(ctx):
    from app.commands.units import prepare_unit_update
    from app.models.unit import Unit
    from tests.helpers import unit as unit_by_code, user

    lao, children, people = fresh_tree(2, district_code="5002")
    stock_up(lao, people, quantity=300)
    groups = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="ย้าย",
                          shares=[(children[0], "100")])
    db.session.commit()
    confirm_receipt(db.session, people["child0"], allocation.lines[0], confirmed_quantity="100")
    distribute(db.session, people["child0"], unit=children[0], distribution_date=today(),
               lines=[(groups[0], "40", "20")])
    db.session.commit()
    old_district, new_district = unit_by_code("5002"), unit_by_code("5003")
    period = Period(today(), today())
    before_old = figures.headline(db.session, old_district, _item_id(), period)
    before_new = figures.headline(db.session, new_district, _item_id(), period)

    admin = user("cm-admin")
    lao.parent = new_district
    prepare_unit_update(db.session, admin, lao)
    db.session.commit()
    after_old = figures.headline(db.session, old_district, _item_id(), period)
    after_new = figures.headline(db.session, new_district, _item_id(), period)
    assert before_old["distributed"] - after_old["distributed"] == 40
    assert after_new["distributed"] - before_new["distributed"] == 40
    assert after_new["balance"] - before_new["balance"] == 260
    assert db.session.get(Unit, children[0].id).path.startswith(new_district.path)
    assert_rebuild_equals_incremental()


def test_a_dopa_move_takes_the_subtree_history_to_its_new_ancestors(ctx):
    """A newer DOPA list that puts a district back under its province, and one
    of its subdistricts back under another district in the same sync, moves
    their figures along as a hand-made move does: every rollup equals a rebuild."""
    from sqlalchemy import update

    from app.commands.hierarchy import sync_hierarchy
    from app.commands.units import move_subtree
    from app.models.unit import Unit
    from app.rollups.moves import move_subtree_totals
    from app.scoping import child_path
    from tests.helpers import unit as unit_by_code

    lao, children, people = fresh_tree(2, district_code="5003")
    stock_up(lao, people, quantity=300)
    groups = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
    distribute(db.session, people["officer"], unit=lao, distribution_date=today(), lines=[(groups[0], "40", "20")])
    db.session.commit()
    item, period = _item_id(), Period(today(), today())
    codes = ("50", "51", "5002", "5003", "500301")
    ids = {code: unit_by_code(code).id for code in codes}

    def get(code):
        return db.session.get(Unit, ids[code])

    def move(unit_id, parent_id):
        unit, parent = db.session.get(Unit, unit_id), db.session.get(Unit, parent_id)
        old_path, new_path = unit.path, child_path(parent.path, unit.id)
        move_subtree(db.session, old_path, new_path)
        move_subtree_totals(db.session, unit.id, old_path, new_path)
        db.session.execute(update(Unit).where(Unit.id == unit.id).values(parent_id=parent.id))
        db.session.commit()
        db.session.expire_all()

    # The LAO under its subdistrict; then what an older list said: subdistrict 500301 in
    # district 5002, and district 5002 in Lamphun (51).
    move(lao.id, ids["500301"])
    move(ids["500301"], ids["5002"])
    move(ids["5002"], ids["51"])
    assert_rebuild_equals_incremental()
    before = {code: figures.headline(db.session, get(code), item, period) for code in codes[:4]}
    assert before["51"]["distributed"] >= 40 and before["5002"]["distributed"] >= 40  # the LAO's day among them

    report = sync_hierarchy(db.session)
    db.session.commit()
    db.session.expire_all()

    assert report.updated == 2
    after = {code: figures.headline(db.session, get(code), item, period) for code in codes[:4]}
    # The provinces swap district 5002's whole subtree (the LAO's day and whatever other
    # tests left there); the districts swap the subdistrict's, which is the LAO's.
    whole_district = before["5002"]
    for gained, lost, moved in (("50", "51", whole_district), ("5003", "5002", {"distributed": 40, "balance": 260})):
        for figure in ("distributed", "balance"):
            assert after[gained][figure] - before[gained][figure] == moved[figure], (gained, figure)
            assert before[lost][figure] - after[lost][figure] == moved[figure], (lost, figure)
    assert get("5002").path == child_path(get("50").path, ids["5002"])
    assert get("500301").parent_id == ids["5003"]
    assert get("500301").path == child_path(get("5003").path, ids["500301"])
    assert db.session.get(Unit, lao.id).path.startswith(get("500301").path)
    assert_rebuild_equals_incremental()
