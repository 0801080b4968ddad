"""Sync the official hierarchy (centre, provinces, districts, subdistricts)
from the PyPI package geothai (data: GeoThai, CC BY 4.0).

Idempotent: units are matched by their DOPA code, so a second run changes
nothing and a newer geothai release renames units and adds new ones while every
existing id (and so every path, user and ledger line) stays put. Units that a
release no longer lists (abolished by DOPA) are deactivated, never deleted.
Bangkok's khet and khwaeng are its districts and subdistricts, as in DOPA's list."""
from __future__ import annotations

import dataclasses
import time

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app import scoping
from app.commands.units import move_subtree, note_units_changed_in_bulk
from app.models.unit import Unit, UnitLevel
from app.rollups.moves import move_subtree_totals

CENTRAL_CODE = "TH"
CENTRAL_NAME_TH = "ศูนย์ปฏิบัติการป้องกันและแก้ไขปัญหาโรคติดเชื้อไวรัสโคโรนา 2019 กระทรวงมหาดไทย (ศบค.มท.)"
CENTRAL_NAME_EN = "Ministry of Interior COVID-19 Operations Centre"


@dataclasses.dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    data_version: str = ""

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deactivated


def official_units():
    """(code, level, parent_code, name_th, name_en), parents before children."""
    import geothai  # here, not at the top: its tables are ~8 MiB that only an import needs, not every worker
    yield CENTRAL_CODE, UnitLevel.CENTRAL.value, None, CENTRAL_NAME_TH, CENTRAL_NAME_EN
    provinces = geothai.provinces()
    for p in provinces:
        yield p.code, UnitLevel.PROVINCE.value, CENTRAL_CODE, p.name_th, p.name_en
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    for d in districts:
        yield d.code, UnitLevel.DISTRICT.value, d.province_code, d.name_th, d.name_en
    for d in districts:
        for s in geothai.subdistricts(d.code):
            yield s.code, UnitLevel.SUBDISTRICT.value, s.district_code, s.name_th, s.name_en


def sync_hierarchy(session: Session) -> SyncReport:
    """Bring the official units in line with geothai. Does not commit."""
    started = time.perf_counter()
    import geothai

    report = SyncReport(data_version=geothai.DATA_VERSION)
    existing = {
        row.code: row
        for row in session.execute(
            select(Unit.id, Unit.code, Unit.level, Unit.parent_id, Unit.path, Unit.name_th,
                   Unit.name_en, Unit.active, Unit.source)
        )
    }
    id_by_code = {code: row.id for code, row in existing.items()}
    path_by_id = {row.id: row.path for row in existing.values()}
    seen = set()
    level_rows = {}
    for code, level, parent_code, name_th, name_en in official_units():
        level_rows.setdefault(level, []).append((code, parent_code, name_th, name_en))

    for level in (UnitLevel.CENTRAL.value, UnitLevel.PROVINCE.value,
                  UnitLevel.DISTRICT.value, UnitLevel.SUBDISTRICT.value):
        new_rows, changes = [], []
        for code, parent_code, name_th, name_en in level_rows.get(level, []):
            seen.add(code)
            parent_id = id_by_code[parent_code] if parent_code else None
            row = existing.get(code)
            if row is None:
                new_rows.append(dict(code=code, level=level, parent_id=parent_id, name_th=name_th,
                                     name_en=name_en, path="", active=True, source="geothai"))
                continue
            wanted = dict(name_th=name_th, name_en=name_en, parent_id=parent_id, active=True,
                          level=level, source="geothai")
            if any(getattr(row, key) != value for key, value in wanted.items()):
                changes.append(dict(id=row.id, **wanted))
            else:
                report.unchanged += 1
        _insert_new(session, new_rows, id_by_code, path_by_id, report)
        _apply_changes(session, changes, existing, path_by_id, report)

    gone = [row.id for code, row in existing.items()
            if row.source == "geothai" and code not in seen and row.active]
    if gone:
        session.execute(update(Unit).where(Unit.id.in_(gone)).values(active=False))
        report.deactivated = len(gone)
    if report.added or report.updated or report.deactivated:
        note_units_changed_in_bulk(session)
    report.seconds = time.perf_counter() - started
    return report


def _insert_new(session: Session, new_rows: list, id_by_code: dict, path_by_id: dict, report: SyncReport) -> None:
    """Insert a level's new units, then give each its path (its id is known only now)."""
    if not new_rows:
        return
    inserted = session.execute(insert(Unit).returning(Unit.id, Unit.code, Unit.parent_id), new_rows)
    paths = []
    for unit_id, code, parent_id in inserted:
        path = scoping.child_path(path_by_id[parent_id] if parent_id else None, unit_id)
        id_by_code[code] = unit_id
        path_by_id[unit_id] = path
        paths.append(dict(id=unit_id, path=path))
    session.execute(update(Unit), paths)
    report.added += len(new_rows)


def _apply_changes(session: Session, changes: list, existing: dict, path_by_id: dict, report: SyncReport) -> None:
    """Renames and moves of existing units. Parent changes are rare (a district
    moved between provinces): those subtrees are re-pathed, and their rollup
    totals moved, through the same code as a hand-made move (app/commands/units.py)."""
    if not changes:
        return
    by_id = {row.id: row for row in existing.values()}
    for change in changes:
        old = by_id[change["id"]]
        if old.parent_id != change["parent_id"]:
            old_path = path_by_id[old.id]
            new_path = scoping.child_path(path_by_id[change["parent_id"]], old.id)
            move_subtree(session, old_path, new_path)
            # The figures go with the units: subtracted from the ancestors left, added to the new ones.
            move_subtree_totals(session, old.id, old_path, new_path)
            # Every unit below moved too: a later change in this sync (a subdistrict of
            # this district moving on to another) must start from where it is now.
            for unit_id, path in path_by_id.items():
                if path.startswith(old_path):
                    path_by_id[unit_id] = new_path + path[len(old_path):]
    session.execute(update(Unit), changes)
    report.updated += len(changes)
