"""Property (hypothesis): over random trees, reports, stock, rules and
exceptions, completeness (app/queries/figures.py) agrees with the rule of
app/queries/obligations.py recomputed here in Python from the stored facts:
for every level of every subtree and day, reported + missing = obliged,
obliged = the units the rules and exceptions make obliged, reported = those
of them with a DailyReport row, and the "not reported" list is the rest."""
import datetime
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.commands.no_activity import report_no_activity
from app.commands.obligations import (ExceptionInput, RemoveReportingException, SetReportingException,
                                      SetReportingRules)
from app.commands.unit_status import DeactivateUnit, UnitSwitchInput
from app.commands.units import create_unit
from app.errors import DomainError
from app.extensions import db
from app.models.ledger import STOCK_IN_KINDS, LedgerLine
from app.models.obligation import ALWAYS, DEFAULT_RULES, HOLDS_STOCK, RULES, ReportingException, ReportingRule
from app.models.rollup import DailyReport
from app.models.unit import Unit
from app.queries import figures
from app.queries.obligations import forget_rules
from app.scoping import path_in_subtree
from app.thai import today
from tests.helpers import stock_up, unit, user

DAYS_BACK = 3  # reports, stock and checks over today and the three days before
LEVELS = list(DEFAULT_RULES)


def _facts(district: Unit) -> dict:
    """The stored rows the rule reads, for the district's subtree, read once."""
    in_tree = Unit.path.like(district.path + "%")
    stored = dict(db.session.execute(select(ReportingRule.level, ReportingRule.rule)).all())
    first_stock: dict = {}
    for unit_id, entry_date in db.session.execute(
            select(LedgerLine.unit_id, LedgerLine.entry_date).join(Unit, Unit.id == LedgerLine.unit_id)
            .where(in_tree, LedgerLine.kind.in_(STOCK_IN_KINDS))):
        first_stock[unit_id] = min(entry_date, first_stock.get(unit_id, entry_date))
    return {"rules": {level: stored.get(level, default) for level, default in DEFAULT_RULES.items()},
            "exceptions": dict(db.session.execute(select(ReportingException.unit_id, ReportingException.obliged)
                                                  .join(Unit, Unit.id == ReportingException.unit_id).where(in_tree)).all()),
            "first_stock": first_stock,
            "reports": set(db.session.execute(select(DailyReport.unit_id, DailyReport.day)
                                              .join(Unit, Unit.id == DailyReport.unit_id).where(in_tree)).all()),
            "units": db.session.execute(select(Unit.id, Unit.level, Unit.path, Unit.active).where(in_tree)).all()}


def _expected(facts: dict, root: Unit, day: datetime.date) -> dict:
    """level -> (obliged unit ids, reported ids), recomputed from the facts."""
    result: dict = {}
    for unit_id, level, path, active in facts["units"]:
        if not active or not path_in_subtree(path, root.path):
            continue
        if unit_id in facts["exceptions"]:
            obliged = facts["exceptions"][unit_id]
        else:
            rule, stocked = facts["rules"][level], facts["first_stock"].get(unit_id)
            obliged = rule == ALWAYS or (rule == HOLDS_STOCK and stocked is not None and stocked <= day)
        if obliged:
            ids, done = result.setdefault(level, (set(), set()))
            ids.add(unit_id)
            if (unit_id, day) in facts["reports"]:
                done.add(unit_id)
    return result


def test_reported_plus_missing_is_obliged_over_random_trees_rules_and_exceptions(app):
    with app.app_context():
        province = unit("50")
        # A Chiang Mai district no other test builds under, with its subdistricts.
        taken = {"5001", "5002", "5003", "5004", "5005", "5006"}
        district = next(d for d in db.session.execute(
            select(Unit).where(Unit.parent_id == province.id, Unit.level == "district").order_by(Unit.code)).scalars()
            if d.code not in taken and db.session.query(Unit).filter(Unit.parent_id == d.id).count() >= 2)
        district_id = district.id
    stats = {"grouped": 0, "switched_off": 0, "reports": 0, "stocked": 0, "exceptions": 0, "checks": 0, "obliged": set(), "rules": set()}

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        central, admin = user("admin"), user("cm-admin")
        district = db.session.get(Unit, district_id)
        subdistricts = list(db.session.execute(select(Unit).where(Unit.parent_id == district.id)
                                               .order_by(Unit.code)).scalars())[:4]
        # A random tree: LAOs under the district, end units under any unit that may hold one.
        tag = uuid.uuid4().hex[:6].upper()
        laos = [create_unit(db.session, admin, parent=district, level="lao", name_th=f"อปท.สุ่ม {tag}{i}",
                            code=f"P{tag}{i}") for i in range(data.draw(st.integers(0, 2)))]
        parents = [district, *subdistricts, *laos]
        ends = [create_unit(db.session, admin, parent=data.draw(st.sampled_from(parents)), level="end_unit",
                            name_th=f"หน่วยสุ่ม {tag}-{i}", code=f"P{tag}-{i}")
                for i in range(data.draw(st.integers(0, 3)))]
        db.session.commit()
        everyone = [district, *subdistricts, *laos, *ends]
        days = [today() - datetime.timedelta(days=back) for back in range(DAYS_BACK + 1)]
        # Stock at some subdistricts on some day: they become obliged from that day under "holds_stock".
        for subdistrict in data.draw(st.lists(st.sampled_from(subdistricts), max_size=2, unique_by=lambda u: u.id)):
            try:
                stock_up(subdistrict, {"officer": admin, "committee": admin}, quantity=data.draw(st.integers(1, 50)),
                         day=data.draw(st.sampled_from(days)))
                stats["stocked"] += 1
            except DomainError:  # that day's count is signed already
                db.session.rollback()
        # Random reports (a unit made today cannot report for an earlier day: refused, skipped).
        for reporter in data.draw(st.lists(st.sampled_from(everyone), max_size=6)):
            try:
                stats["reports"] += bool(report_no_activity(db.session, admin, reporter, data.draw(st.sampled_from(days))))
                db.session.commit()
            except DomainError:
                db.session.rollback()
        # Some units that reported are switched off since: they drop out of every day, reports and all.
        for target in data.draw(st.lists(st.sampled_from([*laos, *ends] or [district]), max_size=2)):
            if target.level != "district" and db.session.get(Unit, target.id).active:
                DeactivateUnit(db.session, admin, UnitSwitchInput(target.id)).run()
                db.session.commit()
                stats["switched_off"] += 1
        # Random rules, through the central administrator's command.
        rules = {level: data.draw(st.sampled_from(RULES)) for level in LEVELS}
        SetReportingRules(db.session, central, rules).run()
        db.session.commit()
        stats["rules"].add(tuple(sorted(rules.items())))
        # Random exceptions and removals, through the province administrator's.
        for target in data.draw(st.lists(st.sampled_from(everyone), max_size=4)):
            # Every draw is made whatever the database holds: examples share the database, and
            # draws that depended on it made Hypothesis see "inconsistent data generation".
            remove, obliged = data.draw(st.booleans()), data.draw(st.sampled_from(["yes", "no"]))
            reason = data.draw(st.sampled_from(["ไม่มีคลัง", "ปิดปรับปรุงชั่วคราว", "ขอให้รายงาน"]))
            if remove and db.session.get(ReportingException, target.id) is not None:
                RemoveReportingException(db.session, admin, target.id).run()
            else:
                SetReportingException(db.session, admin, ExceptionInput(
                    unit_id=target.id, obliged=obliged, reason=reason)).run()
                stats["exceptions"] += 1
            db.session.commit()

        facts = _facts(district)
        # The first stock day kept on each unit (app/stock.post) is the ledger's, back-dated stock included.
        kept = dict(db.session.execute(select(Unit.id, Unit.first_stock_on)
                                       .where(Unit.path.like(district.path + "%"))).all())
        assert {unit_id: day for unit_id, day in kept.items() if day is not None} == facts["first_stock"]
        for root in [district, *subdistricts, *laos]:
            for day in days:
                expected = _expected(facts, root, day)
                levels = {row["level"]: row for row in figures.completeness(db.session, root, day)}
                assert set(levels) == set(expected), (root.code, day)
                for level, row in levels.items():
                    obliged, done = expected[level]
                    assert row["reported"] + row["missing"] == row["units"] == len(obliged), (root.code, day, level)
                    assert row["reported"] == len(done), (root.code, day, level)
                    assert row["own"] == (level == root.level)
                    missing = figures.not_reported(db.session, root, day, level)
                    assert {u.id for u in missing} == obliged - done
                    stats["checks"] += 1
                stats["obliged"].update((level, len(expected.get(level, ((), ()))[0])) for level in LEVELS)
                assert figures.unit_counts(db.session, root, day) == {k: len(v[0]) for k, v in expected.items()}
        # The national page's one statement for every unit below (missing.by_child) says the same.
        for parent in (district.parent.parent, district.parent, district):  # the centre, a province, a district
            kids = list(db.session.execute(select(Unit).where(Unit.parent_id == parent.id,
                                                              Unit.active.is_(True))).scalars())
            grouped = figures.completeness_of_children(db.session, parent, days[-1], kids)
            assert grouped == {kid.id: figures.completeness(db.session, kid, days[-1]) for kid in kids}
            # …and the parent's own figures as its row plus its children's sum (the national page).
            for day in days:
                own_and_kids, by_kid = figures.completeness_with_children(db.session, parent, day, kids)
                assert own_and_kids == figures.completeness(db.session, parent, day), (parent.code, day)
                assert by_kid == figures.completeness_of_children(db.session, parent, day, kids)
            stats["grouped"] += len(kids)

    with app.app_context():
        try:
            run()
        finally:
            district = db.session.get(Unit, district_id)
            subtree = select(Unit.id).where(Unit.path.like(district.path + "%"))
            db.session.execute(delete(ReportingException).where(ReportingException.unit_id.in_(subtree)))
            for row in db.session.execute(select(ReportingRule)).scalars():
                row.rule = DEFAULT_RULES[row.level]
            db.session.commit()
            forget_rules()
    # The runs did something: reports written, stock received, exceptions made,
    # and the number of obliged units of a level varied.
    assert stats["reports"] > 5 and stats["stocked"] > 0 and stats["exceptions"] > 3 and stats["checks"] > 50
    assert stats["switched_off"] > 0 and stats["grouped"] > 25
    assert len(stats["rules"]) > 3
    for level in ("subdistrict", "end_unit", "district"):
        assert len({count for lvl, count in stats["obliged"] if lvl == level}) > 1, level
