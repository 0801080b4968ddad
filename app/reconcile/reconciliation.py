"""The Google Form's rows against MaskLog, per unit and day, for one province
and item: matched and equal; matched but different (both figures and the
difference); only in the form; only in MaskLog. Several form rows for one
unit and day: the last answer wins (by its timestamp, else its row), the
others are listed with it. Rows that name another province, a unit the
matcher cannot place alone, no date or a figure that is not a number are
listed apart, never guessed. The province column is read with the matcher's
tolerance (unit_matching.ProvinceMatcher): a row is "another province" only
when its text clearly names another one; text that names no province
clearly is compared as this province's row and listed as such.

MaskLog's side is each unit's OWN figures of the day (what it recorded
itself, not its area's): its rollup row minus its children's
(figures.remainder, the rule the dashboards' tables use), so the two sides
mean the same thing. Nothing here writes; creating documents for rows "only
in the form" is app/commands/form_import.py."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import scoping
from app.models.rollup import DailyRollup, RiskGroupRollup
from app.models.unit import Unit
from app.reconcile.form_file import FormTable, parse_form_date, parse_timestamp
from app.reconcile.mapping import (DATE, DISTRICT, FIGURE_ROLES, ITEM, PROVINCE, SUBDISTRICT, TIMESTAMP, UNIT,
                                   figure_roles)
from app.reconcile.unit_matching import OTHER, UNSURE, Match, ProvinceMatcher, UnitMatcher, UnitRef, province_matcher
from app.errors import DomainError
from app.queries.reference import active_risk_groups
from app.thai import parse_quantity

EQUAL, DIFFERENT, ONLY_FORM, ONLY_MASKLOG = "equal", "different", "only_form", "only_masklog"
STATUSES = (DIFFERENT, ONLY_FORM, ONLY_MASKLOG, EQUAL)


@dataclass
class FormEntry:
    row: int  # the row's number in the sheet
    unit: UnitRef
    day: datetime.date
    answered: Optional[datetime.datetime]
    figures: dict  # role -> int, or None when the answer was blank


@dataclass
class Line:
    unit: UnitRef
    day: datetime.date
    status: str
    form: Optional[FormEntry]
    masklog: dict  # role -> int
    differences: list = field(default_factory=list)  # roles whose figures differ
    superseded: list = field(default_factory=list)  # row numbers of earlier answers for the same unit and day


@dataclass
class Unplaced:
    """A typed name the matcher could not place alone, with the rows that use it."""
    key: str
    typed: str
    match: Match
    rows: list = field(default_factory=list)


@dataclass
class RowProblem:
    row: int
    text: str
    reason: object


@dataclass
class Reconciliation:
    roles: list  # the compared figure roles, in report order
    lines: list  # Line, by district, unit, day
    unplaced: list  # Unplaced, most rows first
    outside: list  # RowProblem: rows of another province
    problems: list  # RowProblem: no date, a figure that is not a number
    start: Optional[datetime.date] = None
    end: Optional[datetime.date] = None
    # RowProblem: rows whose province column names no province clearly,
    # compared as rows of this province
    unsure_province: list = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)


def _number(text: str):
    """A figure as typed: blank (or "-") is None; otherwise the today page's
    rule for a number of pieces (app/thai.parse_quantity: Thai digits,
    separators, zero allowed), a DomainError when it is not one."""
    text = (text or "").strip()
    if text in ("", "-"):
        return None
    return parse_quantity(text[:-2] if text.endswith(".0") else text, "", allow_zero=True)


def _cell(row: list, index: Optional[int]) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _same_item(typed: str, item_names) -> bool:
    """A form's item answer names the compared item ("หน้ากากอนามัย" for
    "หน้ากากอนามัยทางการแพทย์"): one name holds the other, spaces aside."""
    typed = "".join(typed.split())
    return any(typed in name or name in typed for name in item_names)


def read_entries(table: FormTable, mapping: dict, province: Unit, matcher: UnitMatcher, item_names=(),
                 provinces: Optional[ProvinceMatcher] = None):
    """The form's rows as entries of placed units, and what could not be
    placed. `item_names`: the compared item's names (Thai, code); with an item
    column, rows of another item are listed apart. `provinces`: reads the
    province column (default: knows this province alone). Returns entries,
    unplaced names, rows of another province, problems and rows whose
    province was not recognised (compared all the same)."""
    item_names = ["".join(str(name).split()) for name in item_names if name]
    column = {role: table.headers.index(header) for role, header in mapping.items() if header in table.headers}
    compared = figure_roles(mapping)
    provinces = provinces or ProvinceMatcher([(province.id, province.name_th, province.name_en)], province.id)
    entries, unplaced, outside, problems, unsure = [], {}, [], [], []
    for number, row in zip(table.row_numbers, table.rows):
        place = {role: _cell(row, column.get(role)) for role in (PROVINCE, DISTRICT, SUBDISTRICT, UNIT)}
        typed = place[UNIT] or place[SUBDISTRICT] or place[DISTRICT]
        shown = " / ".join(text for text in (place[PROVINCE], place[DISTRICT], place[SUBDISTRICT], place[UNIT]) if text)
        read = provinces.read(place[PROVINCE])
        if read.status == OTHER:
            outside.append(RowProblem(number, shown, _("Another province (%(province)s): not imported.",
                                                       province=read.name)))
            continue
        item = _cell(row, column.get(ITEM)) if ITEM in column else ""
        if item and item_names and not _same_item(item, item_names):
            problems.append(RowProblem(number, f"{shown} / {item}",
                                       _("Another item: choose it when uploading to compare its rows.")))
            continue
        answered = parse_timestamp(_cell(row, column.get(TIMESTAMP))) if TIMESTAMP in column else None
        day = parse_form_date(_cell(row, column[DATE])) if DATE in column else None
        day = day or (answered.date() if answered else None)
        if day is None:
            problems.append(RowProblem(number, shown, _("No date the system can read.")))
            continue
        figures, bad = {}, None
        for role in compared:
            try:
                figures[role] = _number(_cell(row, column.get(role)))
            except DomainError:
                bad = role
                break
        if bad is not None:
            problems.append(RowProblem(number, shown, _("The column \"%(column)s\" is not a whole number.",
                                                        column=mapping[bad])))
            continue
        if not typed:
            problems.append(RowProblem(number, shown, _("The row names no unit.")))
            continue
        district = place[DISTRICT] if place[UNIT] or place[SUBDISTRICT] else ""
        subdistrict = place[SUBDISTRICT] if place[UNIT] else ""
        if read.status == UNSURE:  # not dropped: the unit's name decides, and the row is named
            unsure.append(RowProblem(number, shown, _("The province typed is not one the system knows: the row "
                                                      "is compared as a row of %(province)s.",
                                                      province=province.name_th)))
        match = matcher.match(typed, district, subdistrict)
        if match.status != "auto":
            key = UnitMatcher.key(typed, district, subdistrict)
            unplaced.setdefault(key, Unplaced(key, shown, match)).rows.append(number)
            continue
        entries.append(FormEntry(number, match.unit, day, answered, figures))
    return (entries, sorted(unplaced.values(), key=lambda item: (-len(item.rows), item.typed)), outside, problems,
            unsure)


def own_figures(session: Session, province: Unit, item_id: int, start, end, roles: list) -> dict:
    """{(unit id, day): {role: the unit's own figure}} for the province's units
    with any of these figures on a day of [start, end]: each rollup row minus
    its children's rows of the same day."""
    columns = {role: FIGURE_ROLES[role] for role in roles if role in FIGURE_ROLES}
    groups = {role.split("-", 1)[1]: role for role in roles if "-" in role}
    in_province = scoping.subtree_clause(Unit.path, province.path)
    parents = dict(session.execute(select(Unit.id, Unit.parent_id).where(in_province)).all())
    subtree = defaultdict(lambda: defaultdict(int))  # (unit, day) -> role -> subtree figure
    if columns:
        wanted = [getattr(DailyRollup, column) for column in columns.values()]
        for row in session.execute(select(DailyRollup.unit_id, DailyRollup.day, *wanted)
                                   .join(Unit, Unit.id == DailyRollup.unit_id).where(
                in_province, DailyRollup.item_id == item_id, DailyRollup.day.between(start, end))):
            for role, value in zip(columns, row[2:]):
                subtree[(row.unit_id, row.day)][role] += value or 0
    if groups:
        code_of = {group_id: code for group_id, code, _name in active_risk_groups(session)}
        for row in session.execute(select(RiskGroupRollup.unit_id, RiskGroupRollup.day, RiskGroupRollup.risk_group_id,
                                          RiskGroupRollup.distributed, RiskGroupRollup.people_reached)
                                   .join(Unit, Unit.id == RiskGroupRollup.unit_id).where(
                in_province, RiskGroupRollup.item_id == item_id, RiskGroupRollup.day.between(start, end))):
            for kind, value in (("pieces", row.distributed), ("people", row.people_reached)):
                role = f"{kind}-{code_of.get(row.risk_group_id)}"
                if role in roles:
                    subtree[(row.unit_id, row.day)][role] += value or 0
    own = {key: dict(values) for key, values in subtree.items()}
    for (unit_id, day), values in subtree.items():
        parent = parents.get(unit_id)
        if parent is not None and (parent, day) in own and unit_id != province.id:
            for role, value in values.items():
                own[(parent, day)][role] = own[(parent, day)].get(role, 0) - value
    return {key: values for key, values in own.items() if any(values.values())}


def reconcile(session: Session, table: FormTable, mapping: dict, province: Unit, item_id: int,
              matcher: UnitMatcher, units: dict) -> Reconciliation:
    """`units`: {id: UnitRef} of the province (the matcher's list), for the
    lines of units only MaskLog knows."""
    from app.models.ledger import Item

    roles = figure_roles(mapping)
    item = session.get(Item, item_id)
    entries, unplaced, outside, problems, unsure = read_entries(
        table, mapping, province, matcher, (item.name_th, item.code) if item else (),
        province_matcher(session, province))
    latest: dict = {}
    superseded = defaultdict(list)
    for entry in sorted(entries, key=lambda e: (e.answered or datetime.datetime.min, e.row)):
        key = (entry.unit.id, entry.day)
        if key in latest:
            superseded[key].append(latest[key].row)
        latest[key] = entry
    result = Reconciliation(roles, [], unplaced, outside, problems, unsure_province=unsure)
    if not latest:
        return result
    result.start, result.end = min(day for _u, day in latest), max(day for _u, day in latest)
    masklog = own_figures(session, province, item_id, result.start, result.end, roles)
    for key in set(latest) | set(masklog):
        unit = latest[key].unit if key in latest else units.get(key[0])
        if unit is None:  # an inactive unit's old figures: not a reporting unit any more
            continue
        ours = {role: masklog.get(key, {}).get(role, 0) for role in roles}
        entry = latest.get(key)
        if entry is None:
            result.lines.append(Line(unit, key[1], ONLY_MASKLOG, None, ours))
            continue
        differences = [role for role in roles if entry.figures.get(role) is not None
                       and entry.figures[role] != ours[role]]
        if key not in masklog and any(entry.figures.get(role) for role in roles):
            status = ONLY_FORM
        else:
            status = DIFFERENT if differences else EQUAL
        result.lines.append(Line(unit, key[1], status, entry, ours, differences, superseded.get(key, [])))
    result.lines.sort(key=lambda line: (line.unit.district, line.unit.code, line.day))
    return result
