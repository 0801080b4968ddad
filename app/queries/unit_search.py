"""Search-as-you-type over the units an actor may see (the unit picker of the
user form, the unit form's parent and the dashboard's "go to unit").

Ranking: the unit whose code is exactly what was typed, then units whose Thai
name starts with it (higher levels first: the province เชียงใหม่ above the
subdistrict of the same name in Roi Et), then units whose code starts with it,
then names that merely contain it. Thai digits count as digits, and a typed
"จังหวัด", "อำเภอ", "อ." ... in front of a name is ignored (names are stored
without them).

Every keystroke runs at most a handful of index range scans, each with a
LIMIT, so it stays fast with 80,000 units (bench/unit_picker.py):
- name prefix: one scan per level over ix_unit_level_name (level, name_th,
  path). SQLite compares name ranges byte-wise (BINARY); PostgreSQL's default
  collations do not, so there the index uses text_pattern_ops and the query
  LIKE 'prefix%', which that operator class serves;
- code prefix: the same over ix_unit_code_prefix;
- "contains" cannot use a B-tree: it runs only when the scans above found
  fewer than `limit`, for Thai text of two letters or more, and not over the
  end units of the whole country (a scan of ~70,000 names; the central
  administrator finds an end unit by its name's start or its code)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, literal, select, true, union_all
from sqlalchemy.orm import Session

from app import scoping
from app.db.ids import is_stored_id
from app.labels import BANGKOK_CODE, in_bangkok, level_label
from app.models.unit import LEVEL_ORDER, Unit, UnitLevel

MAX_RESULTS = 20
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# What people type in front of a name; stored names have none of these.
# Longest first, so "อำเภอ" goes before "อ.".
_NAME_PREFIXES = ("กิ่งอำเภอ", "จังหวัด", "อำเภอ", "ตำบล", "แขวง", "จ.", "อ.", "ต.")
_CODE_LIKE = re.compile(r"^[A-Za-z0-9\-_.]+$")
_LEVELS = [level.value for level in LEVEL_ORDER]


@dataclass(frozen=True)
class Terms:
    name: str  # what the Thai name should start with / contain
    code: str  # the same text as a unit code would be written (upper case, Arabic digits)


def normalise(text: Optional[str]) -> Terms:
    text = " ".join((text or "").translate(_THAI_DIGITS).split())
    name = text
    for prefix in _NAME_PREFIXES:
        if name.startswith(prefix) and name[len(prefix):].strip():
            name = name[len(prefix):].strip()
            break
    return Terms(name=name, code=text.upper())


def _prefix(session: Session, column, text: str):
    """`column` starts with `text`, in a form the dialect's index serves."""
    if session.get_bind().dialect.name == "postgresql":
        return column.startswith(text, autoescape=True)
    # SQLite's LIKE ignores case and so skips the index; a byte-wise range
    # ["เชียง", "เชียฃ") is the same set of rows and uses it.
    return and_(column >= text, column < text[:-1] + chr(ord(text[-1]) + 1))


def _level_rank():
    return case({level: rank for rank, level in enumerate(_LEVELS)}, value=Unit.level, else_=len(_LEVELS))


def search_units(session: Session, actor, text: Optional[str], *, levels: Optional[Iterable[str]] = None,
                 limit: int = MAX_RESULTS, active_only: bool = True, within: Optional[int] = None) -> list[Unit]:
    """Units in the actor's subtree matching `text`, best first, at most `limit`
    (never more than MAX_RESULTS). Empty text: the actor's own unit and the
    units right under it. `within`: a unit id narrowing the search to its
    subtree (the Google Form's picks: one province), nothing when that unit
    is outside the actor's area."""
    limit = max(1, min(int(limit or MAX_RESULTS), MAX_RESULTS))
    root = scoping.actor_root_path(actor)
    if root and within is not None:
        inner = session.execute(select(Unit.path).where(Unit.id == within)).scalar() if is_stored_id(within) else None
        root = inner if inner and scoping.path_in_subtree(inner, root) else None
    if not root:
        return []
    wanted = [level for level in _LEVELS if levels is None or level in set(levels)]
    if not wanted:
        return []

    def where(*conditions):
        extra = [Unit.active.is_(True)] if active_only else []
        return and_(scoping.subtree_clause(Unit.path, root), Unit.level.in_(wanted), *extra, *conditions)

    terms = normalise(text)
    if not terms.name:
        own = scoping.ancestor_ids(root)[-1]
        rows = session.execute(select(Unit).where(where((Unit.id == own) | (Unit.parent_id == own)))
                               .order_by(_level_rank(), Unit.code).limit(limit)).scalars().all()
        return list(rows)

    # Phase 1: exact code, name prefix per level, code prefix — one statement.
    parts = [select(Unit.id, literal(0).label("rank"), literal(0).label("level_rank"), Unit.code.label("key"))
             .where(where(Unit.code == terms.code)).limit(1)]
    for rank, level in enumerate(_LEVELS):
        if level in wanted:
            parts.append(select(Unit.id, literal(1).label("rank"), literal(rank).label("level_rank"),
                                Unit.name_th.label("key"))
                         .where(where(Unit.level == level, _prefix(session, Unit.name_th, terms.name)))
                         .order_by(Unit.name_th).limit(limit))
    if _CODE_LIKE.match(terms.code):
        parts.append(select(Unit.id, literal(2).label("rank"), literal(0).label("level_rank"),
                            Unit.code.label("key"))
                     .where(where(_prefix(session, Unit.code, terms.code))).order_by(Unit.code).limit(limit))
    # LIMIT inside a UNION needs each part wrapped as a subquery (SQLite).
    wrapped = [select(*part.subquery().c) for part in parts]
    found = session.execute(union_all(*wrapped)).all()
    ranked: dict[int, tuple] = {}
    for unit_id, rank, level_rank, key in found:
        position = (rank, level_rank, key)
        if unit_id not in ranked or position < ranked[unit_id]:
            ranked[unit_id] = position
    ids = sorted(ranked, key=lambda unit_id: ranked[unit_id])[:limit]

    # Phase 2: names that contain the text, only when the page is not full yet.
    # Not for one letter (nearly every name has it), nor for what can only be
    # a code (names are Thai): a scan of the whole area each.
    if len(ids) < limit and len(terms.name) > 1 and not _CODE_LIKE.match(terms.name):
        # The country's ~70,000 end units would make it a 25-40 ms scan on
        # every keystroke: across the whole country (the central unit's area)
        # end units are found by the start of their name or their code.
        national = len(scoping.ancestor_ids(root)) == 1
        levels_scanned = [level for level in wanted if not (national and level == UnitLevel.END_UNIT.value)]
        if levels_scanned:
            contains = session.execute(
                select(Unit.id).where(where(Unit.level.in_(levels_scanned),
                                            Unit.name_th.contains(terms.name, autoescape=True),
                                            Unit.id.notin_(ids) if ids else true()))
                .order_by(_level_rank(), Unit.name_th).limit(limit - len(ids))).scalars().all()
            ids += contains
    if not ids:
        return []
    by_id = {unit.id: unit for unit in session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}
    return [by_id[unit_id] for unit_id in ids if unit_id in by_id]


# ---------------------------------------------------------------- how a unit reads in the picker

def level_short_label(unit: Unit) -> str:
    """The level as people say it of this very unit: อำเภอ, but เขต in Bangkok."""
    if unit.level == UnitLevel.DISTRICT.value:
        return _("Khet") if in_bangkok(unit) else _("Amphoe")
    if unit.level == UnitLevel.SUBDISTRICT.value:
        return _("Khwaeng") if in_bangkok(unit) else _("Tambon")
    if unit.level == UnitLevel.LAO.value:
        return _("LAO")
    return level_label(unit.level)


def place_name(unit: Unit) -> str:
    """A parent as an address reads: จ.เชียงใหม่, อ.เมืองเชียงใหม่, ต.ช้างเผือก
    (Bangkok's เขต... already carry their word; its แขวง are written out)."""
    if unit.level == UnitLevel.PROVINCE.value and unit.code != BANGKOK_CODE:
        return _("Changwat %(name)s", name=unit.name_th)
    if unit.level == UnitLevel.DISTRICT.value and not unit.name_th.startswith("เขต"):
        return _("Amphoe %(name)s", name=unit.name_th)
    if unit.level == UnitLevel.SUBDISTRICT.value:
        return (_("Khwaeng %(name)s", name=unit.name_th) if in_bangkok(unit)
                else _("Tambon %(name)s", name=unit.name_th))
    return unit.name_th


def parent_names(session: Session, units: list[Unit]) -> dict[int, Unit]:
    """{parent id: parent} for these units, in one query."""
    ids = {unit.parent_id for unit in units if unit.parent_id}
    if not ids:
        return {}
    return {parent.id: parent for parent in session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}


def describe(unit: Unit, parent: Optional[Unit]) -> dict:
    """What a result shows: name, level, code and where it lies."""
    where = place_name(parent) if parent is not None and parent.level != UnitLevel.CENTRAL.value else ""
    level = level_short_label(unit)
    return {"id": unit.id, "name": unit.name_th, "code": unit.code, "level": unit.level, "level_label": level,
            "parent": where, "active": unit.active,
            "text": " · ".join(part for part in (unit.name_th, level, unit.code, where) if part)}


def unit_label(session: Session, unit: Unit) -> str:
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return describe(unit, parent)["text"]


def search_results(session: Session, actor, text: Optional[str], **options) -> list[dict]:
    units = search_units(session, actor, text, **options)
    parents = parent_names(session, units)
    return [describe(unit, parents.get(unit.parent_id)) for unit in units]

