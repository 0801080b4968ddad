"""Bulk registration of users from a spreadsheet (xlsx, or CSV as Excel saves
it), validated row by row before anything is written.

Nothing is hashed per row: imported users have no password until they open
their one-time activation link (app/commands/activation.py) and choose one."""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import scoping
from app.errors import DomainError
from app.commands.users import EMAIL_PATTERN, USERNAME_PATTERN, email_or_placeholder, normalise_username
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.phone import normalise_phone
from app.roles import ROLE_DEFINITIONS, grantable_role_names, misplaced_role_message, role_label
from app.db.ids import in_chunks

# Column key, Thai header (as in the template), accepted English header.
COLUMNS = [
    ("username", "ชื่อผู้ใช้", "username"),
    ("first_name", "ชื่อ", "first name"),
    ("last_name", "นามสกุล", "last name"),
    ("position", "ตำแหน่ง", "position"),
    ("phone", "โทรศัพท์", "phone"),
    ("email", "อีเมล", "email"),
    ("unit_code", "รหัสหน่วยงาน", "unit code"),
    ("role", "บทบาท", "role"),
]
REQUIRED = ("username", "first_name", "last_name", "unit_code", "role")
MAX_ROWS = 20_000


@dataclass
class Row:
    number: int  # the spreadsheet's row number, header = 1
    values: dict
    errors: list = field(default_factory=list)
    repaired: list = field(default_factory=list)  # what was put right, e.g. a phone's lost leading 0
    unit: Optional[Unit] = None
    role: Optional[str] = None


def _clean(value) -> str:
    """NFC-normalised, single-spaced text (Thai names typed on different
    keyboards may order combining marks differently)."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(text.replace("\u200b", "").split())


def _header_key_for(columns, text) -> Optional[str]:
    text = _clean(text).lower().replace("*", "").strip()
    for key, thai, english in columns:
        if text in (thai, english, key):
            return key
    return None


def _header_key(text: str) -> Optional[str]:
    return _header_key_for(COLUMNS, text)


def read_table(filename: str, data: bytes, sheet: Optional[str] = None) -> list:
    """Rows (lists of cell values, header first) of an xlsx or CSV upload: of
    the sheet named `sheet` (the template's data sheet) when the workbook has
    it, else of its first sheet."""
    if not data:
        raise DomainError(_("The file is empty."))
    name = (filename or "").lower()
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        return _read_xlsx(data, sheet)
    if name.endswith((".csv", ".txt")) or not name:
        return _read_csv(data)
    raise DomainError(_("Please upload an .xlsx or .csv file (from the template)."))


def _read_xlsx(data: bytes, name: Optional[str]) -> list:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book[name] if name in book.sheetnames else book.worksheets[0]
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        raise DomainError(_("The file is not an Excel workbook (.xlsx) that can be read."))
    rows = []
    for row in sheet.iter_rows():
        values = []
        for cell in row:
            if getattr(cell, "data_type", None) == "f":
                raise DomainError(_("Cell %(cell)s contains a formula; please paste values only.",
                                    cell=getattr(cell, "coordinate", "?")))
            values.append(cell.value)
        rows.append(values)
        if len(rows) > MAX_ROWS + 1:
            raise DomainError(_("The file has more than %(n)s rows; please split it.", n=f"{MAX_ROWS:,}"))
    return rows


def _read_csv(data: bytes) -> list:
    for encoding in ("utf-8-sig", "cp874"):  # Excel's "CSV UTF-8", then Thai Windows "CSV"
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(_("The file is not a CSV text file that can be read."))
    if "\x00" in text:
        raise DomainError(_("The file is not a CSV text file that can be read."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if len(rows) > MAX_ROWS + 1:
        raise DomainError(_("The file has more than %(n)s rows; please split it.", n=f"{MAX_ROWS:,}"))
    return rows


def _role_lookup() -> dict:
    """Role names and their Thai and English labels, whatever the admin's language."""
    from flask_babel import force_locale

    lookup = {}
    for locale in ("th", "en"):
        with force_locale(locale):
            for name in ROLE_DEFINITIONS:
                lookup[name.lower()] = name
                lookup[_clean(role_label(name)).lower()] = name
    return lookup


def table_rows(table: list, columns: list, required: tuple, no_rows_message: str) -> list:
    """Rows of a spreadsheet mapped by its header (Thai or English names), with
    the spreadsheet's own row numbers (blank rows skipped, not renumbered) and
    an error on every empty required cell."""
    numbered = [(n, r) for n, r in enumerate(table, start=1) if any(_clean(v) for v in (r or []))]
    if not numbered:
        raise DomainError(_("The file is empty."))
    header = [_header_key_for(columns, h) for h in numbered[0][1]]
    missing = [thai for key, thai, _e in columns if key in required and key not in header]
    if missing:
        raise DomainError(_("The header row must have the template's columns; missing: %(cols)s.",
                            cols=", ".join(missing)))
    if len(numbered) == 1:
        raise DomainError(no_rows_message)
    rows = []
    for number, raw in numbered[1:]:
        values = {key: "" for key, _t, _e in columns}
        for index, key in enumerate(header):
            if key and index < len(raw):
                values[key] = _clean(raw[index])
        row = Row(number, values)
        row.errors += [_("%(column)s is empty", column=thai) for key, thai, _e in columns
                       if key in required and not values[key]]
        rows.append(row)
    return rows


def _existing(session: Session, rows: list) -> tuple:
    """The units the rows name (by upper-case code), and the usernames and
    emails among them already taken, in a few chunked queries."""
    codes = {row.values["unit_code"] for row in rows if row.values["unit_code"]}
    units = {}
    for chunk in in_chunks(sorted(codes)):
        for unit in session.execute(select(Unit).where(func.upper(Unit.code).in_(chunk))).scalars():
            units[unit.code.upper()] = unit
    usernames = {row.values["username"] for row in rows}
    emails = {row.values["email"] for row in rows if row.values["email"]}
    taken_usernames, taken_emails = set(), set()
    for chunk in in_chunks(sorted(usernames)):
        taken_usernames |= set(session.execute(select(func.lower(MaskLogUser.username))
                                               .where(func.lower(MaskLogUser.username).in_(chunk))).scalars())
    for chunk in in_chunks(sorted(emails)):
        taken_emails |= set(session.execute(select(func.lower(MaskLogUser.email))
                                            .where(func.lower(MaskLogUser.email).in_(chunk))).scalars())
    return units, taken_usernames, taken_emails


def validate_rows(session: Session, actor, table: list) -> list:
    """Every row checked; nothing written. Returns Row objects with Thai errors."""
    rows = table_rows(table, COLUMNS, REQUIRED, _(
        "There are no data rows under the header, so nobody was imported. Type one person per row under the "
        "header of the sheet %(sheet)s (the rows of the sheet %(examples)s are examples and are never imported).",
        sheet=USERS_SHEET, examples=EXAMPLE_SHEET))
    for row in rows:
        row.values["username"] = normalise_username(row.values["username"])
        row.values["email"] = row.values["email"].lower()
        row.values["unit_code"] = row.values["unit_code"].upper()

    grantable = grantable_role_names(actor)
    valid_roles = ", ".join(role_label(name) for name in grantable)
    roles = _role_lookup()
    units, taken_usernames, taken_emails = _existing(session, rows)
    seen_usernames, seen_emails = {}, {}
    for row in rows:
        v, errors = row.values, row.errors
        if v["username"] in EXAMPLE_USERNAMES or (v["username"], v["email"]) == OLD_EXAMPLE:
            errors.append(_("this is the template's example row; delete it and type the real person"))
        elif v["username"]:
            if not USERNAME_PATTERN.match(v["username"]):
                errors.append(_("username %(username)s: use English lower-case letters, digits and . _ - @",
                                username=v["username"]))
            elif v["username"] in taken_usernames:
                errors.append(_("username %(username)s already exists in the system", username=v["username"]))
            elif v["username"] in seen_usernames:
                errors.append(_("username %(username)s repeats row %(row)s", username=v["username"],
                                row=seen_usernames[v["username"]]))
            seen_usernames.setdefault(v["username"], row.number)
        if v["email"]:
            if not EMAIL_PATTERN.match(v["email"]):
                errors.append(_("email %(email)s is not valid", email=v["email"]))
            elif v["email"] in taken_emails:
                errors.append(_("email %(email)s is already used in the system", email=v["email"]))
            elif v["email"] in seen_emails:
                errors.append(_("email %(email)s repeats row %(row)s", email=v["email"], row=seen_emails[v["email"]]))
            seen_emails.setdefault(v["email"], row.number)
        if len(v["first_name"]) > 64 or len(v["last_name"]) > 64:
            errors.append(_("first or last name is longer than 64 characters"))
        if len(v["position"]) > 128:
            errors.append(_("position is too long"))
        try:
            phone = normalise_phone(v["phone"])
            if phone != v["phone"] and phone.lstrip("0") == v["phone"]:
                row.repaired.append("phone")
            v["phone"] = phone
        except DomainError as error:
            errors.append(str(error))
        if v["unit_code"]:
            unit = units.get(v["unit_code"])
            if unit is None:
                errors.append(_("unknown unit code %(code)s", code=v["unit_code"]))
            elif not scoping.unit_in_scope(actor, unit):
                errors.append(_("unit %(code)s is outside your province", code=v["unit_code"]))
            elif not unit.active:
                errors.append(_("unit %(code)s is inactive", code=v["unit_code"]))
            else:
                row.unit = unit
        if v["role"]:
            role = roles.get(v["role"].lower())
            if role is None:
                errors.append(_("unknown role %(role)s; use one of: %(roles)s", role=v["role"], roles=valid_roles))
            elif role not in grantable:
                errors.append(_("you may not grant the role %(role)s; you may grant: %(roles)s",
                                role=role_label(role), roles=valid_roles))
            else:
                row.role = role
        # The same placement rule as the one-by-one form (app/roles.py).
        misplaced = misplaced_role_message(row.role, row.unit.level) if row.role and row.unit else None
        if misplaced is not None:
            errors.append(str(misplaced))
    return rows


def import_rows(session: Session, actor, rows: list) -> int:
    """Insert the rows that passed (all of them, unless the admin chose to
    import only the valid ones). Bulk statements; no password hashing."""
    good = [row for row in rows if not row.errors]
    if not good:
        return 0
    sm = current_app.appbuilder.sm
    role_ids = {name: sm.find_role(name).id for name in {row.role for row in good}}
    actor_id = getattr(actor, "id", None)
    created = session.execute(insert(MaskLogUser).returning(MaskLogUser.id, MaskLogUser.username), [
        dict(username=row.values["username"], first_name=row.values["first_name"],
             last_name=row.values["last_name"], position=row.values["position"] or None,
             phone=row.values["phone"] or None,
             email=email_or_placeholder(row.values["username"], row.values["email"]),
             unit_id=row.unit.id, active=True, password=None, activation_version=0,
             created_by_fk=actor_id, changed_by_fk=actor_id)
        for row in good]).all()
    id_by_username = {username: user_id for user_id, username in created}
    from flask_appbuilder.security.sqla.models import assoc_user_role

    session.execute(insert(assoc_user_role), [
        {"user_id": id_by_username[row.values["username"]], "role_id": role_ids[row.role]} for row in good])
    from app.models.ledger import AuditEntry

    actor_unit_id = getattr(getattr(actor, "unit", None), "id", None)
    session.execute(insert(AuditEntry), [
        dict(actor_id=actor_id, actor_unit_id=actor_unit_id, unit_id=row.unit.id, action="create",
             object_type="user", object_id=id_by_username[row.values["username"]],
             after=json.dumps({"username": row.values["username"], "role": row.role, "via": "bulk import"},
                              ensure_ascii=False))
        for row in good])
    return len(good)


# The template's sheets. Only the data sheet is read back; examples live on
# their own sheet, so an untouched template imports nobody.
USERS_SHEET = "ผู้ใช้"
EXAMPLE_SHEET = "ตัวอย่าง"
ROLES_SHEET = "บทบาท"
UNITS_SHEET = "รหัสหน่วยงาน"
# The example rows are refused if someone copies one into the data sheet, and
# so is the example row of templates downloaded before the examples moved to
# their own sheet (its username and email together: a real somchai.j may exist).
EXAMPLE_USERNAMES = ("example.somchai", "example.somying")
OLD_EXAMPLE = ("somchai.j", "somchai@example.go.th")


def template_book(out, data_sheet: str, columns: list, widths: tuple, examples: list, example_note: str,
                  drop_downs=()):
    """Write the first sheets of an upload template to `out` (a binary file) and
    return the open app.xlsx Workbook so the caller can add its own lists:
    the data sheet (Thai headers only, every column formatted as text so Excel
    keeps the 0 of 0812345678 and of codes), then the example sheet."""
    from app.xlsx import HEADER, Workbook

    book = Workbook(out)
    text_columns = range(len(columns))
    sheet = book.sheet(data_sheet, widths=widths, text_columns=text_columns, freeze_header=True)
    sheet.append([thai for _k, thai, _e in columns], style=HEADER)
    for column, source in drop_downs:
        sheet.drop_down(column, 2, MAX_ROWS + 1, source)
    sheet = book.sheet(EXAMPLE_SHEET, widths=widths, text_columns=text_columns, freeze_header=True)
    sheet.append([thai for _k, thai, _e in columns], style=HEADER)
    for example in examples:
        sheet.append(example)
    sheet.append([])
    sheet.append([example_note])
    return book


def units_sheet(book, session: Session, actor) -> int:
    """The downloader's active units (their subtree), to look codes up in:
    code, Thai name, level in Thai, parent's code and name. One query, streamed."""
    from flask_babel import force_locale
    from sqlalchemy.orm import aliased

    from app.labels import LEVEL_LABELS
    from app.xlsx import HEADER

    with force_locale("th"):
        levels = {level: str(label) for level, label in LEVEL_LABELS.items()}
        headers = [_("Unit code"), _("Unit name"), _("Level"), _("Parent unit code"), _("Parent unit")]
    parent = aliased(Unit)
    rows = session.execute(
        select(Unit.code, Unit.name_th, Unit.level, parent.code, parent.name_th)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(scoping.unit_scope_clause(actor), Unit.active.is_(True)).order_by(Unit.code))
    sheet = book.sheet(UNITS_SHEET, widths=(16, 44, 24, 16, 44), text_columns=(0, 3), freeze_header=True)
    sheet.append(headers, style=HEADER)
    count = 0
    for code, name, level, parent_code, parent_name in rows:
        sheet.append([code, name, levels.get(level, level), parent_code, parent_name])
        count += 1
    return count


def template_workbook(session: Session, actor) -> bytes:
    """The registration template: an empty data sheet, the examples, the roles
    the downloader may grant and the units they may place people in."""
    from flask_babel import force_locale

    unit = getattr(actor, "unit", None)
    unit_code = unit.code if unit is not None else ""
    grantable = grantable_role_names(actor)
    with force_locale("th"):
        labels = [role_label(name) for name in grantable]
        example_role = role_label("Officer") if "Officer" in grantable else (labels[0] if labels else "")
        examples = [["example.somchai", "สมชาย", "ใจดี", "ปลัดอำเภอ", "0812345678", "somchai@example.go.th",
                     unit_code, example_role],
                    ["example.somying", "สมหญิง", "รักงาน", "เจ้าพนักงานปกครอง", "053112345", "", unit_code,
                     example_role]]
        note = _("These rows are examples only and are never imported. Type the real people in the sheet "
                 "%(sheet)s; codes are in the sheet %(units)s, roles in the sheet %(roles)s.",
                 sheet=USERS_SHEET, units=UNITS_SHEET, roles=ROLES_SHEET)
        heading = _("Roles you may grant (choose one in the role column)")
    out = io.BytesIO()
    role_column = [key for key, _t, _e in COLUMNS].index("role")
    book = template_book(out, USERS_SHEET, COLUMNS, (18, 16, 16, 24, 14, 28, 16, 26), examples, note,
                         drop_downs=[(role_column, f"'{ROLES_SHEET}'!$A$2:$A${len(labels) + 1}")] if labels else [])
    from app.xlsx import HEADER

    roles = book.sheet(ROLES_SHEET, widths=(48,))
    roles.append([heading], style=HEADER)
    for label in labels:
        roles.append([label])
    units_sheet(book, session, actor)
    book.close()
    return out.getvalue()
