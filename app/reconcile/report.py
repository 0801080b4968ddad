"""One uploaded export reconciled, as the screen, the xlsx and the benchmark
use it: read the stored file, apply the province's remembered mapping and
unit choices, and compare (app/reconcile/reconciliation.py); the xlsx of the
result in Thai with B.E. dates."""
from __future__ import annotations

import os
import tempfile
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.labels import level_label
from app.models.form_import import FormUpload
from app.models.unit import Unit
from app.queries.exports import safe_text
from app.reconcile.form_file import FormTable, read_form_file
from app.reconcile.mapping import roles
from app.reconcile.reconciliation import (DIFFERENT, EQUAL, ONLY_FORM, ONLY_MASKLOG, Reconciliation, reconcile)
from app.reconcile.unit_matching import UnitMatcher, units_of_province
from app.thai import thai_date
from app.xlsx import HEADER, Workbook


def status_labels() -> dict:
    return {EQUAL: _("Same in both"), DIFFERENT: _("Different"), ONLY_FORM: _("Only in the Google Form"),
            ONLY_MASKLOG: _("Only in MaskLog")}


def fitting_mapping(remembered: Optional[dict], table: FormTable) -> Optional[dict]:
    """The province's remembered mapping when every column it names is in this file."""
    if remembered and all(header in table.headers for header in remembered.values()):
        return remembered
    return None


def run(session: Session, upload: FormUpload, mapping: dict, item_id: int, choices: dict,
        table: Optional[FormTable] = None) -> Reconciliation:
    """`choices`: the province's remembered unit choices ({typed key: unit id})."""
    table = table or read_form_file(upload.filename, upload.data)
    province = session.get(Unit, upload.province_id)
    units = units_of_province(session, province)
    matcher = UnitMatcher(units, choices)
    return reconcile(session, table, mapping, province, item_id, matcher, {unit.id: unit for unit in units})


def role_labels(risk_groups) -> dict:
    return {role.name: str(role.label) for role in roles(risk_groups)}


def write_xlsx(result: Reconciliation, lines: list, province: Unit, filename: str, risk_groups) -> str:
    """The reconciliation as an xlsx (a temporary file the caller sends and
    deletes): a title, the header, one row per unit and day, then the rows
    placed nowhere (other provinces, names to pick, unreadable rows)."""
    labels, statuses = role_labels(risk_groups), status_labels()
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    figure_headers = []
    for role in result.roles:
        figure_headers += [f"{labels[role]} ({_('Google Form')})", f"{labels[role]} (MaskLog)", _("Difference")]
    with Workbook(path) as book:
        sheet = book.sheet(_("Reconciliation"), widths=(24, 30, 12, 14, 16, *([12] * len(figure_headers)), 10, 16),
                           text_columns=(2,))
        sheet.append([_("Google Form and MaskLog: %(province)s, file %(file)s", province=province.name_th,
                        file=filename)], bold=True)
        sheet.append([_("District"), _("Unit"), _("Code"), _("Date"), _("Result"), *figure_headers,
                      _("Row in the file"), _("Earlier answers (rows)")], style=HEADER)
        for line in lines:
            cells = [line.unit.district, f"{line.unit.name_th} ({level_label(line.unit.level)})", line.unit.code,
                     thai_date(line.day), statuses[line.status]]
            for role in result.roles:
                form = line.form.figures.get(role) if line.form else None
                ours = line.masklog.get(role, 0)
                cells += [form if form is not None else "", ours, (form - ours) if form is not None else ""]
            cells += [line.form.row if line.form else "", ", ".join(str(row) for row in line.superseded)]
            sheet.append([safe_text(value) for value in cells])
        placed_nowhere = book.sheet(_("Rows not compared"), widths=(10, 50, 60))
        placed_nowhere.append([_("Row in the file"), _("As typed"), _("Why")], style=HEADER)
        for item in result.unplaced:
            for row in item.rows:
                placed_nowhere.append([row, safe_text(item.typed), _("The unit could not be told from the name; "
                                                                     "pick it on the screen.")])
        for problem in [*result.outside, *result.problems]:
            placed_nowhere.append([problem.row, safe_text(problem.text), str(problem.reason)])
    return path
