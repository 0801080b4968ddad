"""Thai labels of the codes the system stores (unit levels, ledger kinds, audit
actions, record types, statuses), for pages, messages, report sheets and the CLI."""
import datetime
import json
import re

from flask_babel import gettext, lazy_gettext

from app.models.unit import UnitLevel
from app.roles import ROLE_LABELS
from app.thai import format_number, thai_date

LEVEL_LABELS = {
    UnitLevel.CENTRAL.value: lazy_gettext("Central"),
    UnitLevel.PROVINCE.value: lazy_gettext("Province"),
    UnitLevel.DISTRICT.value: lazy_gettext("District"),
    UnitLevel.SUBDISTRICT.value: lazy_gettext("Subdistrict"),
    UnitLevel.LAO.value: lazy_gettext("Local government (LAO)"),
    UnitLevel.END_UNIT.value: lazy_gettext("End receiving unit"),
}


# A level's units as a group: headings of dashboards, completeness and report sheets.
# The country's districts are อำเภอ and เขต (Bangkok's), its subdistricts ตำบล and แขวง;
# level_group_labels(unit) names them as the people of one province say them.
LEVEL_GROUP_LABELS = {
    UnitLevel.CENTRAL.value: lazy_gettext("Central"),
    UnitLevel.PROVINCE.value: lazy_gettext("Provinces"),
    UnitLevel.DISTRICT.value: lazy_gettext("Districts and khet"),
    UnitLevel.SUBDISTRICT.value: lazy_gettext("Subdistricts and khwaeng"),
    UnitLevel.LAO.value: lazy_gettext("Local governments"),
    UnitLevel.END_UNIT.value: lazy_gettext("End receiving units"),
}
_PROVINCE_WORDS = {UnitLevel.DISTRICT.value: lazy_gettext("Districts"),
                   UnitLevel.SUBDISTRICT.value: lazy_gettext("Subdistricts")}
_BANGKOK_WORDS = {UnitLevel.DISTRICT.value: lazy_gettext("Khet"),
                  UnitLevel.SUBDISTRICT.value: lazy_gettext("Khwaeng")}
BANGKOK_CODE = "10"  # the official codes of Bangkok and of its เขต and แขวง start with it


def in_bangkok(unit) -> bool:
    """Bangkok or one of its เขต and แขวง (official units: their codes are the DOPA's)."""
    return unit.is_official and (unit.code or "").startswith(BANGKOK_CODE)


def level_group_labels(unit=None) -> dict:
    """LEVEL_GROUP_LABELS for the levels below `unit`: in Bangkok เขต and แขวง,
    in another province อำเภอ and ตำบล, for the country (or no unit) both."""
    if unit is None or unit.level == UnitLevel.CENTRAL.value:
        return LEVEL_GROUP_LABELS
    return {**LEVEL_GROUP_LABELS, **(_BANGKOK_WORDS if in_bangkok(unit) else _PROVINCE_WORDS)}


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def level_group_label(level: str, unit=None) -> str:
    return str(level_group_labels(unit).get(level, level))


# --- registers: what the ledger and the audit trail store as codes --------------------------------
# Every code written anywhere has a label here (tests/unit/test_register_labels.py reads the code
# for the values it writes); an unknown code shows as stored, a blank as BLANK.
BLANK = "—"

# daily_report.first_kind (app/rollups/pending.mark_reported callers): what a unit's first report
# of a day was, on its report calendar
REPORT_KIND_LABELS = {
    "count": lazy_gettext("Daily count"),
    "receipt": lazy_gettext("Receipt"),
    "allocation": lazy_gettext("Allocation"),
    "confirmation": lazy_gettext("Receipt confirmed"),
    "distribution": lazy_gettext("Distribution"),
    "adjustment": lazy_gettext("Adjustment"),
    "no_activity": lazy_gettext("Nothing to record today"),
}

# ledger_line.kind (app/stock.post callers): the ledger list and the today page's lines of the day
LEDGER_KIND_LABELS = {
    "receipt": lazy_gettext("Received (counted)"),
    "allocation_out": lazy_gettext("Allocated to units below"),
    "allocation_in": lazy_gettext("Received from allocation"),
    "distribution": lazy_gettext("Distributed to risk groups"),
    "adjustment": lazy_gettext("Adjustment"),
    "reversal": lazy_gettext("Distribution reversed"),
    "recall": lazy_gettext("Shipment recalled"),
}

# ledger_line.document_type and audit_entry.object_type: one vocabulary of what a row is about.
RECORD_TYPE_LABELS = {
    "receipt": lazy_gettext("Receipt"),
    "daily_count": lazy_gettext("Daily count"),
    "allocation": lazy_gettext("Allocation"),
    "allocation_line": lazy_gettext("Shipment"),
    "distribution": lazy_gettext("Distribution"),
    "adjustment": lazy_gettext("Stock adjustment"),
    "daily_report": lazy_gettext("Daily report"),
    "user": lazy_gettext("User"),
    "unit": lazy_gettext("Unit"),
    "reporting_rule": lazy_gettext("Reporting rule"),
    "reporting_exception": lazy_gettext("Reporting exception"),
    "form_upload": lazy_gettext("Google Form file"),
    "form_mapping": lazy_gettext("Google Form columns"),
    "form_unit_choice": lazy_gettext("Unit chosen for a name in the Google Form"),
}

# audit_entry.action (app/db/audit.record callers)
AUDIT_ACTION_LABELS = {
    "create": lazy_gettext("Created"),
    "update": lazy_gettext("Changed"),
    "delete": lazy_gettext("Deleted"),
    "login": lazy_gettext("Signed in"),
    "login_failed": lazy_gettext("Sign-in failed"),
    "login_refused": lazy_gettext("Sign-in refused: locked after failed attempts"),
    "unlock": lazy_gettext("Sign-in unlocked"),
    "reset_password": lazy_gettext("Password reset"),
    "activate": lazy_gettext("Account activated"),
    "reissue_activation": lazy_gettext("Activation link reissued"),
    "save_draft": lazy_gettext("Draft saved"),
    "sign": lazy_gettext("Signed off"),
    "confirm": lazy_gettext("Receipt confirmed"),
    "adjust": lazy_gettext("Adjustment"),
    "reverse": lazy_gettext("Reversal"),
    "recall": lazy_gettext("Recall"),
    "no_activity": lazy_gettext("Nothing to record today"),
    "deactivate": lazy_gettext("Switched off"),
    "reactivate": lazy_gettext("Switched back on"),
    "login_blocked": lazy_gettext("Sign-in refused: account or unit switched off"),
    "remind_email": lazy_gettext("Reminder e-mail sent"),
    "set_reporting_rule": lazy_gettext("Reporting rule changed"),
    "exempt_from_reporting": lazy_gettext("Exempted from daily reporting"),
    "require_reporting": lazy_gettext("Required to report daily"),
    "remove_reporting_exception": lazy_gettext("Back to the reporting rules"),
    "upload_form_export": lazy_gettext("Google Form file uploaded"),
    "set_form_mapping": lazy_gettext("Google Form columns chosen"),
    "choose_form_unit": lazy_gettext("Unit chosen for a name in the Google Form"),
    "import_form_row": lazy_gettext("Imported from the Google Form"),
}

# adjustment.kind (app/commands/adjustment.ADJUSTMENT_KINDS)
ADJUSTMENT_KIND_LABELS = {
    "loss": lazy_gettext("Loss"),
    "damage": lazy_gettext("Damage"),
    "expiry": lazy_gettext("Expiry"),
    "correction": lazy_gettext("Correction"),
}

# receipt.status, daily_count.status, allocation_line.status
STATUS_LABELS = {
    "awaiting_count": lazy_gettext("Awaiting count"),
    "counted": lazy_gettext("Counted"),
    "draft": lazy_gettext("Draft"),
    "signed": lazy_gettext("Signed"),
    "in_transit": lazy_gettext("In transit"),
    "confirmed": lazy_gettext("Confirmed"),
    "recalled": lazy_gettext("Recalled by the sender"),
}

# The keys of an audit entry's before/after values.
AUDIT_FIELD_LABELS = {
    "bytes": lazy_gettext("Size (bytes)"),
    "documents": lazy_gettext("Documents"),
    "file": lazy_gettext("File"),
    "row": lazy_gettext("Row"),
    "typed": lazy_gettext("Name as typed"),
    "unit": lazy_gettext("Unit"),
    "activated": lazy_gettext("Activated"),
    "activation_version": lazy_gettext("Activation link version"),
    "active": lazy_gettext("Active"),
    "balance": lazy_gettext("Balance"),
    "book_balance": lazy_gettext("Book stock"),
    "chair": lazy_gettext("Chair"),
    "code": lazy_gettext("Code"),
    "counted": lazy_gettext("Counted"),
    "date": lazy_gettext("Date"),
    "discrepancy": lazy_gettext("Discrepancy"),
    "document_no": lazy_gettext("Dispatch document number"),
    "email": lazy_gettext("Email"),
    "first_name": lazy_gettext("First Name"),
    "in_transit": lazy_gettext("Shipments in transit"),
    "ip": lazy_gettext("IP address"),
    "kind": lazy_gettext("Kind"),
    "last_name": lazy_gettext("Last Name"),
    "level": lazy_gettext("Level"),
    "lines": lazy_gettext("Lines"),
    "members": lazy_gettext("Committee"),
    "phone": lazy_gettext("Phone"),
    "physical_count": lazy_gettext("Physical count"),
    "position": lazy_gettext("Position"),
    "quantity": lazy_gettext("Quantity"),
    "quantity_sent": lazy_gettext("Quantity sent"),
    "reason": lazy_gettext("Reason"),
    "received": lazy_gettext("Quantity received"),
    "receiver": lazy_gettext("Receiving unit"),
    "reference_no": lazy_gettext("Reference document number"),
    "returned": lazy_gettext("Returned to stock"),
    "reversed": lazy_gettext("Reversed"),
    "rule": lazy_gettext("Reporting rule"),
    "obliged": lazy_gettext("Must report daily"),
    "role": lazy_gettext("Role"),
    "roles": lazy_gettext("Roles"),
    "sent": lazy_gettext("Quantity sent"),
    "shares": lazy_gettext("Shares"),
    "source": lazy_gettext("Source"),
    "status": lazy_gettext("Status"),
    "total": lazy_gettext("Total"),
    "unit_id": lazy_gettext("Unit no."),
    "units": lazy_gettext("Units"),
    "units_kept_off": lazy_gettext("Units that stay switched off"),
    "users": lazy_gettext("Users"),
    "users_kept_off": lazy_gettext("Users who stay deactivated"),
    "username": lazy_gettext("Username"),
    "via": lazy_gettext("Recorded through"),
}

# reporting_rule.rule (app/models/obligation.RULES)
REPORTING_RULE_LABELS = {
    "always": lazy_gettext("Every unit of this level"),
    "holds_stock": lazy_gettext("Only units that have received stock"),
    "never": lazy_gettext("Not required"),
}

# audit values "via": how a user or unit came in.
VIA_LABELS = {"spreadsheet": lazy_gettext("Spreadsheet import"), "bulk import": lazy_gettext("Spreadsheet import"),
              "activation_code": lazy_gettext("Activation code")}


ACCOUNT_STATUS_LABELS = {
    "active": lazy_gettext("Active"),
    "awaiting_activation": lazy_gettext("Waiting for the person to activate"),
    "deactivated": lazy_gettext("Deactivated"),
    "unit_switched_off": lazy_gettext("Blocked: the unit is switched off"),
}


def label(labels: dict, value) -> str:
    """The Thai label of a stored code; a blank as BLANK, an unknown code as stored."""
    if value is None or value == "":
        return BLANK
    return str(labels.get(value, value))


def yes_no(value) -> str:
    """Booleans read as words, not Python's True/False."""
    return gettext("Yes") if value else gettext("No")


_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
# Keys whose values are codes themselves.
_VALUE_LABELS = {"kind": ADJUSTMENT_KIND_LABELS, "status": STATUS_LABELS, "roles": ROLE_LABELS, "role": ROLE_LABELS,
                 "level": LEVEL_LABELS, "via": VIA_LABELS, "rule": REPORTING_RULE_LABELS}


def _audit_value(key: str, value) -> str:
    if value is None or value == "" or value == {}:
        return BLANK
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, list):
        if value and all(isinstance(row, list) for row in value):  # a document's rows, e.g. [unit code, pieces]
            return "; ".join(" · ".join(_audit_value("", cell) for cell in row) for row in value)
        return ", ".join(_audit_value(key, v) for v in value) or BLANK
    if isinstance(value, dict):  # a committee member {name, position}
        name, *rest = [_audit_value(k, v) for k, v in value.items()]
        return f"{name} ({', '.join(rest)})" if rest else name
    if key in _VALUE_LABELS:
        return label(_VALUE_LABELS[key], value)
    if _ISO_DATE.match(str(value)):
        return thai_date(datetime.date.fromisoformat(value))
    return str(value)


def audit_values(text) -> list:
    """An audit entry's before/after values (JSON) as [(Thai label, value)]."""
    if not text:
        return []
    try:
        values = json.loads(text)
    except ValueError:
        return [("", str(text))]
    if not isinstance(values, dict):
        return [("", _audit_value("", values))]
    return [(label(AUDIT_FIELD_LABELS, key), _audit_value(key, value)) for key, value in values.items()]
