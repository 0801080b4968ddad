"""The daily work through the REST API: receipts, counts (save, sign),
allocations and their shipments (confirm, recall), distributions (and their
reversal), adjustments and "nothing today". Each resource lists and shows the
documents of the caller's area (scoped like every FAB query) and writes
through the same operation as the today page's form (app/commands/), inside
MaskLogApiMixin.write (idempotency, write limit, one transaction)."""
from __future__ import annotations

import json

from app.api.base import ScopedModelApi
from app.api.schemas import (AdjustmentOut, Body, AdjustmentPost, AllocationOut, AllocationPost, ConfirmationPost, CountOut,
                             CountPost, DistributionOut, DistributionPost, NoActivityOut, NoActivityPost, ReasonPost,
                             ReceiptOut, ReceiptPost, ShipmentOut)
from app.commands.adjustment import Adjust, AdjustmentInput
from app.commands.allocation import (Allocate, AllocationInput, ConfirmationInput, ConfirmShipment, RecallInput,
                                     RecallShipment)
from app.commands.count import CountInput, CountLineInput, SaveCount, SignCount, SignInput
from app.commands.distribution import Distribute, DistributionInput, ReversalInput, ReverseDistribution
from app.commands.no_activity import NoActivityInput, ReportNoActivity
from app.commands.receipt import ReceiptInput, RecordReceipt
from app.extensions import db
from app.fab.datamodel import ScopedSQLAInterface
from app.models.ledger import Adjustment, Allocation, AllocationLine, DailyCount, Distribution, Receipt
from app.models.rollup import DailyReport
from app.permissions import CONFIRM, COUNT, RECORD, TODAY, TODAY_VIEW
from app.queries.count_sheet import next_count_day
from flask_appbuilder.api import expose
from flask_appbuilder.security.decorators import permission_name, protect

from app.api.errors import api_errors

class _EmptyBody(Body):
    """Endpoints that need no input (an empty object, or nothing, is sent)."""


_EMPTY = _EmptyBody()
# One instance of each body and answer schema per process (building one costs more than using it).
_SCHEMAS = {schema: schema() for schema in (
    ReceiptPost, CountPost, AllocationPost, ConfirmationPost, ReasonPost, DistributionPost, AdjustmentPost,
    NoActivityPost, ReceiptOut, CountOut, AllocationOut, ShipmentOut, DistributionOut, AdjustmentOut, NoActivityOut)}
# Reads: every role that has a today page; writes: the form's own permission.
_READ = {"get": TODAY, "get_list": TODAY}


def _created(result_schema):
    def answer(document):
        return {"id": document.id, "result": result_schema.dump(document)}
    return answer


def _write_spec(summary: str, body: str | None, result: str, status: int = 201, extra: str = "",
                with_id: bool = True, answer_extra: str = "") -> str:
    """The OpenAPI text of a write endpoint (FAB reads the YAML after '---').
    `body` None: no body needed (an empty object at most). `answer_extra`: more
    properties of the answer, beside id and result."""
    body_schema = f"$ref: '#/components/schemas/{body}'" if body else "type: object\n                  additionalProperties: false"
    id_property = "id:\n                        type: integer\n                      " if with_id else ""
    required = "[id, result]" if with_id else "[result]"
    return f"""{summary}
        ---
        post:
          summary: {json.dumps(summary, ensure_ascii=False)}
          description: >-
            Runs the same operation as the form, with the same Thai validation, scoping and audit.
            Send an Idempotency-Key header to make a retry safe: the same key and body return the
            first answer (header Idempotent-Replayed: true); the same key with another body is 422.
          parameters:
          - in: header
            name: Idempotency-Key
            required: false
            schema:
              type: string
              minLength: 1
              maxLength: 255
          {extra}
          requestBody:
            required: {'true' if body else 'false'}
            content:
              application/json:
                schema:
                  {body_schema}
          responses:
            {status}:
              description: Done
              headers:
                Idempotent-Replayed:
                  description: "true: the first answer to this Idempotency-Key, nothing written again"
                  schema:
                    type: string
                    enum: ["true"]
              content:
                application/json:
                  schema:
                    type: object
                    required: {required}
                    properties:
                      {id_property}result:
                        $ref: '#/components/schemas/{result}'{answer_extra}
        """


_PK = """- in: path
            name: pk
            required: true
            schema:
              type: integer"""


def _doc(text):
    """Give a handler its OpenAPI docstring (f-strings cannot be docstrings)."""
    def decorate(function):
        function.__doc__ = text
        return function
    return decorate


class ReceiptApi(ScopedModelApi):
    resource_name = "receipt"
    openapi_spec_tag = "รับเข้า (receipt)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(Receipt)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "create": RECORD}
    include_route_methods = {"get", "get_list", "create"}
    list_columns = show_columns = ["id", "unit_id", "item_id", "receipt_date", "source", "reference_no",
                                   "quantity_sent", "status", "counted_quantity", "created_by_id", "created_on"]
    list_model_schema = show_model_schema = ReceiptOut()
    search_columns = ["unit_id", "item_id", "receipt_date", "status", "reference_no"]
    order_columns = ["id", "receipt_date", "created_on"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (ReceiptPost, ReceiptOut)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Record a receipt (it enters stock when the day's count is signed).", "ReceiptPost",
                      "ReceiptOut", answer_extra="""
                      count_date:
                        type: string
                        format: date
                        description: The count that takes it in (the next unsigned one when its day's is signed)"""))
    def create(self):
        def run(actor, data):
            return RecordReceipt(db.session, actor, ReceiptInput(
                unit_id=data["unit_id"], item_id=data["item_id"], date=data["date"], source=data["source"],
                reference_no=data["reference_no"], quantity_sent=data["quantity_sent"])).run()

        def answer(receipt):
            answered = _created(_SCHEMAS[ReceiptOut])(receipt)
            # Which count takes it in (the next unsigned one when its day's count is signed).
            answered["count_date"] = next_count_day(db.session, receipt.unit_id, receipt.item_id,
                                                    receipt.receipt_date).isoformat()
            return answered

        return self.write(_SCHEMAS[ReceiptPost], run, answer)


class CountApi(ScopedModelApi):
    resource_name = "count"
    openapi_spec_tag = "ตรวจนับ (count)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(DailyCount)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "create": COUNT, "sign": COUNT}
    include_route_methods = {"get", "get_list", "create", "sign"}
    list_columns = show_columns = ["id", "unit_id", "item_id", "count_date", "status", "physical_count",
                                   "book_balance", "members", "chair_name", "note", "created_by_id",
                                   "signed_by_id", "signed_on", "created_on"]
    list_model_schema = show_model_schema = CountOut()
    search_columns = ["unit_id", "item_id", "count_date", "status"]
    order_columns = ["id", "count_date"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (CountPost, CountOut)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Save the day's count as a draft (again and again), or save and sign it (sign: true).",
                      "CountPost", "CountOut", status=200))
    def create(self):
        def run(actor, data):
            return SaveCount(db.session, actor, CountInput(
                unit_id=data["unit_id"], item_id=data["item_id"], date=data["date"],
                lines=[CountLineInput(line["receipt_id"], line["counted"], line["damaged"], line["missing"],
                                      line["reason"]) for line in data["lines"]],
                members=data["members"], chair_name=data["chair_name"], physical_count=data["physical_count"],
                note=data["note"], sign=data["sign"], default_below=data["default_below"])).run()

        # 200, not 201: saving again updates the day's one count.
        return self.write(_SCHEMAS[CountPost], run, _created(_SCHEMAS[CountOut]), status=200)

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("sign")
    @_doc(_write_spec("The chair signs a saved draft: it is locked and its counted arrivals enter stock.",
                      None, "CountOut", status=200, extra=_PK))
    def sign(self, pk):
        self.in_scope_or_404(DailyCount, pk)
        return self.write(_EMPTY, lambda actor, _data: SignCount(db.session, actor, SignInput(pk)).run(),
                          _created(_SCHEMAS[CountOut]), status=200)


class AllocationApi(ScopedModelApi):
    resource_name = "allocation"
    openapi_spec_tag = "จัดสรร (allocation)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(Allocation)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "create": RECORD}
    include_route_methods = {"get", "get_list", "create"}
    list_columns = show_columns = ["id", "unit_id", "item_id", "allocation_date", "document_no", "created_by_id",
                                   "created_on"]
    list_model_schema = show_model_schema = AllocationOut()
    search_columns = ["unit_id", "item_id", "allocation_date", "document_no"]
    order_columns = ["id", "allocation_date"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (AllocationPost, AllocationOut)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Allocate to units below (one dispatch sheet): the stock leaves at once and is in transit "
                      "until each receiver confirms.", "AllocationPost", "AllocationOut"))
    def create(self):
        def run(actor, data):
            return Allocate(db.session, actor, AllocationInput(
                unit_id=data["unit_id"], item_id=data["item_id"], date=data["date"], document_no=data["document_no"],
                shares=[(share["unit_id"], share["quantity"]) for share in data["shares"]])).run()

        return self.write(_SCHEMAS[AllocationPost], run, _created(_SCHEMAS[AllocationOut]))


class ShipmentApi(ScopedModelApi):
    """The lines of allocations, one per receiving unit: what is in transit,
    confirmed or recalled. Scoped by the receiver (its sender lies above it)."""

    resource_name = "shipment"
    openapi_spec_tag = "การส่งของและยืนยันรับ (shipment)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(AllocationLine)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "confirm": CONFIRM, "recall": RECORD}
    include_route_methods = {"get", "get_list", "confirm", "recall"}
    list_columns = show_columns = ["id", "allocation_id", "unit_id", "quantity_sent", "status",
                                   "confirmed_quantity", "discrepancy", "discrepancy_reason", "confirm_date",
                                   "confirmed_by_id", "recall_date", "recall_reason", "recalled_by_id"]
    list_model_schema = show_model_schema = ShipmentOut()
    search_columns = ["unit_id", "allocation_id", "status"]
    order_columns = ["id"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (
        ConfirmationPost, ReasonPost, ShipmentOut)

    @expose("/<int:pk>/confirm", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("confirm")
    @_doc(_write_spec("The receiving unit confirms what arrived (only its own users may).", "ConfirmationPost",
                      "ShipmentOut", status=200, extra=_PK))
    def confirm(self, pk):
        self.in_scope_or_404(AllocationLine, pk)
        return self.write(_SCHEMAS[ConfirmationPost], lambda actor, data: ConfirmShipment(db.session, actor, ConfirmationInput(
            line_id=pk, received=data["received"], reason=data["reason"], confirm_date=data["date"])).run(),
            _created(_SCHEMAS[ShipmentOut]), status=200)

    @expose("/<int:pk>/recall", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("recall")
    @_doc(_write_spec("The sender recalls a shipment not confirmed yet; the pieces come back today.", "ReasonPost",
                      "ShipmentOut", status=200, extra=_PK))
    def recall(self, pk):
        self.in_scope_or_404(AllocationLine, pk)
        return self.write(_SCHEMAS[ReasonPost], lambda actor, data: RecallShipment(db.session, actor, RecallInput(
            line_id=pk, reason=data["reason"])).run(), _created(_SCHEMAS[ShipmentOut]), status=200)


class DistributionApi(ScopedModelApi):
    resource_name = "distribution"
    openapi_spec_tag = "แจกจ่าย (distribution)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(Distribution)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "create": RECORD, "reverse": RECORD}
    include_route_methods = {"get", "get_list", "create", "reverse"}
    list_columns = show_columns = ["id", "unit_id", "item_id", "distribution_date", "reversed", "created_by_id",
                                   "created_on"]
    list_model_schema = show_model_schema = DistributionOut()
    search_columns = ["unit_id", "item_id", "distribution_date", "reversed"]
    order_columns = ["id", "distribution_date"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (
        DistributionPost, DistributionOut, ReasonPost)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Distribute to the risk groups (several groups on one document).", "DistributionPost",
                      "DistributionOut"))
    def create(self):
        def run(actor, data):
            return Distribute(db.session, actor, DistributionInput(
                unit_id=data["unit_id"], item_id=data["item_id"], date=data["date"],
                lines=[(line["risk_group_id"], line["quantity"], line["people_reached"])
                       for line in data["lines"]])).run()

        return self.write(_SCHEMAS[DistributionPost], run, _created(_SCHEMAS[DistributionOut]))

    @expose("/<int:pk>/reverse", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("reverse")
    @_doc(_write_spec("Reverse a distribution recorded by mistake (whole, once, with a reason).", "ReasonPost",
                      "DistributionOut", status=200, extra=_PK))
    def reverse(self, pk):
        self.in_scope_or_404(Distribution, pk)
        return self.write(_SCHEMAS[ReasonPost], lambda actor, data: ReverseDistribution(db.session, actor, ReversalInput(
            distribution_id=pk, reason=data["reason"])).run(), _created(_SCHEMAS[DistributionOut]), status=200)


class AdjustmentApi(ScopedModelApi):
    resource_name = "adjustment"
    openapi_spec_tag = "ปรับปรุงยอด (adjustment)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(Adjustment)
    class_permission_name = TODAY_VIEW
    method_permission_name = {**_READ, "create": RECORD}
    include_route_methods = {"get", "get_list", "create"}
    list_columns = show_columns = ["id", "unit_id", "item_id", "adjustment_date", "kind", "quantity", "reason",
                                   "created_by_id", "created_on"]
    list_model_schema = show_model_schema = AdjustmentOut()
    search_columns = ["unit_id", "item_id", "adjustment_date", "kind"]
    order_columns = ["id", "adjustment_date"]
    base_order = ("id", "desc")
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (AdjustmentPost, AdjustmentOut)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Record an adjustment: loss, damage and expiry take stock out; a correction goes either way.",
                      "AdjustmentPost", "AdjustmentOut"))
    def create(self):
        def run(actor, data):
            return Adjust(db.session, actor, AdjustmentInput(
                unit_id=data["unit_id"], item_id=data["item_id"], date=data["date"], kind=data["kind"],
                quantity=data["quantity"], reason=data["reason"])).run()

        return self.write(_SCHEMAS[AdjustmentPost], run, _created(_SCHEMAS[AdjustmentOut]))


class NoActivityApi(ScopedModelApi):
    """"Nothing to record today" (วันนี้ไม่มีรายการ): the unit has reported."""

    resource_name = "no_activity"
    openapi_spec_tag = "วันนี้ไม่มีรายการ (no_activity)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(DailyReport)
    class_permission_name = TODAY_VIEW
    method_permission_name = {"create": RECORD}
    include_route_methods = {"create"}
    openapi_spec_component_schemas = ScopedModelApi.openapi_spec_component_schemas + (NoActivityPost, NoActivityOut)

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @permission_name("create")
    @_doc(_write_spec("Report that the unit had nothing to record that day (one tap on the today page).",
                      "NoActivityPost", "NoActivityOut", status=200, with_id=False))
    def create(self):
        def run(actor, data):
            command = ReportNoActivity(db.session, actor, NoActivityInput(data["unit_id"], data["date"]))
            recorded = command.run()
            return {"unit_id": command.unit.id, "date": command.day, "recorded": recorded}

        return self.write(_SCHEMAS[NoActivityPost], run, lambda result: {"result": _SCHEMAS[NoActivityOut].dump(result)}, status=200)

DOCUMENT_APIS = (ReceiptApi, CountApi, AllocationApi, ShipmentApi, DistributionApi, AdjustmentApi, NoActivityApi)
