"""Property (hypothesis): the kept count of active units per level below every
unit (unit_census, app/rollups/census.py) equals a recount from the unit
table, after random additions, moves, switches off and on — through the
commands, the unit form's domain check (ORM changes, seen by the flush hook)
and an import — on SQLite and PostgreSQL. And completeness reads it."""
import uuid

import pytest
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.commands.unit_status import DeactivateUnit, ReactivateUnit, UnitSwitchInput
from app.commands.units import create_unit, prepare_unit_update
from app.errors import DomainError
from app.extensions import db
from app.models.rollup import UnitCensus
from app.models.unit import Unit
from app.queries import figures
from app.rollups import census
from app.scoping import ancestor_ids, subtree_clause
from app.thai import today
from tests.helpers import unit, user


def recounted() -> dict:
    """(unit id, level) -> active units of that level in the unit's subtree, from the units."""
    counts: Counter = Counter()
    for path, level in db.session.execute(select(Unit.path, Unit.level).where(Unit.active.is_(True))):
        for above in ancestor_ids(path):
            counts[(above, level)] += 1
    return dict(counts)


def kept() -> dict:
    return {(row.unit_id, row.level): row.active_units for row in db.session.execute(select(UnitCensus)).scalars()}


def test_kept_census_equals_a_recount_after_random_unit_changes(app):
    with app.app_context():
        assert kept() == recounted()  # the demo's import and units, counted at their commit
        district_id = unit("5005").id
    stats = Counter()

    @settings(max_examples=20, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        admin = user("cm-admin")
        district = db.session.get(Unit, district_id)
        subdistricts = list(db.session.execute(select(Unit).where(Unit.parent_id == district.id)
                                               .order_by(Unit.code)).scalars())[:3]
        tag = uuid.uuid4().hex[:6].upper()
        made = []
        for step in range(data.draw(st.integers(1, 6))):
            action = data.draw(st.sampled_from(["add", "add", "move", "switch", "switch", "form_off"]))
            mine = [db.session.get(Unit, unit_id) for unit_id in made]
            try:
                if action == "add":
                    parents = [district, *subdistricts, *(u for u in mine if u.level == "lao" and u.active)]
                    parent = data.draw(st.sampled_from(parents))
                    level = "lao" if parent is district and data.draw(st.booleans()) else "end_unit"
                    made.append(create_unit(db.session, admin, parent=parent, level=level,
                                            name_th=f"หน่วยนับ {tag}{step}", code=f"C{tag}{step}").id)
                elif action == "move" and mine:
                    moved = data.draw(st.sampled_from(mine))
                    moved.parent = data.draw(st.sampled_from([district, *subdistricts]))
                    prepare_unit_update(db.session, admin, moved)  # the unit form's check (ORM)
                elif action == "form_off" and mine:
                    switched = data.draw(st.sampled_from(mine))
                    switched.active = not switched.active
                    prepare_unit_update(db.session, admin, switched)
                elif action == "switch" and mine:
                    target = data.draw(st.sampled_from(mine))  # the draw never depends on what is stored
                    action = "off" if target.active else "on"
                    command = DeactivateUnit if target.active else ReactivateUnit
                    command(db.session, admin, UnitSwitchInput(target.id)).run()
                else:
                    continue
                db.session.commit()
                stats[action] += 1
            except DomainError:
                db.session.rollback()
                stats["refused"] += 1
        assert kept() == recounted()
        # Completeness from the kept counts = completeness counting the units, for the district
        # and each subdistrict (the unit changes above moved units between them).
        for root in [db.session.get(Unit, district_id), *subdistricts]:
            in_tree = subtree_clause(Unit.path, root.path)
            assert figures._obliged_counts_grouped(db.session, today(), in_tree, root.id, [root.id]) == \
                figures._obliged_counts_grouped(db.session, today(), in_tree, root.id, [root.id], whole_subtrees=False)
        stats["checks"] += 1

    with app.app_context():
        run()
        # The runs did something: units added, moved, switched both ways, checked.
        assert stats["add"] >= 10 and stats["move"] >= 2 and stats["off"] + stats["form_off"] >= 2
        assert stats["on"] >= 1 and stats["checks"] == 20, stats


def test_uncommitted_unit_changes_count_in_the_same_transaction(app):
    """A unit added and not yet committed is in this transaction's completeness."""
    with app.app_context():
        admin = user("cm-admin")
        district = unit("5005")
        before = {row["level"]: row["units"] for row in figures.completeness(db.session, district, today())}
        create_unit(db.session, admin, parent=district, level="lao", name_th="อปท.ยังไม่บันทึก", code="CUNSAVED")
        after = {row["level"]: row["units"] for row in figures.completeness(db.session, district, today())}
        assert after.get("lao", 0) == before.get("lao", 0) + 1
        db.session.rollback()
        assert {row["level"]: row["units"] for row in figures.completeness(db.session, district, today())} == before


def test_rebuild_recounts_a_wrong_census(app):
    with app.app_context():
        district = unit("5005")
        row = db.session.get(UnitCensus, (district.id, "subdistrict"))
        row.active_units += 7
        db.session.commit()
        assert kept() != recounted()
        census.recount_all(db.session)
        db.session.commit()
        assert kept() == recounted()


def test_concurrent_unit_changes_leave_the_census_right(app, backend):
    """Twelve administrators add, and switch off, units under different
    districts at the same moment: each transaction recounts the country's row,
    and without the lock a later commit would write a count that missed an
    earlier one's unit."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    from tests.commands.test_ledger_concurrency import race

    with app.app_context():
        districts = [d.id for d in db.session.execute(
            select(Unit).where(Unit.parent_id == unit("50").id, Unit.level == "district")
            .order_by(Unit.code)).scalars()][6:12]
        admin_id = user("cm-admin").id
        switched = [create_unit(db.session, user("cm-admin"), parent=db.session.get(Unit, d), level="lao",
                                name_th=f"อปท.ปิดพร้อมกัน {n}", code=f"CRACEOFF{n}").id for n, d in enumerate(districts)]
        db.session.commit()
        before = recounted()

    def prepare():
        from app.models.user import MaskLogUser
        actor = db.session.get(MaskLogUser, admin_id)
        _ = actor.unit.path, actor.roles
        return (actor,)

    def change(n, actor):
        if n % 2:
            DeactivateUnit(db.session, actor, UnitSwitchInput(switched[n // 2])).run()
        else:
            create_unit(db.session, actor, parent=db.session.get(Unit, districts[n // 2]), level="lao",
                        name_th=f"อปท.พร้อมกัน {n}", code=f"CRACE{n}")

    assert race(app, 12, prepare, change) == ["ok"] * 12
    with app.app_context():
        after = recounted()
        assert kept() == after
        country = db.session.execute(select(Unit.id).where(Unit.parent_id.is_(None))).scalar()
        assert after[(country, "lao")] == before[(country, "lao")]  # six added, six switched off
        assert after[(districts[0], "lao")] == before[(districts[0], "lao")]
