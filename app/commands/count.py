"""The counting committee's daily count: a draft saved as often as needed,
then signed by the chair — which locks it and puts the counted arrivals into
stock. One count per unit, item and day."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Iterable, Optional

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app.commands.base import Command, DocumentCommand, DocumentInput, check_unit, clean_text, item_id_of
from app.db.audit import record
from app.db.ids import is_stored_id
from app.db.compiled import insert_row
from app.db.documents import check_form_token
from app.errors import DomainError, FieldErrors, OutOfScope
from app.models.ledger import DailyCount, DailyCountLine, UnitCommittee
from app.queries.count_sheet import arrivals_to_count, count_of_day
from app.rollups.contributions import COUNTED_RECEIPT
from app.rollups.pending import contribute, mark_reported
from app.stock import balance_on, post
from app.thai import format_number, parse_quantity, thai_date

MIN_COMMITTEE = 3


@dataclass
class CountLineInput:
    receipt_id: int
    counted: object
    damaged: object = 0
    missing: object = 0
    reason: object = ""


@dataclass(kw_only=True)
class CountInput(DocumentInput):
    lines: list = field(default_factory=list)  # CountLineInput per arrival counted
    members: list = field(default_factory=list)  # [{"name", "position"}]; blank names are skipped
    chair_name: object = None
    physical_count: object = None
    note: object = None
    sign: bool = False  # save, then sign in the same transaction
    # On signing: is this committee the default for the units below that have none? None: as on file.
    default_below: Optional[bool] = None


def _members(raw_members: Iterable[dict], errors: dict) -> list:
    """The named members in row order; a name without a position is an error of its row."""
    members = []
    for row, member in enumerate(raw_members or []):
        name = " ".join(str(member.get("name") or "").split())
        position = " ".join(str(member.get("position") or "").split())
        if name:
            if not position:
                errors[f"member-{row}"] = _("Please enter the position of committee member %(name)s.", name=name)
            members.append({"name": name[:255], "position": position[:255]})
    return members


def check_committee(members: list, chair_name: Optional[str], errors: Optional[dict] = None) -> None:
    """What a signature needs: enough members with positions, the chair among
    them. With `errors`, each problem is added there instead of raised."""
    found = {}
    if len(members) < MIN_COMMITTEE:
        found["members"] = _("A count needs at least %(n)s committee members with their positions.", n=MIN_COMMITTEE)
    if not chair_name or chair_name not in {m["name"] for m in members}:
        found["chair"] = _("Please choose the chair from the committee members.")
    if errors is not None:
        errors.update(found)
    elif found:
        raise FieldErrors(found)


def check_physical_count(physical_count: Optional[int], errors: Optional[dict] = None) -> None:
    """A count is signed only with the committee's physical count of all stock on hand."""
    if physical_count is None:
        message = _("Please enter the physical count of all stock on hand before the chair signs.")
        if errors is None:
            raise FieldErrors({"physical_count": message})
        errors["physical_count"] = message


def _refuse_if_signed(count: Optional[DailyCount], day: datetime.date) -> None:
    if count is not None and count.status == "signed":
        raise DomainError(_("The count of %(date)s is signed and locked; record an adjustment with a reason "
                            "to correct it.", date=thai_date(day)))


def _parse_line(line: CountLineInput, receipt) -> tuple:
    counted = parse_quantity(line.counted, _("the counted quantity"), allow_zero=True)
    damaged = parse_quantity(line.damaged or 0, _("the damaged quantity"), allow_zero=True)
    missing = parse_quantity(line.missing or 0, _("the missing quantity"), allow_zero=True)
    reason = clean_text(line.reason, _("the reason"), required=False, limit=500)
    if counted + damaged + missing != receipt.quantity_sent:
        raise DomainError(_(
            "Reference %(ref)s: counted %(counted)s + damaged %(damaged)s + missing %(missing)s must equal "
            "the %(sent)s pieces sent.", ref=receipt.reference_no, counted=format_number(counted),
            damaged=format_number(damaged), missing=format_number(missing),
            sent=format_number(receipt.quantity_sent)))
    if (damaged or missing) and not reason:
        raise DomainError(_("Reference %(ref)s: please give the reason for the damaged or missing pieces.",
                            ref=receipt.reference_no))
    return receipt, counted, damaged, missing, reason


class SaveCount(DocumentCommand):
    """Create or update the draft count of a unit, item and day; with
    `sign`, sign it too."""

    data: CountInput

    def validate(self) -> None:
        """Every problem of the sheet at once (FieldErrors), each keyed by its field."""
        data, session = self.data, self.session
        self.check_unit_item_day()
        check_form_token(data.form_token)
        _refuse_if_signed(count_of_day(session, self.unit.id, self.item.id, self.day), self.day)
        waiting = {r.id: r for r in arrivals_to_count(session, self.unit.id, self.item.id, self.day)}
        errors, self.lines = {}, []
        for line in data.lines:
            receipt = waiting.get(int(line.receipt_id))
            if receipt is None:
                raise DomainError(_("Receipt %(id)s is not waiting to be counted at this unit.", id=line.receipt_id))
            try:
                self.lines.append(_parse_line(line, receipt))
            except DomainError as error:
                errors[f"line-{receipt.id}"] = error.lazy_message
        self.members = _members(data.members, errors)
        self.chair = clean_text(data.chair_name, _("the chair"), required=False)
        self.physical = None
        if data.physical_count not in (None, ""):
            try:
                self.physical = parse_quantity(data.physical_count, _("the physical count"), allow_zero=True)
            except DomainError as error:
                errors["physical_count"] = error.lazy_message
        try:
            self.note = clean_text(data.note, _("the note"), required=False, limit=2000)
        except DomainError as error:
            errors["note"] = error.lazy_message
        if data.sign:
            check_committee(self.members, self.chair, errors)
            if "physical_count" not in errors:
                check_physical_count(self.physical, errors)
        if errors:
            raise FieldErrors(errors)

    def run(self) -> DailyCount:
        self.validate()
        count = self._day_count_locked()
        count.members = json.dumps(self.members, ensure_ascii=False)
        count.chair_name, count.physical_count, count.note = self.chair, self.physical, self.note
        # A saved-again draft replaces its lines. The old ones go first: the unit of
        # work would insert the new lines before deleting the old, and a receipt may
        # sit on one count line only (unique receipt_id).
        count.lines.clear()
        self.session.flush()
        count.lines.extend(DailyCountLine(receipt_id=r.id, quantity_sent=r.quantity_sent, counted=c, damaged=d,
                                          missing=m, reason=reason) for r, c, d, m, reason in self.lines)
        self.session.flush()
        mark_reported(self.session, self.unit, self.day, "count", self.actor)
        record(self.session, self.actor, "save_draft", "daily_count", count.id, self.unit.id,
               after={"lines": [[r.id, c, d, m] for r, c, d, m, _r in self.lines], "members": self.members,
                      "chair": self.chair, "physical_count": self.physical})
        if self.data.sign:
            sign(self.session, self.actor, count, default_below=self.data.default_below)
        return count

    def _day_count_locked(self) -> DailyCount:
        """The day's count, created as an empty draft when there is none, and
        locked: two members saving the first draft at the same moment get one
        count (the second waits for the first, then updates it) instead of a
        unique-key error."""
        key = {"unit_id": self.unit.id, "item_id": self.item.id, "count_date": self.day}
        insert_row(self.session, DailyCount, {**key, "created_by_id": self.actor_id,
                                              "form_token": self.data.form_token or None},
                   do_nothing_on=("unit_id", "item_id", "count_date"))
        count = self.session.execute(select(DailyCount).filter_by(**key).with_for_update()).scalar_one()
        _refuse_if_signed(count, self.day)  # signed while this request was validating
        return count


@dataclass
class SignInput:
    count_id: int


class SignCount(Command):
    """The chair signs a saved draft."""

    data: SignInput

    def validate(self) -> None:
        self.count = self.session.get(DailyCount, self.data.count_id) if is_stored_id(self.data.count_id) else None
        if self.count is None:
            raise OutOfScope(_("This unit is outside the area you manage."))
        check_unit(self.session, self.actor, self.count.unit_id)

    def run(self) -> DailyCount:
        self.validate()
        return sign(self.session, self.actor, self.count)


def sign(session, actor, count: DailyCount, default_below: Optional[bool] = None) -> DailyCount:
    """Lock the count, put its counted arrivals into stock and keep its
    committee on file for the next sheet (the unit is already checked)."""
    session.refresh(count, with_for_update=True)  # a second signature at the same moment waits, then sees "signed"
    if count.status == "signed":
        raise DomainError(_("This count is already signed and locked."))
    check_committee(json.loads(count.members or "[]"), count.chair_name)
    check_physical_count(count.physical_count)
    for line in count.lines:
        if line.receipt.status != "awaiting_count":
            raise DomainError(_("Reference %(ref)s has already been counted.", ref=line.receipt.reference_no))
    for line in count.lines:
        if line.counted:
            post(session, unit=count.unit, item_id=count.item_id, quantity=line.counted, kind="receipt",
                 document_type="daily_count", document_id=count.id, actor=actor, entry_date=count.count_date)
        line.receipt.status = "counted"
        line.receipt.counted_quantity = line.counted
        contribute(session, COUNTED_RECEIPT, count.unit, count.item_id, count.count_date, line)
    session.flush()
    # The book stock of the count's day, kept with the signature: the sheet shows it
    # as signed, whatever moves later (a back-dated count must not take today's).
    count.book_balance = balance_on(session, count.unit_id, count.item_id, count.count_date)
    count.status = "signed"
    count.signed_by_id = getattr(actor, "id", None)
    count.signed_on = datetime.datetime.utcnow()
    session.flush()
    keep_committee(session, actor, count, default_below)
    record(session, actor, "sign", "daily_count", count.id, count.unit_id, before={"status": "draft"},
           after={"status": "signed", "book_balance": count.book_balance, "physical_count": count.physical_count,
                  "counted": sum(line.counted for line in count.lines)})
    return count


def keep_committee(session, actor, count: DailyCount, default_below: Optional[bool]) -> None:
    """The signed committee becomes the unit's committee on file (one row per
    unit, written whole: the committee that signed last is the one that counts)."""
    # Two items' counts of one unit signed at the same moment: one row, the second waits.
    insert_row(session, UnitCommittee, {"unit_id": count.unit_id, "members": "[]", "default_below": False},
               do_nothing_on=("unit_id",))
    on_file = session.execute(select(UnitCommittee).filter_by(unit_id=count.unit_id)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if default_below is not None:
        on_file.default_below = default_below
    on_file.members, on_file.chair_name = count.members, count.chair_name
    on_file.changed_by_id = getattr(actor, "id", None)
    session.flush()


def save_count(session, actor, *, unit, item=None, count_date=None, lines=(), members=(), chair_name=None,
               physical_count=None, note=None, form_token=None, sign=False, default_below=None) -> DailyCount:
    """Keyword form for scripts, tests and dev data: the same SaveCount.run()."""
    return SaveCount(session, actor, CountInput(
        unit_id=unit.id, item_id=item_id_of(item), date=count_date, lines=list(lines), members=list(members),
        chair_name=chair_name, physical_count=physical_count, note=note, form_token=form_token, sign=sign,
        default_below=default_below)).run()


def sign_count(session, actor, count: DailyCount) -> DailyCount:
    """Keyword form: the same SignCount.run()."""
    return SignCount(session, actor, SignInput(count.id)).run()
