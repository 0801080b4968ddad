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
from app.queries.exports import EXPORTED_NAMES, level_table
from app.queries.figures import headline, unit_table
from app.queries.periods import Period
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


# A spend's date: mostly today, now and then up to 6 days back (within the back-dating limit).
BACK_DATED = mostly(st.just(0), st.integers(1, 6), odds=2)
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
    recalled: bool = False  # taken back by the sender before it was confirmed


@dataclass
class Handout:
    unit_id: int
    pieces: int
    reversed: bool = False


@dataclass
class LedgerModel:
    """What the ledger must hold, recomputed from the operations that succeeded."""

    moves: dict = field(default_factory=dict)  # unit id -> Counter(day -> pieces in (+) or out (-))
    shipments: dict = field(default_factory=dict)  # allocation line id -> Shipment
    handouts: dict = field(default_factory=dict)  # distribution id -> Handout
    signed_days: set = field(default_factory=set)  # days whose LAO count is signed
    awaiting: dict = field(default_factory=dict)  # receipt id recorded, not yet counted -> pieces sent
    reports: set = field(default_factory=set)  # (unit id, day) of every document that succeeded
    refused_for_an_earlier_day: int = 0  # spends the model refused although today's balance had enough

    def move(self, unit_id, day, pieces) -> None:
        self.moves.setdefault(unit_id, Counter())[day] += pieces

    def balance(self, unit_id) -> int:
        return sum(self.moves.get(unit_id, Counter()).values())

    def closing(self, unit_id, day) -> int:
        """The unit's balance at the end of `day`."""
        return sum(pieces for moved_on, pieces in self.moves.get(unit_id, Counter()).items() if moved_on <= day)

    def can_take(self, unit_id, pieces, day=None) -> str:
        """A spend dated `day` (today by default) must leave the closing
        balance of that day and of every later day ≥ 0 (the back-dating rule)."""
        day = day or today()
        later = [moved_on for moved_on in self.moves.get(unit_id, Counter()) if moved_on > day]
        lowest = min(self.closing(unit_id, moved_on) for moved_on in [day] + later)
        if lowest < pieces <= self.balance(unit_id):
            self.refused_for_an_earlier_day += 1  # today's balance would have let it through
        return OK if pieces <= lowest else NO_STOCK

    def in_transit(self) -> set:
        return {line_id for line_id, shipment in self.shipments.items()
                if shipment.received is None and not shipment.recalled}

    def standing(self) -> set:
        return {distribution_id for distribution_id, handout in self.handouts.items() if not handout.reversed}

    def state(self, unit_ids) -> dict:
        return {"balance": {unit_id: self.balance(unit_id) for unit_id in unit_ids},
                "shipments": {line_id: (s.sent, s.received, s.recalled) for line_id, s in self.shipments.items()},
                "reversed": {distribution_id: h.reversed for distribution_id, h in self.handouts.items()},
                "signed days": self.signed_days, "awaiting count": set(self.awaiting)}


class LedgerMachine(RuleBasedStateMachine):
    """Random receipts, counts, allocations, confirmations, distributions and
    adjustments, mostly valid, on one small tree. Before each operation the
    model decides whether it must succeed or be refused (and why); the
    database must then agree with the model."""

    app = None
    successes, refusals = Counter(), Counter()  # per operation kind over a whole test (run_machine resets them)
    back_dated = Counter()  # spends that succeeded: {True: back-dated, False: dated today}
    refused_for_an_earlier_day = 0
    MUST_SUCCEED = ("allocate", "confirm", "distribute", "count", "adjust")
    MUST_REFUSE_FOR_AN_EARLIER_DAY = True  # a spend that fits today's balance but not an earlier day's

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
        not counted: the counters are about the operations hypothesis chose.
        A tenth of the stock arrived a week ago, the rest today: back-dated
        spends have days to land on, and some of them fit today's balance but
        not an earlier day's."""
        self.counting = False
        self.receive_and_count(STARTING_STOCK // 10, counted_share=1.0, days_ago=7)
        self.receive_and_count(STARTING_STOCK - STARTING_STOCK // 10, counted_share=1.0, days_ago=0)
        self.allocate_sheet("40", "๓๐", days_ago=0)
        self.distribute_some("20", "10", who=LAO, days_ago=0)
        self.counting = True

    def teardown(self):
        type(self).refused_for_an_earlier_day += self.model.refused_for_an_earlier_day
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
          days_ago=mostly(st.integers(0, 6), st.just(0)))
    def receive_and_count(self, quantity, counted_share, days_ago):
        """The receipt is recorded; its count signs only if that day's LAO
        count is not signed yet (one per unit, item and day)."""
        day, lao, committee = today() - datetime.timedelta(days=days_ago), self.lao, self.people["committee"]
        receipt_id = self._expect("receipt", OK if quantity > 0 else INVALID, lambda: record_receipt(
            db.session, self.people["officer"], unit=lao, receipt_date=day, source="ศบค.มท.", reference_no="R",
            quantity_sent=quantity).id)
        if receipt_id is None:
            return
        self.model.awaiting[receipt_id] = quantity
        self.model.reports.add((self.lao_id, day))
        counted = int(quantity * counted_share)
        lines = [CountLineInput(receipt_id, counted=counted, damaged=quantity - counted, reason="ชำรุด")]
        signed = self._expect("count", INVALID if day in self.model.signed_days else OK, lambda: sign_count(
            db.session, committee, save_count(db.session, committee, unit=lao, count_date=day, lines=lines,
                                              members=COMMITTEE, chair_name=COMMITTEE[0]["name"],
                                              physical_count=0)).id)
        if signed:
            self.model.move(self.lao_id, day, counted)
            self.model.signed_days.add(day)
            self.model.awaiting.pop(receipt_id)

    @rule(first=SHARE, second=SHARE, days_ago=BACK_DATED)
    def allocate_sheet(self, first, second, days_ago):
        """Blank rows are skipped; every other quantity must be positive."""
        day = today() - datetime.timedelta(days=days_ago)
        sent = {unit_id: number(raw) for unit_id, raw in zip(self.unit_ids, (first, second)) if raw != ""}
        expected = (INVALID if not sent or min(sent.values()) <= 0
                    else self.model.can_take(self.lao_id, sum(sent.values()), day))
        lines = self._expect("allocate", expected, lambda: [(line.id, line.unit_id) for line in allocate(
            db.session, self.people["officer"], unit=self.lao, allocation_date=day, document_no="A",
            shares=[(self.children[0], first), (self.children[1], second)]).lines])
        if lines:
            self.back_dated[days_ago > 0] += 1
            self.model.move(self.lao_id, day, -sum(sent.values()))
            self.model.reports.add((self.lao_id, day))
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
            self.model.move(shipment.unit_id, today(), received)
            self.model.reports.add((shipment.unit_id, today()))

    # Most distributions and adjustments at the LAO, which holds stock from
    # the start: the end units hold only what they confirmed. Now and then more people than pieces.
    @rule(pieces=mostly(typed(1, 80), typed(-2, 0), odds=8), people=mostly(typed(1, 10), st.just("0"), odds=8),
          who=mostly(st.just(LAO), st.integers(0, 1), odds=2), days_ago=BACK_DATED)
    def distribute_some(self, pieces, people, who, days_ago):
        """Pieces and people must be positive, people at most the pieces."""
        unit_id, n, day = self.unit_ids[who], number(pieces), today() - datetime.timedelta(days=days_ago)
        expected = INVALID if n <= 0 or not 0 < number(people) <= n else self.model.can_take(unit_id, n, day)
        distribution_id = self._expect("distribute", expected, lambda: distribute(
            db.session, self.actors[unit_id], unit=self.units[unit_id], distribution_date=day,
            lines=[(self.groups[0], pieces, people)]).id)
        if distribution_id:
            self.back_dated[days_ago > 0] += 1
            self.model.move(unit_id, day, -n)
            self.model.reports.add((unit_id, day))
            self.model.handouts[distribution_id] = Handout(unit_id, n)

    @rule(kind=st.sampled_from(["loss", "damage", "expiry", "correction"]),
          quantity=mostly(typed(1, 30), typed(-30, 0)), who=mostly(st.just(LAO), st.integers(0, 1), odds=2),
          days_ago=BACK_DATED)
    def adjust_some(self, kind, quantity, who, days_ago):
        """Loss, damage and expiry take out a positive quantity; a correction
        is signed; zero is refused."""
        unit_id, amount, day = self.unit_ids[who], number(quantity), today() - datetime.timedelta(days=days_ago)
        change = amount if kind == "correction" else -amount
        expected = (INVALID if amount == 0 or (amount < 0 and kind != "correction")
                    else OK if change > 0 else self.model.can_take(unit_id, -change, day))  # incoming always fits
        done = self._expect("adjust", expected, lambda: adjust(
            db.session, self.actors[unit_id], unit=self.units[unit_id], adjustment_date=day, kind=kind,
            quantity=quantity, reason="ตรวจพบ").id)
        if done:
            self.back_dated[days_ago > 0] += 1
            self.model.move(unit_id, day, change)
            self.model.reports.add((unit_id, day))

    def stored_state(self) -> dict:
        """The database's side of LedgerModel.state()."""
        lao_id = self.lao_id
        lines = db.session.execute(
            select(AllocationLine.id, AllocationLine.quantity_sent, AllocationLine.confirmed_quantity,
                   AllocationLine.status == "recalled")
            .join(Allocation).where(Allocation.unit_id == lao_id))
        return {"balance": balances(self.unit_ids),
                "shipments": {line_id: (sent, received, bool(recalled)) for line_id, sent, received, recalled in lines},
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

    @invariant()
    def figures_match_the_documents(self):
        """The dashboards' figures (from the rollups) equal a recomputation from
        the model: every unit's closing balance on each of the last 7 days,
        today's in-transit and awaiting-count stock, and the tables of units."""
        if not self.changed_since("figures"):
            return
        item_id = db.session.scalar(select(Receipt.item_id).where(Receipt.unit_id == self.lao_id).limit(1))
        model = self.model
        for unit_id, unit in self.units.items():
            area = self.unit_ids if unit_id == self.lao_id else [unit_id]
            for days_ago in range(7):
                day = today() - datetime.timedelta(days=days_ago)
                figures = headline(db.session, unit, item_id, Period(day, day))
                assert figures["balance"] == sum(model.closing(u, day) for u in area), (unit_id, day)
            figures = headline(db.session, unit, item_id, Period(today(), today()))
            assert figures["in_transit_to_area"] == sum(
                model.shipments[line_id].sent for line_id in model.in_transit()
                if model.shipments[line_id].unit_id in area)
            assert figures["awaiting_count"] == (sum(model.awaiting.values()) if unit_id == self.lao_id else 0)
        # The tables of units (the dashboard's, a report's level sheet) close on the headline, and their
        # rows are the model's: the LAO's own stock in its own row, each end unit's in its row.
        lao, period = self.units[self.lao_id], Period(today() - datetime.timedelta(days=6), today())
        totals = headline(db.session, lao, item_id, period)
        table = unit_table(db.session, lao, item_id, period, totals)
        assert table["total"] == totals
        assert (table["own"]["balance"], table["own"]["awaiting_count"]) == (model.balance(self.lao_id),
                                                                              sum(model.awaiting.values()))
        assert {kid["id"]: kid["balance"] for kid in table["children"]} == {
            unit_id: model.balance(unit_id) for unit_id in self.unit_ids[:LAO]}
        *_rows, (_label, _blank, sheet_total, _bold) = level_table(db.session, lao, item_id, period, "end_unit",
                                                                   totals, table["own"])
        assert sheet_total == [totals[name] for name in EXPORTED_NAMES]


def run_machine(machine, app, *, max_examples, stateful_step_count, rounds=3) -> Counter:
    """Run a machine's examples, then require that each kind of operation in
    machine.MUST_SUCCEED succeeded at least once (a domain that refused
    everything would otherwise pass), that spends were dated both today and
    back, and (MUST_REFUSE_FOR_AN_EARLIER_DAY) that one was refused for an
    earlier day's balance. Hypothesis mixes constants of the loaded modules
    into its draws, so which examples a run makes depends on what else was
    imported: when a requirement is not met yet, a further, longer round runs
    (each round is the same on every run with the same modules)."""
    machine.app, machine.successes, machine.refusals, machine.back_dated = app, Counter(), Counter(), Counter()
    machine.refused_for_an_earlier_day = 0
    for round_number in range(rounds):
        runner = machine.TestCase
        runner.settings = settings(max_examples=max_examples * (round_number + 1),
                                   stateful_step_count=stateful_step_count, deadline=None, derandomize=True,
                                   database=None, suppress_health_check=list(HealthCheck))
        runner().runTest()
        missing = _unmet(machine)
        print(f"{machine.__name__} round {round_number + 1}: succeeded {dict(machine.successes)}; "
              f"refused {dict(machine.refusals)}; back-dated {machine.back_dated[True]} of "
              f"{sum(machine.back_dated.values())} spends; {machine.refused_for_an_earlier_day} refused for an "
              f"earlier day's balance")
        if not missing:
            return machine.successes
    raise AssertionError(f"after {rounds} rounds: {missing}")


def _unmet(machine) -> list:
    unmet = [f"{kind} never succeeded" for kind in machine.MUST_SUCCEED if not machine.successes[kind]]
    if not (machine.back_dated[True] and machine.back_dated[False]):
        unmet.append(f"spends not dated both today and back: {dict(machine.back_dated)}")
    if machine.MUST_REFUSE_FOR_AN_EARLIER_DAY and not machine.refused_for_an_earlier_day:
        unmet.append("no back-dated spend was refused for an earlier day's balance")
    return unmet
