"""Who has not reported, in a form an official can act on: the missing units
of an area grouped under their parents, each with the people responsible for
it (name, position, phone), the day it last reported and how many days in a
row it has been silent; a per-province summary for the national unit; the
ready Thai text of a LINE reminder; the people an e-mail reminder goes to.

Which units must report is figures.completeness / figures.not_reported's rule
(one place); this module only adds the facts around them, in a handful of
set-based statements whatever the size of the area (never one per unit)."""
from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.commands.users import given_email
from app.db.ids import in_chunks
from app.labels import level_label
from app.models.rollup import DailyReport
from app.models.unit import Unit, UnitLevel
from app.models.user import MaskLogUser
from app.queries import figures, obligations
from app.queries.exports import safe_text
from app.thai import thai_date
from app.xlsx import HEADER, Workbook

# Missing units listed per level; beyond it the page says so and points to the units below.
LIST_LIMIT = 3000
# Missing units a page shows under each top-level group (a province's district);
# the group links to its own list for the rest. A large province's page stays
# light (it named ~2,400 units with their people: 1.7 MB, 400 ms) while the
# export and the print still carry every unit.
SHOWN_PER_GROUP = 10
# Names a LINE message spells out; the rest are "และอีก N หน่วย".
SHARE_NAMES = 15
LINE_SHARE = "https://line.me/R/share?text="
SORTS = ("code", "silent")


@dataclass
class Person:
    name: str
    position: str
    phone: str
    email: str = ""

    @property
    def tel(self) -> str:
        """The tel: link of the stored phone ("0812345678" or "053112345 ต่อ 12")."""
        if not self.phone:
            return ""
        number, _sep, extension = self.phone.partition(" ต่อ ")
        return f"tel:{number}" + (f",{extension}" if extension else "")


@dataclass
class MissingUnit:
    id: int
    code: str
    name: str
    level: str
    path: str
    last_reported: Optional[datetime.date]
    streak: int  # obliged days in a row without a report, up to and including the day asked
    people: list = field(default_factory=list)
    # Days since the last report (None: never reported). More than the streak when
    # the unit last reported before its duty began (a subdistrict before its first stock).
    days_silent: Optional[int] = None


@dataclass
class Node:
    """A unit of the grouped list: a missing unit, or a parent of some (or both)."""
    id: int
    code: str
    name: str
    level: str
    missing: Optional[MissingUnit] = None
    children: list = field(default_factory=list)
    count: int = 0  # missing units in this node's subtree, itself included
    longest: int = 0  # the longest streak among them
    hidden: int = 0  # of them, not shown on the page (top-level groups of a page tree)


@dataclass
class MissingList:
    unit: Unit
    day: datetime.date
    units: list  # MissingUnit, in list order
    groups: list  # top-level Nodes (children of the unit)
    total: int  # missing units of the levels below (may exceed len(units): LIST_LIMIT)
    own_missing: bool  # the unit itself has not reported
    truncated: bool
    shown: list = field(default_factory=list)  # the page's tree: groups cut to shown_per_group each
    limit: int = LIST_LIMIT  # units listed per level at most


def last_report(day: datetime.date):
    """A column of figures.not_reported: the unit's last report day up to
    `day` (None: never), one backward step on daily_report's (unit_id, day) key."""
    return (select(func.max(DailyReport.day)).where(DailyReport.unit_id == Unit.id, DailyReport.day <= day)
            .correlate(Unit).scalar_subquery().label("last_reported"))


def responsible_people(session: Session, unit_ids) -> dict:
    """{unit id: [Person]}: the active users of each unit (the account active
    and the unit too, as MaskLogUser.is_active), by name."""
    people: dict = {}
    for chunk in in_chunks(unit_ids):
        rows = session.execute(
            select(MaskLogUser.unit_id, MaskLogUser.first_name, MaskLogUser.last_name, MaskLogUser.position,
                   MaskLogUser.phone, MaskLogUser.email)
            .join(Unit, Unit.id == MaskLogUser.unit_id)
            .where(MaskLogUser.unit_id.in_(chunk), MaskLogUser.active.is_(True), Unit.active.is_(True))
            .order_by(MaskLogUser.first_name, MaskLogUser.last_name, MaskLogUser.id))
        for row in rows:
            people.setdefault(row.unit_id, []).append(Person(
                f"{row.first_name} {row.last_name}".strip(), row.position or "", row.phone or "",
                given_email(row.email)))
    return people


def streak(day: datetime.date, last: Optional[datetime.date], created: Optional[datetime.datetime],
           stock_day: Optional[datetime.date] = None) -> int:
    """Days the unit had to report, in a row, without a report, ending on `day`
    (on which it is obliged and silent): from the day after its last report, or
    when it never reported from the day it was added; and never from before its
    first stock `stock_day` when only its stock obliges it (obligations.obliged_from:
    a subdistrict added long ago that received stock five days ago has missed
    five days, not every day since it was added). A report shows the unit was
    there: an imported unit's documents may be dated before the day it was
    added, and its calendar counts those days too."""
    if last is None:
        start = obligations.first_obliged_day(created, stock_day, day)
    else:
        start = max(last + datetime.timedelta(days=1), stock_day or last)
    return max((day - start).days + 1, 1)


def missing_units(session: Session, unit: Unit, day: datetime.date, sort: str = "code",
                  limit: Optional[int] = None, levels: Optional[list] = None,
                  shown_per_group: Optional[int] = None) -> MissingList:
    """The missing units of the levels below `unit` on `day`, grouped under
    their parents (the tree from the unit down), each with its last report
    and streak. sort "silent": the longest silent first, at every level.
    `levels`: figures.completeness of the unit and day, when the caller has it.
    `shown_per_group`: the page's cut (MissingList.shown); people are read
    only for the units shown (all of them without a cut: export, print).
    `limit`: units per level at most (LIST_LIMIT)."""
    limit = LIST_LIMIT if limit is None else limit
    levels = levels if levels is not None else figures.completeness(session, unit, day)
    level_rules = obligations.rules(session)
    found, total, truncated = [], 0, False
    for level in levels:
        if level["missing"] and not level["own"]:
            total += level["missing"]
            # The first stock day only where the level's rule is "holds stock": one index probe per row listed.
            rows = figures.not_reported(session, unit, day, level["level"], limit,
                                        [last_report(day), obligations.obliged_from(level_rules, level["level"])])
            truncated = truncated or level["missing"] > len(rows)
            found.extend(rows)
    own_missing = any(level["own"] and level["missing"] for level in levels)
    # Rows unpacked as tuples: looking up a Row's attributes by name cost as much as the rest of the loop.
    units = [MissingUnit(unit_id, code, name, unit_level, path, last, streak(day, last, created, stock_day),
                         days_silent=None if last is None else (day - last).days)
             for unit_id, unit_level, code, name, path, created, last, stock_day in found]
    groups = _group(session, unit, units, sort)
    shown = [_cut(node, [shown_per_group]) for node in groups] if shown_per_group else groups
    shown_units = list(_walk(shown))
    people = responsible_people(session, [item.id for item in shown_units])
    for item in shown_units:
        item.people = people.get(item.id, [])
    return MissingList(unit, day, list(_walk(groups)), groups, total, own_missing, truncated, shown, limit)


def _cut(node: Node, budget: list) -> Node:
    """A copy of `node`'s tree holding its first budget[0] missing units (in
    list order); `hidden` counts the rest."""
    copy = Node(node.id, node.code, node.name, node.level, node.missing, count=node.count, longest=node.longest)
    if node.missing:
        budget[0] -= 1
    for child in node.children:
        if budget[0] <= 0:
            break
        copy.children.append(_cut(child, budget))
    copy.hidden = node.count - sum(1 for _unit in _walk([copy]))
    return copy


def _group(session: Session, unit: Unit, units: list, sort: str) -> list:
    """The tree of missing units under `unit`: each hangs under its parent,
    and every unit between `unit` and a missing unit is a node too (one
    query for their names, read from the missing units' paths). Each node
    counts the missing units of its subtree and their longest streak."""
    nodes = {missing.id: Node(missing.id, missing.code, missing.name, missing.level, missing) for missing in units}
    # A missing unit lies in `unit`'s subtree: its path is the unit's followed by the ids down to it.
    below = len(unit.path)
    chains = [scoping.ancestor_ids(missing.path[below:]) for missing in units]
    between = {unit_id for chain in chains for unit_id in chain} - nodes.keys()
    for chunk in in_chunks(between):
        for row in session.execute(select(Unit.id, Unit.code, Unit.name_th, Unit.level).where(Unit.id.in_(chunk))):
            nodes[row.id] = Node(row.id, row.code, row.name_th, row.level)
    top, placed = [], set()
    for missing, chain in zip(units, chains):
        chain = [nodes[unit_id] for unit_id in chain if unit_id in nodes]
        for node in chain:
            node.count += 1
            node.longest = max(node.longest, missing.streak)
        if chain and chain[0].id not in placed:
            placed.add(chain[0].id)
            top.append(chain[0])
        for upper, lower in zip(chain, chain[1:]):
            if lower.id not in placed:
                placed.add(lower.id)
                upper.children.append(lower)
    _order(top, sort)
    return top


def _order(nodes, sort: str) -> None:
    nodes.sort(key=(lambda n: (-n.longest, n.code)) if sort == "silent" else (lambda n: n.code))
    for node in nodes:
        _order(node.children, sort)


def _walk(nodes):
    for node in nodes:
        if node.missing:
            yield node.missing
        yield from _walk(node.children)


# ---------------------------------------------------------------- the national summary

def by_child(session: Session, unit: Unit, day: datetime.date) -> tuple[list[dict], list[dict]]:
    """Per unit directly below (the provinces of the national unit): units
    that must report, reported, missing, %, from the completeness rollups;
    the page links each to its own list instead of naming thousands of units.
    Returned with the unit's own completeness (figures.completeness), which
    is their sum: (levels, rows)."""
    kids = session.execute(select(Unit).where(Unit.parent_id == unit.id, Unit.active.is_(True))
                           .order_by(Unit.code)).scalars().all()
    levels, by_kid = figures.completeness_with_children(session, unit, day, kids)  # one count of the subtree
    rows = []
    for kid in kids:
        kid_levels = by_kid[kid.id]
        obliged = sum(level["units"] for level in kid_levels)
        reported = sum(level["reported"] for level in kid_levels)
        rows.append({"id": kid.id, "code": kid.code, "name": kid.name_th, "obliged": obliged, "reported": reported,
                     "missing": obliged - reported, "percent": figures.reported_percent(kid_levels)})
    return levels, rows


# ---------------------------------------------------------------- exports and the LINE message

def export_rows(missing: MissingList, unit_link) -> list[list]:
    """One row per missing unit (list order) for xlsx and CSV; `unit_link(id)`
    gives the address of its dashboard."""
    parents = parent_names(missing.groups)
    rows = []
    for item in missing.units:
        rows.append([level_label(item.level), item.code, item.name, parents.get(item.id, ""),
                     thai_date(item.last_reported) if item.last_reported else _("Never reported"),
                     item.days_silent if item.days_silent is not None else "", item.streak,
                     "; ".join(" ".join(part for part in (person.name, person.position and f"({person.position})",
                                                          person.phone) if part) for person in item.people),
                     unit_link(item.id)])
    return rows


def export_header() -> list[str]:
    return [_("Level"), _("Code"), _("Unit"), _("Under"), _("Last reported"), _("Days since the last report"),
            _("Days missed in a row"), _("Responsible people"), _("Link")]


def truncated_note(missing: MissingList) -> Optional[str]:
    """The exports' last line when a level had more missing units than the list
    holds (the print says so too); None when every missing unit is listed."""
    if not missing.truncated:
        return None
    return _("This list holds only the first %(n)s units of each level (%(listed)s of the %(total)s units that "
             "have not reported): download the list of a unit below for the rest.",
             n=f"{missing.limit:,}", listed=f"{len(missing.units):,}", total=f"{missing.total:,}")


def parent_names(nodes, parent: str = "") -> dict:
    names = {}
    for node in nodes:
        if node.missing:
            names[node.id] = parent
        names.update(parent_names(node.children, node.name))
    return names


def share_text(missing: MissingList, base_url: str) -> str:
    """The LINE reminder of a district's or province's missing list: who has
    not reported (the longest silent first, SHARE_NAMES names at most), how to
    report, and the system's address."""
    ordered = sorted(missing.units, key=lambda item: (-item.streak, item.code))
    lines = [_("Mask stock reporting reminder, %(date)s", date=thai_date(missing.day)),
             _("%(unit)s: %(n)s units have not reported yet:", unit=missing.unit.name_th, n=f"{missing.total:,}")]
    lines += [f"- {item.name}" for item in ordered[:SHARE_NAMES]]
    rest = missing.total - min(len(ordered), SHARE_NAMES)
    if rest > 0:
        lines.append(_("and %(n)s more units", n=f"{rest:,}"))
    lines += ["", _('How to report: sign in to MaskLog, open "Today" and record the day\'s work, or tap '
                    '"Nothing to record today" when there is nothing to record.'), base_url + "/"]
    return "\n".join(lines)


def line_share_url(text: str) -> str:
    """LINE's documented share screen (https://line.me/R/share?text=…): opens
    LINE on a phone with the text ready to send to a chat; no API key."""
    return LINE_SHARE + quote(text, safe="")


def share_allowed(unit: Unit) -> bool:
    """The LINE button is on a district's or a province's list."""
    return unit.level in (UnitLevel.DISTRICT.value, UnitLevel.PROVINCE.value)


def missing_count(session: Session, unit: Unit, day: datetime.date) -> int:
    """Units below `unit` that have not reported on `day` (the menu's badge):
    the completeness rollup, one statement."""
    return sum(level["missing"] for level in figures.completeness(session, unit, day) if not level["own"])


def has_reported(session: Session, unit_id: int, day: datetime.date) -> bool:
    """The today page's banner: has the unit reported on `day`? A report this
    process already knows is committed costs no query (reports are never deleted)."""
    from app.rollups.pending import known_reports

    key = (str(session.get_bind().url), unit_id, day)
    if key in known_reports:
        return True
    found = session.execute(select(DailyReport.unit_id).where(DailyReport.unit_id == unit_id,
                                                              DailyReport.day == day)).first() is not None
    if found:
        known_reports.add(key)
    return found


def report_due(session: Session, unit: Unit, day: datetime.date) -> bool:
    """The today page's banner: must the unit report on `day` (obligations.is_obliged,
    the one rule: not an exempt unit, nor a subdistrict without stock) and has it
    not yet? The report is asked first: a report this process knows costs no query."""
    return not has_reported(session, unit.id, day) and obligations.is_obliged(session, unit, day)


def write_xlsx(missing: MissingList, rows: list[list]) -> str:
    """The list as an xlsx (a temporary file the caller sends and deletes):
    a title row, the header, one row per missing unit; a cut list ends with
    a blank row and the note of `truncated_note`."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    with Workbook(path) as book:
        sheet = book.sheet(_("Not yet reported"), widths=(14, 12, 40, 30, 14, 12, 12, 60, 40), text_columns=(1,))
        sheet.append([_("Not yet reported: %(unit)s, %(date)s", unit=missing.unit.name_th,
                        date=thai_date(missing.day))], bold=True)
        sheet.append(export_header(), style=HEADER)
        for row in rows:
            sheet.append([safe_text(value) for value in row])
        note = truncated_note(missing)
        if note:
            sheet.append([])
            sheet.append([note], bold=True)
    return path


def csv_text(rows: list[list], missing: Optional[MissingList] = None) -> str:
    """The list as CSV, UTF-8 with BOM (Excel opens Thai right); a cut list's
    last line is the note of `truncated_note`."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(export_header())
    for row in rows:
        writer.writerow([safe_text(value) for value in row])
    note = truncated_note(missing) if missing is not None else None
    if note:
        writer.writerow([note])
    return buffer.getvalue()


# ---------------------------------------------------------------- e-mail reminders

@dataclass
class Recipient:
    email: str  # lower-cased: one message per address and day
    name: str
    user_id: int
    units: list = field(default_factory=list)  # (id, code, name) of the person's missing units


def reminder_recipients(session: Session, day: datetime.date) -> list[Recipient]:
    """The people a reminder goes to on `day`: the active users (account and
    unit active) of every unit that must report and has not, that gave a real
    e-mail address (not the placeholder of app/commands/users.py); one
    Recipient per address, naming only that person's own units. Set-based:
    per level one figures.not_reported query from each root, then the users."""
    roots = session.execute(select(Unit).where(Unit.parent_id.is_(None), Unit.active.is_(True))).scalars().all()
    found = {}
    for root in roots:
        for level in figures.completeness(session, root, day):
            if level["missing"]:
                for row in figures.not_reported(session, root, day, level["level"], limit=10_000_000):
                    found[row.id] = row
    recipients: dict = {}
    for chunk in in_chunks(found):
        rows = session.execute(
            select(MaskLogUser.id, MaskLogUser.unit_id, MaskLogUser.first_name, MaskLogUser.last_name,
                   MaskLogUser.email)
            .join(Unit, Unit.id == MaskLogUser.unit_id)
            .where(MaskLogUser.unit_id.in_(chunk), MaskLogUser.active.is_(True), Unit.active.is_(True))
            .order_by(MaskLogUser.id))
        for row in rows:
            email = given_email(row.email).strip().lower()
            if not email or email.endswith(".invalid"):  # .invalid never receives mail (RFC 2606): the demo's
                continue
            recipient = recipients.setdefault(email, Recipient(email, f"{row.first_name} {row.last_name}".strip(),
                                                               row.id))
            unit = found[row.unit_id]
            if all(unit.id != known[0] for known in recipient.units):
                recipient.units.append((unit.id, unit.code, unit.name_th))
    return sorted(recipients.values(), key=lambda recipient: recipient.email)
