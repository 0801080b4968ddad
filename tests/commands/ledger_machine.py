"""A model-checked state machine of the stock ledger (hypothesis): random
receipts, counts, allocations, confirmations, distributions and adjustments,
mostly valid, on one small tree. Before each operation a model of the ledger
decides whether it must succeed or be refused, and why; after it the
database must agree with the model. Used by tests/commands/test_ledger_concurrency.py
and (with reversals, "nothing today" and a rollup rebuild) tests/commands/test_rollups.py."""
import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from app.commands.adjustment import adjust
from app.commands.allocation import allocate, confirm_receipt
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.distribution import distribute
from app.commands.receipt import record_receipt
from app.errors import DomainError, InsufficientStock
from app.extensions import db
from app.models.ledger import Allocation, AllocationLine, DailyCount, Distribution, Receipt, RiskGroup
from app.thai import today
from tests.helpers import COMMITTEE, balances, check_invariants, fresh_tree


OK, INVALID, NO_STOCK = "ok", "invalid", "not enough stock"  # what the model expects of an operation
STARTING_STOCK = 1000
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def mostly(usual, *unusual, odds=4):
    """Draws from `usual` `odds` times as often as from each `unusual` one:
    invalid input stays a minority, so most operations get somewhere. (Not
    st.one_of, which drops repeated strategies.)"""
    return st.sampled_from([usual] * odds + list(unusual)).flatmap(lambda strategy: strategy)


def typed(low, high):
    """A quantity as a form sends it: text in Arabic or Thai digits."""
    return st.builds(lambda n, thai: str(n).translate(THAI_DIGITS) if thai else str(n),
                     st.integers(low, high), st.booleans())


def number(text) -> int:
    return int(str(text).translate(ARABIC_DIGITS))


# One row of a dispatch sheet: "" is skipped; now and then more than any LAO holds.
SHARE = mostly(typed(1, 100), typed(-3, 0), st.just(""), typed(2000, 5000), odds=8)
LAO = 2  # the `who` of the LAO in a rule (0 and 1 are the end units)


def pick(data, fresh, used):
    """(an id, whether it is used up): mostly from `fresh`, now and then from
    `used` (a shipment already confirmed, a distribution already reversed),
    which the domain must refuse."""
    again = bool(used) and (not fresh or data.draw(mostly(st.just(False), st.just(True)), label="used up"))
    return data.draw(st.sampled_from(sorted(used if again else fresh)), label="id"), again


@dataclass
class Shipment:
    unit_id: int
    sent: int
    received: Optional[int] = None  # None while in transit


@dataclass
class Handout:
    unit_id: int
    pieces: int
    reversed: bool = False


@dataclass
class LedgerModel:
    """What the ledger must hold, recomputed from the operations that succeeded."""

    balance: Counter = field(default_factory=Counter)  # unit id -> pieces
    shipments: dict = field(default_factory=dict)  # allocation line id -> Shipment
    handouts: dict = field(default_factory=dict)  # distribution id -> Handout
    signed_days: set = field(default_factory=set)  # days whose LAO count is signed
    awaiting: set = field(default_factory=set)  # receipt ids recorded, not yet counted

    def can_take(self, unit_id, pieces) -> str:
        return OK if pieces <= self.balance[unit_id] else NO_STOCK

    def in_transit(self) -> set:
        return {line_id for line_id, shipment in self.shipments.items() if shipment.received is None}

    def standing(self) -> set:
        return {distribution_id for distribution_id, handout in self.handouts.items() if not handout.reversed}

    def state(self, unit_ids) -> dict:
        return {"balance": {unit_id: self.balance[unit_id] for unit_id in unit_ids},
                "shipments": {line_id: (s.sent, s.received) for line_id, s in self.shipments.items()},
                "reversed": {distribution_id: h.reversed for distribution_id, h in self.handouts.items()},
                "signed days": self.signed_days, "awaiting count": self.awaiting}


class LedgerMachine(RuleBasedStateMachine):
    """Random receipts, counts, allocations, confirmations, distributions and
    adjustments, mostly valid, on one small tree. Before each operation the
    model decides whether it must succeed or be refused (and why); the
    database must then agree with the model."""

    app = None
    successes, refusals = Counter(), Counter()  # per operation kind over a whole test (run_machine resets them)
    MUST_SUCCEED = ("allocate", "confirm", "distribute", "count", "adjust")

    def __init__(self):
        super().__init__()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.lao, self.children, self.people = fresh_tree(2)
        self.units = {unit.id: unit for unit in self.children + [self.lao]}
        self.unit_ids = list(self.units)  # indexed by a rule's `who`
        self.lao_id = self.unit_ids[LAO]
        self.actors = {self.lao_id: self.people["officer"],
                       **{unit_id: self.people[f"child{i}"] for i, unit_id in enumerate(self.unit_ids[:LAO])}}
        for unit in self.units.values():
            unit.created_on = datetime.datetime(2020, 1, 1)  # registered long ago: documents may be back-dated
        db.session.commit()
        self.groups = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
        self.model, self.writes, self.last_checked = LedgerModel(), 0, {}
        try:
            self._seed()
        except BaseException:
            self.teardown()  # hypothesis tears down only a machine it built: release SQLite's write lock
            raise

    def _seed(self):
        """Stock at the LAO, shipments on their way to both end units and one
        distribution, so that confirmations and reversals have something to
        act on from the first step. Made by the rules (the model follows) but
        not counted: the counters are about the operations hypothesis chose."""
        self.counting = False
        self.receive_and_count(STARTING_STOCK, counted_share=1.0, days_ago=0)
        self.allocate_sheet("40", "๓๐")
        self.distribute_some("20", "10", who=LAO)
        self.counting = True

    def teardown(self):
        db.session.rollback()
        self.ctx.pop()

    def _expect(self, kind, expected, operation):
        """Run and commit `operation`, which must succeed (OK) or be refused
        (INVALID, NO_STOCK) as the model expects. Returns its result, or None
        when refused. (Operations return ids: the commit expires the objects,
        and reading them again would cost a query.)"""
        try:
            result = operation()
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            assert expected != OK, f"{kind} refused, the model expected success: {error}"
            assert isinstance(error, InsufficientStock) == (expected == NO_STOCK), \
                f"{kind}: expected {expected}, refused with: {error}"
            if self.counting:
                self.refusals[f"{kind} ({expected})"] += 1
            return None
        assert expected == OK, f"{kind} succeeded, the model expected a refusal ({expected})"
        if self.counting:
            self.successes[kind] += 1
        self.writes += result is not False  # report_no_activity says False having written nothing
        return result

    @rule(quantity=mostly(st.integers(1, 300), st.integers(-5, 0)), counted_share=st.floats(0, 1),
          days_ago=mostly(st.integers(1, 6), st.just(0)))  # today's count is signed from the start
    def receive_and_count(self, quantity, counted_share, days_ago):
        """The receipt is recorded; its count signs only if that day's LAO
        count is not signed yet (one per unit, item and day)."""
        day, lao, committee = today() - datetime.timedelta(days=days_ago), self.lao, self.people["committee"]
        receipt_id = self._expect("receipt", OK if quantity > 0 else INVALID, lambda: record_receipt(
            db.session, self.people["officer"], unit=lao, receipt_date=day, source="ศบค.มท.", reference_no="R",
            quantity_sent=quantity).id)
        if receipt_id is None:
            return
        self.model.awaiting.add(receipt_id)
        counted = int(quantity * counted_share)
        lines = [CountLineInput(receipt_id, counted=counted, damaged=quantity - counted, reason="ชำรุด")]
        signed = self._expect("count", INVALID if day in self.model.signed_days else OK, lambda: sign_count(
            db.session, committee, save_count(db.session, committee, unit=lao, count_date=day, lines=lines,
                                              members=COMMITTEE, chair_name=COMMITTEE[0]["name"],
                                              physical_count=0)).id)
        if signed:
            self.model.balance[self.lao_id] += counted
            self.model.signed_days.add(day)
            self.model.awaiting.discard(receipt_id)

    @rule(first=SHARE, second=SHARE)
    def allocate_sheet(self, first, second):
        """Blank rows are skipped; every other quantity must be positive."""
        sent = {unit_id: number(raw) for unit_id, raw in zip(self.unit_ids, (first, second)) if raw != ""}
        expected = (INVALID if not sent or min(sent.values()) <= 0
                    else self.model.can_take(self.lao_id, sum(sent.values())))
        lines = self._expect("allocate", expected, lambda: [(line.id, line.unit_id) for line in allocate(
            db.session, self.people["officer"], unit=self.lao, allocation_date=today(), document_no="A",
            shares=[(self.children[0], first), (self.children[1], second)]).lines])
        if lines:
            self.model.balance[self.lao_id] -= sum(sent.values())
            self.model.shipments.update({line_id: Shipment(unit_id, sent[unit_id]) for line_id, unit_id in lines})

    @precondition(lambda self: self.model.in_transit())
    @rule(data=st.data())
    def confirm(self, data):
        """More than was sent is refused; so is a shipment confirmed before."""
        in_transit = self.model.in_transit()
        line_id, again = pick(data, in_transit, set(self.model.shipments) - in_transit)
        shipment = self.model.shipments[line_id]
        received = data.draw(mostly(st.integers(0, shipment.sent), st.integers(shipment.sent + 1, shipment.sent + 2)),
                             label="received")
        line = db.session.get(AllocationLine, line_id)
        done = self._expect("confirm", INVALID if again or received > shipment.sent else OK, lambda: confirm_receipt(
            db.session, self.actors[shipment.unit_id], line, confirmed_quantity=received, reason="ไม่ครบ").id)
        if done:
            shipment.received = received
            self.model.balance[shipment.unit_id] += received

    # Most distributions and adjustments at the LAO, which holds stock from
    # the start: the end units hold only what they confirmed. Now and then more people than pieces.
    @rule(pieces=mostly(typed(1, 80), typed(-2, 0), odds=8), people=mostly(typed(1, 10), st.just("0"), odds=8),
          who=mostly(st.just(LAO), st.integers(0, 1), odds=2))
    def distribute_some(self, pieces, people, who):
        """Pieces and people must be positive, people at most the pieces."""
        unit_id, n = self.unit_ids[who], number(pieces)
        expected = INVALID if n <= 0 or not 0 < number(people) <= n else self.model.can_take(unit_id, n)
        distribution_id = self._expect("distribute", expected, lambda: distribute(
            db.session, self.actors[unit_id], unit=self.units[unit_id], distribution_date=today(),
            lines=[(self.groups[0], pieces, people)]).id)
        if distribution_id:
            self.model.balance[unit_id] -= n
            self.model.handouts[distribution_id] = Handout(unit_id, n)

    @rule(kind=st.sampled_from(["loss", "damage", "expiry", "correction"]),
          quantity=mostly(typed(1, 30), typed(-30, 0)), who=mostly(st.just(LAO), st.integers(0, 1), odds=2))
    def adjust_some(self, kind, quantity, who):
        """Loss, damage and expiry take out a positive quantity; a correction
        is signed; zero is refused."""
        unit_id, amount = self.unit_ids[who], number(quantity)
        change = amount if kind == "correction" else -amount
        expected = (INVALID if amount == 0 or (amount < 0 and kind != "correction")
                    else self.model.can_take(unit_id, -change))  # a negative take always fits
        done = self._expect("adjust", expected, lambda: adjust(
            db.session, self.actors[unit_id], unit=self.units[unit_id], adjustment_date=today(), kind=kind,
            quantity=quantity, reason="ตรวจพบ").id)
        if done:
            self.model.balance[unit_id] += change

    def stored_state(self) -> dict:
        """The database's side of LedgerModel.state()."""
        lao_id = self.lao_id
        lines = db.session.execute(
            select(AllocationLine.id, AllocationLine.quantity_sent, AllocationLine.confirmed_quantity)
            .join(Allocation).where(Allocation.unit_id == lao_id))
        return {"balance": balances(self.unit_ids),
                "shipments": {line_id: (sent, received) for line_id, sent, received in lines},
                "reversed": dict(db.session.execute(select(Distribution.id, Distribution.reversed)
                                                    .where(Distribution.unit_id.in_(self.unit_ids))).all()),
                "signed days": set(db.session.scalars(select(DailyCount.count_date).where(
                    DailyCount.unit_id == lao_id, DailyCount.status == "signed"))),
                "awaiting count": set(db.session.scalars(select(Receipt.id).where(
                    Receipt.unit_id == lao_id, Receipt.status == "awaiting_count")))}

    def changed_since(self, check) -> bool:
        """Whether an operation committed since `check` last ran. A refused one
        rolls back, so the database (and the model) are as that check saw them."""
        changed, self.last_checked[check] = self.last_checked.get(check) != self.writes, self.writes
        return changed

    @invariant()
    def database_matches_the_model(self):
        if self.changed_since("model"):
            assert self.stored_state() == self.model.state(self.unit_ids)

    @invariant()
    def ledger_is_consistent(self):
        check_invariants()


def run_machine(machine, app, *, max_examples, stateful_step_count) -> Counter:
    """Run a machine's examples (the same ones every run), then require that
    each kind of operation in machine.MUST_SUCCEED succeeded at least once: a
    domain that refused everything would otherwise pass."""
    machine.app, machine.successes, machine.refusals = app, Counter(), Counter()
    runner = machine.TestCase
    runner.settings = settings(max_examples=max_examples, stateful_step_count=stateful_step_count, deadline=None,
                               derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    runner().runTest()
    print(f"{machine.__name__}: succeeded {dict(machine.successes)}; refused {dict(machine.refusals)}")
    never = [kind for kind in machine.MUST_SUCCEED if not machine.successes[kind]]
    assert not never, f"never succeeded: {never} (successes {dict(machine.successes)})"
    return machine.successes
