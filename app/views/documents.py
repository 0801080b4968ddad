"""Generated list/show screens of every ledger document, the ledger itself and
the audit trail — read-only, scoped to the user's subtree — plus the reference
data (items, risk groups) the central administrator edits, and printable
documents (dispatch note, signed count report) with B.E. dates."""
import json

from flask import url_for
from flask_appbuilder import BaseView, ModelView, expose
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectField

from app.labels import (ADJUSTMENT_KIND_LABELS, AUDIT_ACTION_LABELS, BLANK, LEDGER_KIND_LABELS, RECORD_TYPE_LABELS,
                        STATUS_LABELS, audit_values, label)
from app.permissions import PRINT, PRINT_VIEW
from app.queries.reference import clear_reference_cache
from app.models.ledger import (Adjustment, Allocation, AllocationLine, AuditEntry, DailyCount, Distribution,
                               Item, LedgerLine, Receipt, RiskGroup)
from app.thai import format_number, signed_number, thai_date, thai_datetime
from app.fab.datamodel import ScopedSQLAInterface
from app.views.helpers import ScopedViewMixin, in_scope_or_404, yes_no

READ_ONLY = ["can_list", "can_show"]
LABELS = {
    "unit": _l("Unit"), "unit_code": _l("Unit code"), "item": _l("Item"), "created_by": _l("Recorded by"), "created_on": _l("Recorded at"),
    "receipt_date": _l("Date"), "count_date": _l("Date"), "allocation_date": _l("Date"),
    "distribution_date": _l("Date"), "adjustment_date": _l("Date"), "entry_date": _l("Date"),
    "source": _l("Source"), "reference_no": _l("Reference document number"), "quantity_sent": _l("Quantity sent"),
    "status": _l("Status"), "counted_quantity": _l("Counted"), "physical_count": _l("Physical count"),
    "book_balance": _l("Book stock"), "chair_name": _l("Chair"), "signed_by": _l("Signed by"),
    "signed_on": _l("Signed at"), "document_no": _l("Dispatch document number"), "lines": _l("Lines"),
    "allocation": _l("Allocation"), "confirmed_quantity": _l("Quantity received"),
    "discrepancy": _l("Discrepancy"), "discrepancy_reason": _l("Reason for the difference"),
    "confirmed_by": _l("Confirmed by"), "confirmed_on": _l("Confirmed at"), "kind": _l("Kind"),
    "quantity": _l("Quantity"), "reason": _l("Reason"), "reversed": _l("Reversed"), "actor": _l("By"),
    "document_type": _l("Document"), "document_id": _l("Document no."), "action": _l("Action"),
    "object_type": _l("Record"), "object_id": _l("Record no."), "before": _l("Before"), "after": _l("After"),
    "actor_unit": _l("From unit"), "members": _l("Committee"), "note": _l("Note"),
    "code": _l("Code"), "name_th": _l("Name (Thai)"), "name_en": _l("Name (English)"),
    "unit_label": _l("Counting unit"), "active": _l("Active"), "is_default": _l("Default"),
    "sort_order": _l("Order"), "document": _l("Document"),
    "recall_date": _l("Recalled on"), "recall_reason": _l("Reason for the recall"), "recalled_by": _l("Recalled by"),
}
FORMATTERS = {
    **{name: thai_date for name in ("receipt_date", "count_date", "allocation_date", "distribution_date",
                                    "adjustment_date", "entry_date", "recall_date")},
    **{name: thai_datetime for name in ("created_on", "signed_on", "confirmed_on")},
    **{name: format_number for name in ("quantity_sent", "counted_quantity", "physical_count", "book_balance",
                                        "confirmed_quantity", "discrepancy", "quantity")},
    "status": lambda value: label(STATUS_LABELS, value),
    "reversed": yes_no, "active": yes_no, "is_default": yes_no,
    "members": lambda value: ", ".join(f"{m['name']} ({m['position']})" for m in json.loads(value or "[]")),
}


def _or_blank(formatter):
    def format_or_blank(value):
        text = BLANK if value is None or value == "" else formatter(value)
        return BLANK if text == "" else text
    return format_or_blank


def _audit_values_html(text):
    """Before/after values, one "label: value" line each."""
    return Markup("<br>".join(f"{escape(name)}: {escape(value)}" if name else escape(value)
                              for name, value in audit_values(text))) or BLANK


def _code_choice(title, labels):
    """A search box for a coded column offering its Thai labels: the filter compares the stored code,
    which nobody should have to type."""
    return SelectField(title, choices=lambda: [(code, str(text)) for code, text in labels.items()],
                       widget=Select2Widget())


class _Register:
    """Every column a list or show page prints reads "—" when blank, never "None"."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        shown = set(cls.list_columns or []) | set(cls.show_columns or [])
        cls.formatters_columns = {**cls.formatters_columns,
                                  **{name: _or_blank(cls.formatters_columns.get(name, str)) for name in shown}}


class _DocumentView(_Register, ScopedViewMixin, ModelView):
    base_permissions = READ_ONLY
    label_columns = LABELS
    formatters_columns = FORMATTERS
    page_size = 50


class ReceiptView(_DocumentView):
    datamodel = ScopedSQLAInterface(Receipt)
    list_title = _l("Receipts")
    show_title = RECORD_TYPE_LABELS["receipt"]
    list_columns = ["receipt_date", "unit", "item", "source", "reference_no", "quantity_sent", "status"]
    show_columns = list_columns + ["counted_quantity", "created_by", "created_on"]
    search_columns = ["unit_code", "receipt_date", "item", "reference_no", "source", "status"]
    search_form_extra_fields = {"status": _code_choice(_l("Status"), STATUS_LABELS)}
    base_order = ("receipt_date", "desc")


class DailyCountView(_DocumentView):
    datamodel = ScopedSQLAInterface(DailyCount)
    list_title = _l("Daily counts")
    show_title = RECORD_TYPE_LABELS["daily_count"]
    list_columns = ["count_date", "unit", "item", "status", "book_balance", "physical_count", "chair_name"]
    show_columns = list_columns + ["members", "note", "signed_by", "signed_on", "created_by", "created_on"]
    search_columns = ["unit_code", "count_date", "item", "status"]
    search_form_extra_fields = {"status": _code_choice(_l("Status"), STATUS_LABELS)}
    base_order = ("count_date", "desc")


class AllocationView(_DocumentView):
    datamodel = ScopedSQLAInterface(Allocation)
    list_title = _l("Allocations")
    show_title = RECORD_TYPE_LABELS["allocation"]
    list_columns = ["allocation_date", "unit", "item", "document_no", "created_by"]
    show_columns = list_columns + ["created_on"]
    search_columns = ["unit_code", "allocation_date", "item", "document_no"]
    base_order = ("allocation_date", "desc")


class ShipmentView(_DocumentView):
    """Allocation lines, scoped by the receiving unit: what is on the way."""

    datamodel = ScopedSQLAInterface(AllocationLine)
    list_title = _l("Shipments")
    show_title = RECORD_TYPE_LABELS["allocation_line"]
    list_columns = ["allocation", "unit", "quantity_sent", "status", "confirmed_quantity", "discrepancy"]
    show_columns = list_columns + ["discrepancy_reason", "confirmed_by", "confirmed_on", "recall_date",
                                   "recall_reason", "recalled_by"]
    search_columns = ["unit_code", "status"]
    search_form_extra_fields = {"status": _code_choice(_l("Status"), STATUS_LABELS)}
    label_columns = {**LABELS, "unit": _l("Receiving unit")}
    formatters_columns = {**FORMATTERS, "allocation": lambda a: f"{a.document_no} · {thai_date(a.allocation_date)}"}


class DistributionView(_DocumentView):
    datamodel = ScopedSQLAInterface(Distribution)
    list_title = _l("Distributions")
    show_title = RECORD_TYPE_LABELS["distribution"]
    list_columns = ["distribution_date", "unit", "item", "lines", "reversed", "created_by"]
    show_columns = list_columns + ["created_on"]
    search_columns = ["unit_code", "distribution_date", "item", "reversed"]
    base_order = ("distribution_date", "desc")
    formatters_columns = {**FORMATTERS, "lines": lambda lines: "; ".join(
        f"{line.risk_group.name_th}: {format_number(line.quantity)} / {format_number(line.people_reached)}"
        for line in lines)}


class AdjustmentView(_DocumentView):
    datamodel = ScopedSQLAInterface(Adjustment)
    list_title = _l("Adjustments")
    show_title = RECORD_TYPE_LABELS["adjustment"]
    list_columns = ["adjustment_date", "unit", "item", "kind", "quantity", "reason", "created_by"]
    show_columns = list_columns + ["created_on"]
    search_columns = ["unit_code", "adjustment_date", "item", "kind"]
    search_form_extra_fields = {"kind": _code_choice(_l("Kind"), ADJUSTMENT_KIND_LABELS)}
    base_order = ("adjustment_date", "desc")
    formatters_columns = {**FORMATTERS, "kind": lambda kind: label(ADJUSTMENT_KIND_LABELS, kind),
                          "quantity": signed_number}


class LedgerView(_DocumentView):
    datamodel = ScopedSQLAInterface(LedgerLine)
    list_title = _l("Stock ledger")
    show_title = _l("Ledger line")
    list_columns = ["entry_date", "unit", "item", "kind", "quantity", "document", "actor"]
    show_columns = list_columns + ["created_on"]
    search_columns = ["unit_code", "entry_date", "item", "kind"]
    search_form_extra_fields = {"kind": _code_choice(_l("Kind"), LEDGER_KIND_LABELS)}
    base_order = ("entry_date", "desc")  # FAB breaks ties by id, in the same direction: latest first
    formatters_columns = {**FORMATTERS, "kind": lambda kind: label(LEDGER_KIND_LABELS, kind),
                          "quantity": signed_number, "document": lambda ref: document_link(*ref)}


class AuditView(_DocumentView):
    datamodel = ScopedSQLAInterface(AuditEntry)
    list_title = _l("Audit trail")
    show_title = _l("Audit entry")
    list_columns = ["created_on", "actor", "actor_unit", "action", "object_type", "object_id", "unit"]
    show_columns = list_columns + ["before", "after"]
    search_columns = ["unit_code", "created_on", "action", "object_type"]
    search_form_extra_fields = {"action": _code_choice(_l("Action"), AUDIT_ACTION_LABELS),
                                "object_type": _code_choice(_l("Record"), RECORD_TYPE_LABELS)}
    base_order = ("id", "desc")
    formatters_columns = {**FORMATTERS, "action": lambda action: label(AUDIT_ACTION_LABELS, action),
                          "object_type": lambda kind: label(RECORD_TYPE_LABELS, kind),
                          "before": _audit_values_html, "after": _audit_values_html}


class _ReferenceView(_Register, ModelView):
    """Central administrator only (no other role has these permissions)."""

    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    label_columns = LABELS
    formatters_columns = FORMATTERS

    def post_add(self, item):
        clear_reference_cache()

    def post_update(self, item):
        clear_reference_cache()


class ItemView(_ReferenceView):
    datamodel = SQLAInterface(Item)
    list_title = _l("Items")
    show_title, add_title, edit_title = _l("Item"), _l("Add item"), _l("Edit item")
    list_columns = ["code", "name_th", "name_en", "unit_label", "active", "is_default", "sort_order"]
    add_columns = edit_columns = list_columns


class RiskGroupView(_ReferenceView):
    datamodel = SQLAInterface(RiskGroup)
    list_title = _l("Risk groups")
    show_title, add_title, edit_title = _l("Risk group"), _l("Add risk group"), _l("Edit risk group")
    list_columns = ["code", "name_th", "name_en", "active", "sort_order"]
    add_columns = edit_columns = list_columns


# The screen that shows each kind of document a ledger line points at.
DOCUMENT_VIEWS = {"receipt": ReceiptView, "daily_count": DailyCountView, "allocation": AllocationView,
                  "allocation_line": ShipmentView, "distribution": DistributionView, "adjustment": AdjustmentView}


def document_link(document_type, document_id):
    """"Distribution no. 12", linked to its page (scoped like every page)."""
    text = gettext("%(document)s no. %(number)s", document=label(RECORD_TYPE_LABELS, document_type),
                   number=document_id)
    view = DOCUMENT_VIEWS.get(document_type)
    if view is None:
        return text
    return Markup('<a href="{}">{}</a>').format(url_for(f"{view.__name__}.show", pk=document_id), text)


class PrintView(BaseView):
    """Printable documents: dispatch note and signed count report (Thai digits)."""

    route_base = "/print"
    class_permission_name = PRINT_VIEW
    method_permission_name = {"allocation": PRINT, "count": PRINT}

    @expose("/allocation/<int:pk>")
    @has_access
    def allocation(self, pk):
        allocation = in_scope_or_404(Allocation, pk)
        return self.render_template("print_allocation.html", allocation=allocation)

    @expose("/count/<int:pk>")
    @has_access
    def count(self, pk):
        count = in_scope_or_404(DailyCount, pk)
        return self.render_template("print_count.html", count=count, members=json.loads(count.members or "[]"))
