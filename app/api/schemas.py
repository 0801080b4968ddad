"""The REST API's request and response bodies (marshmallow), which are also
its OpenAPI components (FAB's spec at /api/v1/_openapi reads them).

Requests are checked for shape only (types, required fields, no unknown
field): the values themselves — quantities typed with Thai digits and
thousands separators, B.E. or C.E. dates, scoping, stock — are checked by the
operation, as for the forms (app/commands/). A shape error is answered like
a FieldErrors of the operation: 422, code `invalid_fields`, one message per
field in English and Thai."""
from __future__ import annotations

import datetime
import json

from flask_babel import get_locale
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from marshmallow.schema import SchemaMeta

from app.db.ids import MAX_ID
from app.errors import FieldErrors

ID = dict(strict=True, validate=validate.Range(1, MAX_ID))
QUANTITY_DOC = {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 10_000_000},
                          {"type": "string", "maxLength": 32}],
                "description": "Pieces: a whole number, or text as typed on the forms (Thai digits, "
                               "thousands separators: \"๑,๒๐๐\")."}
DATE_DOC = {"type": "string", "nullable": True, "maxLength": 32, "example": "2569-12-07",
            "description": "The document's date: ISO (2026-12-07), or B.E. as on the forms (7/12/2569, "
                           "2569-12-07); blank or absent means today (Asia/Bangkok)."}


class Quantity(fields.Field):
    """Pieces as sent: a JSON integer or a string of digits; the operation parses it."""

    def __init__(self, **kwargs):
        super().__init__(metadata=QUANTITY_DOC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, str)) or \
                (isinstance(value, str) and len(value) > 32):
            raise ValidationError("Must be a whole number, or a string of at most 32 characters.")
        return value


class DateText(fields.Field):
    """A date as sent (the operation parses B.E., C.E., Thai digits)."""

    def __init__(self, **kwargs):
        super().__init__(metadata=DATE_DOC, allow_none=True, load_default=None, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 32:
            raise ValidationError("Must be a date as text, at most 32 characters.")
        return value


def _text(limit: int, required: bool = True, description: str = "", **kwargs):
    return fields.String(required=required, allow_none=not required, validate=validate.Length(max=limit * 4),
                         metadata={"description": description, "maxLength": limit}, **kwargs)


class Bilingual:
    """A message that reads in English or Thai, whichever locale is in force
    (FieldErrors.errors_in_locale asks under each)."""

    def __init__(self, english: str, thai: str):
        self.english, self.thai = english, thai

    def __str__(self) -> str:
        return self.thai if str(get_locale() or "th").startswith("th") else self.english


def _flatten(messages, prefix: str = "") -> dict:
    flat = {}
    for name, value in messages.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return flat


def load(schema: Schema, body: dict) -> dict:
    """The body checked against `schema`, or FieldErrors (422) naming each field."""
    try:
        return schema.load(body)
    except ValidationError as error:
        problems = _flatten(error.messages if isinstance(error.messages, dict) else {"_body": error.messages})
        raise FieldErrors({
            name: Bilingual(f"{name}: {english}",
                            f"ช่อง {name}: ไม่ได้ส่งมา" if "required" in english.lower() or "missing" in english.lower()
                            else f"ช่อง {name}: ไม่มีช่องนี้" if "unknown field" in english.lower()
                            else f"ช่อง {name}: ข้อมูลไม่ถูกต้อง ({english})")
            for name, english in problems.items()}) from None


# ---------------------------------------------------------------- request bodies

class Body(Schema):
    class Meta:
        unknown = RAISE


class _DocumentBody(Body):
    unit_id = fields.Integer(required=True, **ID, metadata={"description": "The unit the document belongs to."})
    item_id = fields.Integer(load_default=None, allow_none=True, **ID,
                             metadata={"description": "Absent: the default item (surgical masks)."})
    date = DateText()


class ReceiptPost(_DocumentBody):
    source = _text(255, description="Where the masks came from (ศบค.มท., a purchase, ...).")
    reference_no = _text(64, description="The reference document number.")
    quantity_sent = Quantity(required=True)


class CountLinePost(Body):
    receipt_id = fields.Integer(required=True, **ID)
    counted = Quantity(required=True)
    damaged = Quantity(load_default=0)
    missing = Quantity(load_default=0)
    reason = _text(500, required=False, load_default=None)


class MemberPost(Body):
    name = _text(255)
    position = _text(255, required=False, load_default=None)


class CountPost(_DocumentBody):
    lines = fields.List(fields.Nested(CountLinePost), load_default=list, validate=validate.Length(max=500),
                        metadata={"description": "One line per receipt awaiting this count."})
    members = fields.List(fields.Nested(MemberPost), load_default=list, validate=validate.Length(max=30))
    chair_name = _text(255, required=False, load_default=None)
    physical_count = Quantity(load_default=None, allow_none=True)
    note = _text(2000, required=False, load_default=None)
    sign = fields.Boolean(load_default=False, metadata={"description": "Save, then sign in the same request."})
    default_below = fields.Boolean(load_default=None, allow_none=True)


class SharePost(Body):
    unit_id = fields.Integer(required=True, **ID, metadata={"description": "A unit below the sender."})
    quantity = Quantity(required=True)


class AllocationPost(_DocumentBody):
    document_no = _text(64, description="The dispatch document number.")
    shares = fields.List(fields.Nested(SharePost), required=True, validate=validate.Length(min=1, max=2000))


class ConfirmationPost(Body):
    received = Quantity(required=True)
    reason = _text(500, required=False, load_default=None,
                   description="Required when what arrived differs from what was sent.")
    date = DateText()


class ReasonPost(Body):
    reason = _text(500)


class DistributionLinePost(Body):
    risk_group_id = fields.Integer(required=True, **ID)
    quantity = Quantity(required=True)
    people_reached = Quantity(required=True)


class DistributionPost(_DocumentBody):
    lines = fields.List(fields.Nested(DistributionLinePost), required=True, validate=validate.Length(min=1, max=20))


class AdjustmentPost(_DocumentBody):
    kind = fields.String(required=True, validate=validate.OneOf(["loss", "damage", "expiry", "correction"]))
    quantity = Quantity(required=True)
    reason = _text(500)


class NoActivityPost(Body):
    unit_id = fields.Integer(required=True, **ID)
    date = DateText()


# ---------------------------------------------------------------- responses

class _AllRequired(SchemaMeta):
    def __new__(mcs, name, bases, attrs):
        klass = super().__new__(mcs, name, bases, attrs)
        for field in klass._declared_fields.values():
            field.required = True
        return klass


class _Out(Schema, metaclass=_AllRequired):
    """An answer's shape: every field of it is always there (null where allowed),
    so the spec lists them all as required."""

    class Meta:
        unknown = EXCLUDE
        ordered = True


class UtcDateTime(fields.DateTime):
    """A moment as stored (UTC, without an offset), answered with its offset:
    2026-12-07T03:04:05+00:00 (RFC 3339, what "format: date-time" means)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class ItemOut(_Out):
    id = fields.Integer()
    code = fields.String()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    unit_label = fields.String()
    active = fields.Boolean()
    is_default = fields.Boolean()


class RiskGroupOut(_Out):
    id = fields.Integer()
    code = fields.String()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    active = fields.Boolean()


class _DocumentOut(_Out):
    id = fields.Integer()
    unit_id = fields.Integer()
    # From the unit, already in the session (a column_property would cost a SELECT after every insert).
    unit_code = fields.Function(lambda document: document.unit.code, metadata={"type": "string"})
    item_id = fields.Integer()
    created_by_id = fields.Integer(allow_none=True)
    created_on = UtcDateTime()


class ReceiptOut(_DocumentOut):
    receipt_date = fields.Date()
    source = fields.String()
    reference_no = fields.String()
    quantity_sent = fields.Integer()
    status = fields.String(metadata={"enum": ["awaiting_count", "counted"]})
    counted_quantity = fields.Integer(allow_none=True)


class CountLineOut(_Out):
    receipt_id = fields.Integer()
    quantity_sent = fields.Integer()
    counted = fields.Integer()
    damaged = fields.Integer()
    missing = fields.Integer()
    reason = fields.String(allow_none=True)


class MemberOut(_Out):
    name = fields.String()
    position = fields.String(allow_none=True)


class CountOut(_Out):
    id = fields.Integer()
    unit_id = fields.Integer()
    item_id = fields.Integer()
    count_date = fields.Date()
    status = fields.String(metadata={"enum": ["draft", "signed"]})
    physical_count = fields.Integer(allow_none=True)
    book_balance = fields.Integer(allow_none=True)
    members = fields.Method("members_list", metadata={"type": "array", "items": {
        "type": "object", "properties": {"name": {"type": "string"}, "position": {"type": "string"}}}})
    chair_name = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    signed_by_id = fields.Integer(allow_none=True)
    signed_on = UtcDateTime(allow_none=True)
    created_on = UtcDateTime()
    lines = fields.List(fields.Nested(CountLineOut))

    def members_list(self, count) -> list:
        return json.loads(count.members or "[]")


class ShipmentOut(_Out):
    id = fields.Integer()
    allocation_id = fields.Integer()
    sender_unit_id = fields.Function(lambda line: line.allocation.unit_id, metadata={"type": "integer"})
    unit_id = fields.Integer(metadata={"description": "The receiving unit."})
    item_id = fields.Function(lambda line: line.allocation.item_id, metadata={"type": "integer"})
    allocation_date = fields.Function(lambda line: line.allocation.allocation_date.isoformat(),
                                      metadata={"type": "string", "format": "date"})
    document_no = fields.Function(lambda line: line.allocation.document_no, metadata={"type": "string"})
    quantity_sent = fields.Integer()
    status = fields.String(metadata={"enum": ["in_transit", "confirmed", "recalled"]})
    confirmed_quantity = fields.Integer(allow_none=True)
    discrepancy = fields.Integer(allow_none=True)
    discrepancy_reason = fields.String(allow_none=True)
    confirm_date = fields.Date(allow_none=True)
    confirmed_by_id = fields.Integer(allow_none=True)
    recall_date = fields.Date(allow_none=True)
    recall_reason = fields.String(allow_none=True)
    recalled_by_id = fields.Integer(allow_none=True)


class AllocationOut(_DocumentOut):
    allocation_date = fields.Date()
    document_no = fields.String()
    lines = fields.List(fields.Nested(ShipmentOut))


class DistributionLineOut(_Out):
    risk_group_id = fields.Integer()
    quantity = fields.Integer()
    people_reached = fields.Integer()


class DistributionOut(_DocumentOut):
    distribution_date = fields.Date()
    reversed = fields.Boolean()
    lines = fields.List(fields.Nested(DistributionLineOut))


class AdjustmentOut(_DocumentOut):
    adjustment_date = fields.Date()
    kind = fields.String(metadata={"enum": ["loss", "damage", "expiry", "correction"]})
    quantity = fields.Integer(metadata={"description": "Signed: negative takes stock out."})
    reason = fields.String()


class LedgerLineOut(_Out):
    id = fields.Integer()
    unit_id = fields.Integer()
    item_id = fields.Integer()
    entry_date = fields.Date()
    kind = fields.String()
    quantity = fields.Integer(metadata={"description": "Signed: + in, - out."})
    document_type = fields.String()
    document_id = fields.Integer()
    created_on = UtcDateTime()


class NoActivityOut(_Out):
    unit_id = fields.Integer()
    date = fields.Date()
    recorded = fields.Boolean(metadata={"description": "False: the unit had already reported that day; "
                                                      "its first report is what counts."})


class FieldMessageOut(_Out):
    en = fields.String()
    th = fields.String()


class ErrorOut(Schema):
    """Every error of the API: code, message, message_th and field are always there."""

    code = fields.String(required=True, metadata={
        "description": "Stable machine code: invalid, invalid_fields, out_of_scope, insufficient_stock, conflict, "
                       "not_found, not_signed_in, forbidden, idempotency_key_reused, too_many_requests, ..."})
    message = fields.String(required=True, metadata={"description": "English."})
    message_th = fields.String(required=True, metadata={"description": "Thai, as the forms say it."})
    field = fields.String(required=True, allow_none=True,
                          metadata={"description": "The input field concerned, or null."})
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.Nested(FieldMessageOut),
                          metadata={"description": "invalid_fields: each field's message in English and Thai."})
