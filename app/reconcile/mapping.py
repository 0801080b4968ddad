"""Which column of a province's Google Form export holds what: the roles a
column can play, a first guess from the file's own (Thai) headers, and the
check of a mapping a person chose. A mapping is {role: header text}, so it
still applies when a later export adds or moves columns.

Figures a form may carry, compared with the unit's own figures of the day in
MaskLog (app/reconcile/reconciliation.py): received, counted, allocated,
distributed (pieces), people reached, and pieces/people per risk group."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _

from app.errors import DomainError

TIMESTAMP, DATE, PROVINCE, DISTRICT, SUBDISTRICT, UNIT, ITEM, EMAIL = (
    "timestamp", "date", "province", "district", "subdistrict", "unit", "item", "email")
PLACE_ROLES = (PROVINCE, DISTRICT, SUBDISTRICT, UNIT)
# Figures with the name of their daily_rollup column (app/rollups/registry.py).
FIGURE_ROLES = {"received": "received", "counted": "counted", "allocated": "allocated_out",
                "distributed": "distributed", "people": "people_reached"}


@dataclass(frozen=True)
class Role:
    name: str
    label: object
    guesses: tuple = ()  # header fragments (lower case) that suggest it, strongest first


def roles(risk_groups) -> list[Role]:
    """Every role, in the order the mapping screen lists them. `risk_groups`:
    (id, code, Thai name) of the active groups."""
    fixed = [
        Role(TIMESTAMP, _("Time of the answer (Timestamp)"), ("ประทับเวลา", "timestamp")),
        Role(DATE, _("Date of the report"), ("วันที่รายงาน", "ข้อมูลวันที่", "วันที่")),
        Role(PROVINCE, _("Province"), ("จังหวัด",)),
        Role(DISTRICT, _("District"), ("อำเภอ", "เขต")),
        Role(SUBDISTRICT, _("Subdistrict"), ("ตำบล", "แขวง")),
        Role(UNIT, _("Reporting unit"), ("ชื่อหน่วยงาน", "หน่วยงาน", "ชื่อหน่วย", "องค์กรปกครอง", "อปท")),
        Role(ITEM, _("Item"), ("เวชภัณฑ์", "ประเภท")),
        Role(EMAIL, _("E-mail address"), ("อีเมล", "email", "e-mail")),
        Role("received", _("Received (pieces)"), ("ได้รับ", "รับเข้า", "รับ")),
        Role("counted", _("Counted (pieces)"), ("ตรวจนับ", "นับ")),
        Role("allocated", _("Allocated to units below (pieces)"), ("จัดสรร", "ส่งต่อ")),
        Role("distributed", _("Distributed, all groups (pieces)"), ("แจกจ่ายรวม", "แจกจ่ายทั้งหมด", "แจกจ่าย")),
        Role("people", _("People reached, all groups"), ("จำนวนผู้ได้รับ", "จำนวนคน", "ผู้ได้รับ")),
    ]
    for _id, code, name in risk_groups:
        fixed.append(Role(f"pieces-{code}", _("%(group)s: pieces", group=name), (name.lower(),)))
        fixed.append(Role(f"people-{code}", _("%(group)s: people", group=name), (name.lower(),)))
    return fixed


def _plain(header: str) -> str:
    return re.sub(r"\s+", " ", (header or "").strip().lower())


# Words of a header that say nothing about which risk group it is.
_GENERIC = {"แจกจ่าย", "แจกจ่ายให้", "กลุ่ม", "กลุ่มเสี่ยง", "จำนวน", "ชิ้น", "คน", "ราย", "หน้ากาก", "อนามัย",
            "หน้ากากอนามัย", "ที่ได้รับ", "ผู้ได้รับ"}


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s()/,.:\-–]+", text) if word]


def names_group(header: str, group_name: str) -> bool:
    """A header names a risk group when a part of the group's name is in it
    (the groups' names are long: "ผู้สูงอายุ ผู้มีโรคประจำตัว และกลุ่มเปราะบาง"),
    or a word of the header (4 letters at least, not a generic one like
    "แจกจ่าย") is in the group's name ("กักตัว")."""
    group = group_name.lower()
    parts = [part for part in _words(group) if len(part) >= 3 and part not in _GENERIC and part != "และ"]
    if any(part in header for part in parts):
        return True
    for word in _words(header):
        for generic in sorted(_GENERIC, key=len, reverse=True):  # "แจกจ่ายด่านตรวจ": the group is "ด่านตรวจ"
            if word.startswith(generic) and len(word) > len(generic):
                word = word[len(generic):]
                break
        if len(word) >= 4 and word not in _GENERIC and word in group:
            return True
    return False


def _is_people_header(header: str) -> bool:
    return any(word in header for word in ("คน", "ราย", "people", "persons"))


def guess_mapping(headers: list[str], risk_groups, remembered: Optional[dict] = None) -> dict:
    """{role: header} pre-selected on the mapping screen: the province's
    remembered mapping where its headers are still in the file, else the
    first header that mentions one of the role's words. Each header is given
    to one role at most; risk-group columns go by the group's name, and to
    "people" when the header speaks of persons."""
    plain = {header: _plain(header) for header in headers if header}
    chosen: dict = {}
    for role, header in (remembered or {}).items():
        if header in plain and header not in chosen.values():
            chosen[role] = header
    all_roles = roles(risk_groups)
    # Risk-group columns first: "แจกจ่ายกลุ่มผู้สูงอายุ (ชิ้น)" must not be taken by "distributed".
    ordered = [r for r in all_roles if "-" in r.name] + [r for r in all_roles if "-" not in r.name]
    for role in ordered:
        if role.name in chosen:
            continue
        for fragment in role.guesses:
            for header, text in plain.items():
                if header in chosen.values():
                    continue
                if "-" in role.name:
                    if not names_group(text, fragment):
                        continue
                elif fragment not in text:
                    continue
                if role.name.startswith("pieces-") and _is_people_header(text):
                    continue
                if role.name.startswith("people-") and not _is_people_header(text):
                    continue
                if role.name == DATE and ("ประทับ" in text or "timestamp" in text):
                    continue
                chosen[role.name] = header
                break
            if role.name in chosen:
                break
    return chosen


def check_mapping(posted: dict, headers: list[str], risk_groups) -> dict:
    """The mapping a person chose ({role: header or ""}) as stored: only known
    roles and headers of this file, each header once; it needs a date (the
    report's date or the timestamp), a unit (or its district/subdistrict) and
    at least one figure. Refused with a Thai message otherwise."""
    known = {role.name for role in roles(risk_groups)}
    mapping, errors = {}, {}
    for role, header in posted.items():
        if role in known and header:
            if header not in headers:
                errors[role] = _("This column is not in the file.")
            elif header in mapping.values():
                errors[role] = _("Each column can be chosen once.")
            else:
                mapping[role] = header
    if DATE not in mapping and TIMESTAMP not in mapping:
        errors[DATE] = _("Choose the column of the report's date, or of the time of the answer.")
    if not any(role in mapping for role in (UNIT, DISTRICT, SUBDISTRICT)):
        errors[UNIT] = _("Choose the column that names the reporting unit.")
    if not any(role in FIGURE_ROLES or "-" in role for role in mapping):
        errors["received"] = _("Choose at least one column of figures to compare.")
    if errors:
        error = DomainError(_("Check the highlighted choices."))
        error.errors = errors
        raise error
    return mapping


def figure_roles(mapping: dict) -> list[str]:
    """The figure roles of a mapping, in report order."""
    order = list(FIGURE_ROLES)
    return sorted((role for role in mapping if role in FIGURE_ROLES or "-" in role),
                  key=lambda role: (order.index(role) if role in order else len(order), role))


# ------------------------------------------------------------------ is it the form at all

SAMPLE_ROWS = 50  # the rows a file's columns are judged on
_LETTER = re.compile(r"[A-Za-z\u0e01-\u0e2e]")


def _mostly(cells, test) -> bool:
    cells = [cell for cell in cells if cell]
    return bool(cells) and sum(1 for cell in cells if test(cell)) * 2 >= len(cells)


def check_is_a_form(table, risk_groups) -> None:
    """Refuses (DomainError, Thai) a table that cannot be the responses of a
    reporting form, before it is kept: one with no column of dates (the
    answer's time Google writes, or a date most of whose first SAMPLE_ROWS
    cells read as one), or none that can name a unit (a header like the
    unit's, district's or subdistrict's, or a column of words that are not
    dates, numbers or e-mail addresses). A different form that has both
    passes here: its columns differ from the remembered ones, which the
    columns screen says."""
    from app.reconcile.form_file import parse_form_date

    sample = table.rows[:SAMPLE_ROWS]
    columns = [[row[index] if index < len(row) else "" for row in sample] for index in range(len(table.headers))]
    guessed = guess_mapping(table.headers, risk_groups)  # Google's own Timestamp header is TIMESTAMP's guess
    dates = {index for index, (header, cells) in enumerate(zip(table.headers, columns))
             if header == guessed.get(TIMESTAMP) or _mostly(cells, lambda cell: parse_form_date(cell) is not None)}
    words = any(index not in dates and _mostly(cells, lambda cell: bool(_LETTER.search(cell)) and "@" not in cell)
                for index, cells in enumerate(columns))
    missing = []
    if not dates:
        missing.append(_("no column holds a date or the time of the answer (Google's Timestamp)"))
    if not (words or any(role in guessed for role in (UNIT, DISTRICT, SUBDISTRICT))):
        missing.append(_("no column names a unit"))
    if missing:
        raise DomainError(_("This file does not look like the responses of the reporting form: %(missing)s. Check "
                            "that you downloaded the responses of the right form (in Google Sheets: File > "
                            "Download).", missing="; ".join(str(part) for part in missing)), code="not_the_form")
