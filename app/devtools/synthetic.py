"""A realistic national dataset for demos and benchmarks: every real unit
(central, 77 provinces, 928 districts, 7,436 subdistricts from geothai), about
70,000 synthetic end receiving units under the subdistricts, and N days of
activity that follows the letter's flow:

- the central unit receives a purchase every day; the committee counts it;
- every week each level allocates to the level below (central → provinces on
  Mondays, provinces → districts on Tuesdays, districts → subdistricts on
  Wednesdays); on Thursdays subdistricts send a month's masks to end units
  with less than two weeks' left; receivers confirm the next day, a few with
  a shortfall and a reason;
- end units distribute to one or two risk groups on a share of the days
  (`activity`), never more than they hold; the other units mostly report
  "nothing today".

Rows are written in bulk (Core multi-row inserts) rather than through the
ledger commands, which would take hours at this size; the rollups are then
computed by the same `rebuild` the `rebuild-rollups` command runs, and stock
balances from the simulated stock, so every invariant of the ledger holds.
Audit entries are not generated. Deterministic for a given seed."""
from __future__ import annotations

import datetime
import io
import json
import queue
import random
import threading
import time
from collections import defaultdict

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app import scoping
from app.errors import DomainError
from app.queries.obligations import recount_first_stock
from app.rollups import census
from app.rollups.rebuild import rebuild, set_foreign_keys_aside
from app.queries.reference import active_items
from app.models.ledger import (Allocation, AllocationLine, DailyCount, DailyCountLine, Distribution, DistributionLine,
                               LedgerLine, Receipt, RiskGroup, StockBalance)
from app.models.rollup import DailyReport
from app.models.unit import Unit
from app.thai import today

END_UNIT_KINDS = ("โรงพยาบาลส่งเสริมสุขภาพตำบล", "โรงเรียน", "ศูนย์พัฒนาเด็กเล็ก", "อสม. หมู่ที่", "วัด",
                  "ศาลาประชาคม หมู่ที่", "ศูนย์ดูแลผู้สูงอายุ", "ตลาดสด", "สถานีตำรวจ")
COMMITTEE = json.dumps([{"name": "นายประธาน ตรวจนับ", "position": "ผู้อำนวยการ"},
                        {"name": "นางกรรมการ หนึ่ง", "position": "นักวิชาการ"},
                        {"name": "นายกรรมการ สอง", "position": "เจ้าพนักงานธุรการ"}], ensure_ascii=False)
BATCH = 10_000


PARENT_FIRST = [Unit, Receipt, DailyCount, DailyCountLine, Allocation, AllocationLine, Distribution, DistributionLine,
                LedgerLine, DailyReport, StockBalance]


class _Writer:
    """Buffers rows per table and writes them in batches: COPY on PostgreSQL
    (about ten times the rows per second of multi-row INSERTs, which made a
    national dataset take ~40 minutes), multi-row INSERTs elsewhere. The COPYs
    run in a thread of their own while the simulation goes on (the server
    takes in one batch while Python builds the next); `flush()` waits for them."""

    def __init__(self, session: Session):
        self.session, self.rows, self.counts = session, defaultdict(list), defaultdict(int)
        self.copy = session.get_bind().dialect.name == "postgresql"
        self.batches, self.copier, self.failure = queue.Queue(maxsize=4), None, None

    def add(self, model, row: dict):
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush(wait=False)

    def flush(self, wait=True):
        """Every buffer, parents before children (foreign keys)."""
        for target in sorted(self.rows, key=lambda model: PARENT_FIRST.index(model)):
            rows = self.rows[target]
            if rows:
                if self.copy:
                    columns = list(rows[0])
                    # COPY's text format; no generated text holds a tab, newline or backslash
                    # (str() of True is "True", which PostgreSQL reads as a boolean).
                    lines = "".join(["\t".join(["\\N" if value is None else str(value)
                                                 for value in map(row.__getitem__, columns)]) + "\n"
                                     for row in rows])
                    self._send(f"COPY {target.__tablename__} ({', '.join(columns)}) FROM STDIN", lines)
                else:
                    self.session.execute(insert(target), rows)
                self.counts[target.__tablename__] += len(rows)
                self.rows[target] = []
        if wait and self.copier is not None:
            self.batches.join()
            self._raise_failure()

    def _send(self, statement, lines):
        self._raise_failure()
        if self.copier is None:
            connection = self.session.connection().connection  # the caller's transaction
            self.copier = threading.Thread(target=self._copy_batches, args=(connection,), daemon=True)
            self.copier.start()
        self.batches.put((statement, lines))

    def _copy_batches(self, connection):
        while True:
            statement, lines = self.batches.get()
            try:
                if self.failure is None:
                    connection.cursor().copy_expert(statement, io.StringIO(lines), size=1 << 20)
            except Exception as error:  # noqa: BLE001  (raised in the caller's thread)
                self.failure = error
            finally:
                self.batches.task_done()

    def _raise_failure(self):
        if self.failure is not None:
            raise self.failure


def _skip_foreign_key_checks(session: Session) -> None:
    """On PostgreSQL, as a superuser (the benchmarks' throwaway cluster), the
    rows skip their foreign-key triggers for this transaction: they cost more
    than the COPY itself, and the rows are written parents first by
    construction. Elsewhere nothing changes."""
    if session.get_bind().dialect.name != "postgresql":
        return
    try:
        with session.begin_nested():
            session.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        pass  # not a superuser: the checks run


BULK_TABLES = ("ledger_line", "daily_report", "distribution", "distribution_line", "allocation", "allocation_line")


def _set_indexes_aside(session: Session) -> list:
    """On PostgreSQL, drops the plain indexes (not those of a primary key or a
    unique constraint) of the tables written in bulk, and returns the
    statements that build them again: built once over the loaded rows, they
    cost a fraction of being kept up to date row by row (random inserts into
    (unit, day) orders while the rows arrive day by day)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    rows = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
        "AND i.tablename = ANY(:tables) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)"),
        {"tables": list(BULK_TABLES)}).all()
    for name, _definition in rows:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _name, definition in rows]


def _rebuild_side_by_side(session: Session) -> dict:
    """Commits, then rebuilds daily_rollup in one connection while another
    rebuilds the risk-group and report rollups."""
    session.commit()  # with the rollups' foreign keys set aside (the caller): both connections fill without them
    engine, rebuilt, failures = session.get_bind(), {}, []

    def rebuild_tables(tables):
        try:
            with Session(engine) as own:
                rebuilt.update(rebuild(own, tables, exclusive=True))
                own.commit()
        except Exception as error:  # noqa: BLE001  (raised below, in the caller's thread)
            failures.append(error)

    threads = [threading.Thread(target=rebuild_tables, args=(tables,))
               for tables in (("daily_rollup",), ("risk_group_rollup", "report_rollup"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return rebuilt


def _next_id(session: Session, model) -> int:
    return (session.execute(select(func.max(model.id))).scalar() or 0) + 1


def add_end_units(session: Session, total: int) -> int:
    """About `total` end units spread over the active subdistricts."""
    subdistricts = session.execute(select(Unit.id, Unit.code, Unit.name_th, Unit.path).where(
        Unit.level == "subdistrict", Unit.active.is_(True)).order_by(Unit.code)).all()
    next_id, writer, now = _next_id(session, Unit), _Writer(session), datetime.datetime(2020, 1, 1)
    per, extra = divmod(total, len(subdistricts))
    for index, (parent_id, code, name, path) in enumerate(subdistricts):
        for number in range(1, per + (1 if index < extra else 0) + 1):
            kind = END_UNIT_KINDS[(number - 1) % len(END_UNIT_KINDS)]
            label = f"{kind} {number}" if kind.endswith("ที่") else f"{kind}{name}" + (f" {number}" if number > 9 else "")
            writer.add(Unit, {"id": next_id, "code": f"S{code}-{number:02d}", "name_th": label, "level": "end_unit",
                              "parent_id": parent_id, "path": scoping.child_path(path, next_id), "active": True,
                              "source": "synthetic", "created_on": now, "changed_on": now})
            next_id += 1
    writer.flush()
    return writer.counts["unit"]


def generate(session: Session, *, end_units: int = 70_000, days: int = 365, activity: float = 0.15,
             seed: int = 2563, progress=print, rollups_side_by_side: bool = False) -> dict:
    """Generate the dataset in the caller's transaction; returns row counts.
    `rollups_side_by_side` commits the documents and rebuilds the rollup
    tables in two connections at once (two cores at work instead of one)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    if session.execute(select(Unit.id).where(Unit.source == "synthetic").limit(1)).first():
        raise DomainError("This database already has synthetic data; generate on a fresh one.")
    if not session.execute(select(Unit.id).where(Unit.level == "subdistrict").limit(1)).first():
        raise DomainError("Import the hierarchy first (flask masklog setup).")
    _skip_foreign_key_checks(session)
    set_aside = _set_indexes_aside(session)
    added = add_end_units(session, end_units)
    progress(f"end units added: {added:,}")
    item_id = active_items(session)[0][0]
    groups = [row[0] for row in session.execute(select(RiskGroup.id).where(RiskGroup.active.is_(True))
                                                 .order_by(RiskGroup.sort_order))]
    units = session.execute(select(Unit.id, Unit.parent_id, Unit.level).where(Unit.active.is_(True))).all()
    children = defaultdict(list)
    for u in units:
        if u.parent_id is not None:
            children[u.parent_id].append(u.id)
    central = next(u.id for u in units if u.level == "central")
    end_unit_ids = [u.id for u in units if u.level == "end_unit"]
    # The simulation spends only what it received: stock already there (the demo's
    # days, at the end of the period) may not pay for a shipment of an earlier day.
    # Its balances are added back when the balances are rewritten at the end.
    stock = defaultdict(int)
    earlier = dict(session.execute(select(StockBalance.unit_id, StockBalance.quantity)
                                   .where(StockBalance.item_id == item_id)).all())
    need = {u: rng.randint(20, 60) for u in end_unit_ids}  # pieces an end unit hands out on an active day
    writer = _Writer(session)
    confirmations, allocation_lines = [], []
    now = datetime.datetime.utcnow()
    ids = {model: _next_id(session, model) for model in (Receipt, DailyCount, DailyCountLine, Allocation,
                                                          AllocationLine, Distribution, DistributionLine)}

    def new_id(model):
        value = ids[model]
        ids[model] += 1
        return value

    touched = set(earlier)

    def ledger(unit_id, day, kind, quantity, document_type, document_id):
        stock[unit_id] += quantity
        touched.add(unit_id)
        writer.add(LedgerLine, {"unit_id": unit_id, "item_id": item_id, "entry_date": day, "kind": kind,
                                "quantity": quantity, "document_type": document_type, "document_id": document_id,
                                "actor_id": None, "created_on": now})

    reported = set(session.execute(select(DailyReport.unit_id, DailyReport.day)).all())  # e.g. the demo day

    def report(unit_id, day, kind):
        if (unit_id, day) not in reported:
            reported.add((unit_id, day))
            writer.add(DailyReport, {"unit_id": unit_id, "day": day, "first_kind": kind, "actor_id": None,
                                     "created_on": now})

    # Monthly need of every subtree (masks per active day × days × activity, rounded up).
    month_need = {}

    def fill_need(unit_id):
        total = int(need.get(unit_id, 0) * 31 * activity * 1.1) + \
            sum(fill_need(c) for c in children.get(unit_id, ()))
        month_need[unit_id] = total
        return total

    fill_need(central)  # the tree is six levels deep: no recursion limit to worry about
    end = today()
    start = end - datetime.timedelta(days=days - 1)
    pending = []  # (confirm day, line id, receiver, sent)
    allocators = {0: [central], 1: [u.id for u in units if u.level == "province"],
                  2: [u.id for u in units if u.level == "district"]}
    subdistricts = [u.id for u in units if u.level == "subdistrict"]
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        now = datetime.datetime.combine(day, datetime.time(3, 0))
        # The day's purchase arrives at the central unit and is counted.
        quantity = int(month_need[central] / 30) + 1
        receipt_id, count_id = new_id(Receipt), new_id(DailyCount)
        writer.add(Receipt, {"id": receipt_id, "unit_id": central, "item_id": item_id, "receipt_date": day,
                             "source": "องค์การเภสัชกรรม", "reference_no": f"อภ. {day:%y%m%d}",
                             "quantity_sent": quantity, "status": "counted", "counted_quantity": quantity,
                             "created_on": now, "form_token": None})
        writer.add(DailyCount, {"id": count_id, "unit_id": central, "item_id": item_id, "count_date": day,
                                "status": "signed", "physical_count": None, "book_balance": None,
                                "members": COMMITTEE, "chair_name": "นายประธาน ตรวจนับ", "signed_on": now,
                                "created_on": now, "form_token": None})
        writer.add(DailyCountLine, {"id": new_id(DailyCountLine), "count_id": count_id, "receipt_id": receipt_id,
                                    "quantity_sent": quantity, "counted": quantity, "damaged": 0, "missing": 0})
        ledger(central, day, "receipt", quantity, "daily_count", count_id)
        report(central, day, "count")
        # Yesterday's shipments are confirmed.
        still = []
        for confirm_day, line_id, receiver, sent, allocation_day in pending:
            if confirm_day > day:
                still.append((confirm_day, line_id, receiver, sent, allocation_day))
                continue
            short = rng.randint(1, 5) if rng.random() < 0.02 and sent > 5 else 0
            received = sent - short
            confirmations.append({"id": line_id, "confirmed_quantity": received, "discrepancy": short,
                                  "discrepancy_reason": "ชำรุดระหว่างขนส่ง" if short else None,
                                  "confirm_date": day, "confirmed_on": now, "status": "confirmed"})
            ledger(receiver, day, "allocation_in", received, "allocation_line", line_id)
            report(receiver, day, "confirmation")
        pending = still
        # Allocations down the tree.
        weekday = day.weekday()
        senders = subdistricts if weekday == 3 else allocators.get(weekday, [])
        for sender in senders:
            kids = children.get(sender, ())
            if weekday == 3:  # end units get a month's masks when less than two weeks' are left
                wanted = [(kid, month_need[kid]) for kid in kids if stock[kid] < month_need[kid] // 2]
            else:
                wanted = [(kid, month_need[kid] // 4) for kid in kids]
            total = sum(q for _k, q in wanted)
            available = stock[sender]
            if not total or available <= 0:
                continue
            scale = min(1.0, available / total)
            shares = [(kid, int(q * scale)) for kid, q in wanted if int(q * scale) > 0]
            if not shares:
                continue
            allocation_id = new_id(Allocation)
            writer.add(Allocation, {"id": allocation_id, "unit_id": sender, "item_id": item_id,
                                    "allocation_date": day, "document_no": f"มท 0230/{allocation_id}",
                                    "created_on": now, "form_token": None})
            for kid, q in shares:
                line_id = new_id(AllocationLine)
                allocation_lines.append({"id": line_id, "allocation_id": allocation_id, "unit_id": kid,
                                         "quantity_sent": q, "status": "in_transit"})
                pending.append((day + datetime.timedelta(days=1), line_id, kid, q, day))
            ledger(sender, day, "allocation_out", -sum(q for _k, q in shares), "allocation", allocation_id)
            report(sender, day, "allocation")
        # End units distribute on their active days.
        for unit_id in end_unit_ids:
            if rng.random() >= activity:
                if rng.random() < 0.2:  # some units say "nothing today"; most stay silent
                    report(unit_id, day, "no_activity")
                continue
            pieces = min(stock[unit_id], need[unit_id])
            if pieces <= 0:
                report(unit_id, day, "no_activity")
                continue
            distribution_id = new_id(Distribution)
            writer.add(Distribution, {"id": distribution_id, "unit_id": unit_id, "item_id": item_id,
                                      "distribution_date": day, "reversed": False, "created_on": now,
                                      "form_token": None})
            split = [pieces] if pieces < 10 or len(groups) < 2 or rng.random() < 0.5 \
                else [pieces // 2, pieces - pieces // 2]
            for share, group in zip(split, rng.sample(groups, len(split))):
                writer.add(DistributionLine, {"id": new_id(DistributionLine), "distribution_id": distribution_id,
                                              "risk_group_id": group, "quantity": share,
                                              "people_reached": max(1, share // 2)})
            ledger(unit_id, day, "distribution", -pieces, "distribution", distribution_id)
            report(unit_id, day, "distribution")
        if offset % 30 == 29:
            progress(f"day {offset + 1}/{days}: {sum(writer.counts.values()):,} rows so far "
                     f"({time.perf_counter() - started:.0f} s)")
    # Allocation lines are written last, with their confirmation (if any) merged in.
    writer.flush()
    confirmed = {row["id"]: row for row in confirmations}
    for line in allocation_lines:
        line.update({"confirmed_quantity": None, "discrepancy": None, "discrepancy_reason": None,
                     "confirm_date": None, "confirmed_on": None})
        line.update(confirmed.get(line["id"], {}))
        writer.add(AllocationLine, line)
    writer.flush()
    session.execute(delete(StockBalance).where(StockBalance.item_id == item_id))
    for unit_id, quantity in earlier.items():
        stock[unit_id] += quantity
    for unit_id in touched:  # a unit whose lines add up to 0 has its row at 0, as the ledger keeps it
        writer.add(StockBalance, {"unit_id": unit_id, "item_id": item_id, "quantity": stock[unit_id],
                                  "changed_on": datetime.datetime.utcnow()})
    writer.flush()
    if session.get_bind().dialect.name == "postgresql":
        for model in (Unit, Receipt, DailyCount, DailyCountLine, Allocation, AllocationLine, Distribution,
                      DistributionLine, LedgerLine):
            table = model.__tablename__
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    progress(f"documents written in {time.perf_counter() - started:.0f} s; building {len(set_aside)} indexes")
    for definition in set_aside:
        session.execute(text(definition))
    recount_first_stock(session)  # COPY wrote the ledger without app/stock.post, which keeps it
    census.recount_all(session)  # and the units without the session hooks that keep unit_census
    progress(f"indexes built ({time.perf_counter() - started:.0f} s); rebuilding rollups")
    # Once, here: two connections each dropping keys that reference unit and item deadlock.
    restore_foreign_keys = set_foreign_keys_aside(session)
    rebuilt = _rebuild_side_by_side(session) if rollups_side_by_side else rebuild(session, exclusive=True)
    for statement in restore_foreign_keys:
        session.execute(text(statement))
    counts = dict(writer.counts)
    counts.update(rebuilt)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts

