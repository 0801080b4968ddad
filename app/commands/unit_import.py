"""LAOs and end receiving units from a spreadsheet (same file handling as the
user registration). Rows are created in file order, so an end unit may name
as its parent an LAO created a few rows above. Every row is checked by the
same rule as the single form (app/commands/units.prepare_new_unit)."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import DomainError, RowsRejected
from app.db.audit import record
from app.commands.registration import EXAMPLE_SHEET, UNITS_SHEET, table_rows, template_book, units_sheet
from app.commands.units import create_unit
from app.models.unit import Unit, UnitLevel

UNIT_COLUMNS = [
    ("code", "รหัสหน่วยงาน", "code"),
    ("name_th", "ชื่อหน่วยงาน", "name"),
    ("name_en", "ชื่อภาษาอังกฤษ", "english name"),
    ("level", "ประเภท", "level"),
    ("parent_code", "รหัสหน่วยงานต้นสังกัด", "parent code"),
]
REQUIRED = ("name_th", "level", "parent_code")
DATA_SHEET = "หน่วยงานใหม่"
# Names of the example rows: refused if someone copies one into the data sheet.
EXAMPLE_NAMES = ("เทศบาลตำบลตัวอย่าง", "โรงพยาบาลส่งเสริมสุขภาพตำบลตัวอย่าง")
LEVEL_WORDS = {
    "lao": UnitLevel.LAO.value, "อปท": UnitLevel.LAO.value, "อปท.": UnitLevel.LAO.value,
    "องค์กรปกครองส่วนท้องถิ่น": UnitLevel.LAO.value, "องค์กรปกครองส่วนท้องถิ่น (อปท.)": UnitLevel.LAO.value,
    "end_unit": UnitLevel.END_UNIT.value, "end unit": UnitLevel.END_UNIT.value,
    "หน่วยรับปลายทาง": UnitLevel.END_UNIT.value,
}


def import_units(session: Session, actor, table: list, *, valid_rows_only: bool) -> list:
    """Create the units; returns Row results. When a row fails and not
    `valid_rows_only`, raises RowsRejected: the caller's transaction rolls
    back what the rows above it created."""
    rows = table_rows(table, UNIT_COLUMNS, REQUIRED, _(
        "There are no data rows under the header, so no unit was created. Type one unit per row under the "
        "header of the sheet %(sheet)s (the rows of the sheet %(examples)s are examples and are never imported).",
        sheet=DATA_SHEET, examples=EXAMPLE_SHEET))
    for row in rows:
        values = row.values
        if values["name_th"] in EXAMPLE_NAMES:
            row.errors.append(_("this is the template's example row; delete it and type the real unit"))
            continue
        level = LEVEL_WORDS.get(values["level"].lower())
        if values["level"] and level is None:
            row.errors.append(_("unknown unit type %(level)s (use อปท. or หน่วยรับปลายทาง)", level=values["level"]))
        parent = None
        if values["parent_code"]:
            parent = session.execute(select(Unit).where(func.upper(Unit.code) == values["parent_code"].upper())
                                     ).scalar_one_or_none()
            if parent is None:
                row.errors.append(_("unknown parent unit code %(code)s", code=values["parent_code"]))
        if row.errors:
            continue
        try:
            row.unit = create_unit(session, actor, parent=parent, level=level, name_th=values["name_th"],
                                   name_en=values["name_en"] or None, code=values["code"] or None)
        except DomainError as error:
            row.errors.append(str(error))
    if any(row.errors for row in rows) and not valid_rows_only:
        for row in rows:
            row.unit = None
        raise RowsRejected(rows)
    created = [row for row in rows if row.unit is not None]
    for row in created:
        record(session, actor, "create", "unit", row.unit.id, row.unit.id,
               after={"code": row.unit.code, "level": row.unit.level, "via": "spreadsheet"})
    return rows


def unit_template_workbook(session: Session, actor) -> bytes:
    """The units template: an empty data sheet, two examples under the
    downloader's own unit, and the downloader's units (the parent codes)."""
    from flask_babel import force_locale

    unit = getattr(actor, "unit", None)
    parent = unit.code if unit is not None else ""
    with force_locale("th"):
        note = _("These rows are examples only and are never imported. Type the real units in the sheet "
                 "%(sheet)s; parent codes are in the sheet %(units)s.", sheet=DATA_SHEET, units=UNITS_SHEET)
    out = io.BytesIO()
    level_column = [key for key, _t, _e in UNIT_COLUMNS].index("level")
    book = template_book(out, DATA_SHEET, UNIT_COLUMNS, (16, 40, 32, 18, 22), [
        ["", EXAMPLE_NAMES[0], "Example Subdistrict Municipality", "อปท.", parent],
        ["", EXAMPLE_NAMES[1], "", "หน่วยรับปลายทาง", parent]], note,
        drop_downs=[(level_column, '"อปท.,หน่วยรับปลายทาง"')])
    units_sheet(book, session, actor)
    book.close()
    return out.getvalue()
