"""The official hierarchy imported from geothai: counts, paths, idempotency."""
from sqlalchemy import func

from app.commands.hierarchy import sync_hierarchy
from app.extensions import db
from app.models.unit import Unit


def _count(level):
    return db.session.query(func.count(Unit.id)).filter(Unit.level == level, Unit.source == "geothai").scalar()


def test_counts_match_the_dopa_list(ctx):
    assert _count("central") == 1
    assert _count("province") == 77
    assert _count("district") == 928
    assert _count("subdistrict") == 7436


def test_every_path_is_parent_path_plus_own_id(ctx):
    units = db.session.query(Unit.id, Unit.parent_id, Unit.path, Unit.code, Unit.level).all()
    path_by_id = {u.id: u.path for u in units}
    for unit in units:
        expected_parent = path_by_id[unit.parent_id] if unit.parent_id else "/"
        assert unit.path == f"{expected_parent}{unit.id}/", unit.code


def test_codes_nest_and_bangkok_khet_are_districts(ctx):
    bkk = db.session.query(Unit).filter_by(code="10").one()
    khet = db.session.query(Unit).filter_by(code="1001").one()
    khwaeng = db.session.query(Unit).filter_by(code="100101").one()
    assert (bkk.level, khet.level, khwaeng.level) == ("province", "district", "subdistrict")
    assert khet.parent_id == bkk.id and khwaeng.parent_id == khet.id
    assert khet.name_th.startswith("เขต")
    cm = db.session.query(Unit).filter_by(code="5001").one()
    assert cm.parent.code == "50" and cm.name_en == "Mueang Chiang Mai"


def test_import_is_idempotent(ctx):
    before = db.session.query(Unit.id, Unit.code, Unit.path, Unit.name_th).order_by(Unit.id).all()
    report = sync_hierarchy(db.session)
    db.session.commit()
    after = db.session.query(Unit.id, Unit.code, Unit.path, Unit.name_th).order_by(Unit.id).all()
    assert report.changed == 0 and report.unchanged == 8442
    assert before == after


def test_newer_release_renames_and_adds_without_breaking_ids(ctx):
    """Simulate the state an older release left: one name differs and one
    subdistrict is missing. The sync repairs both and keeps every other id."""
    renamed = db.session.query(Unit).filter_by(code="960101").one()
    missing = db.session.query(Unit).filter_by(code="960102").one()
    renamed_id, true_name = renamed.id, renamed.name_th
    renamed.name_th = "ชื่อเก่า"
    db.session.delete(missing)
    db.session.commit()
    ids_before = dict(db.session.query(Unit.code, Unit.id).all())

    report = sync_hierarchy(db.session)
    db.session.commit()

    assert (report.added, report.updated) == (1, 1)
    assert db.session.get(Unit, renamed_id).name_th == true_name
    readded = db.session.query(Unit).filter_by(code="960102").one()
    assert readded.path == f"{readded.parent.path}{readded.id}/"
    ids_after = dict(db.session.query(Unit.code, Unit.id).all())
    assert all(ids_after[code] == unit_id for code, unit_id in ids_before.items())


def test_demo_tree_reaches_all_six_levels(ctx):
    end_unit = db.session.query(Unit).filter_by(code="CM-CITY-HC1").one()
    chain = []
    unit = end_unit
    while unit is not None:
        chain.append(unit.level)
        unit = unit.parent
    assert chain == ["end_unit", "lao", "district", "province", "central"]
    levels = {lvl for (lvl,) in db.session.query(Unit.level).filter(Unit.path.like("/1/%")).distinct()}
    assert levels == {"central", "province", "district", "subdistrict", "lao", "end_unit"}
