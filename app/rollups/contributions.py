"""What each kind of document adds to the rollups, written once.

A Contribution names the rows it comes from (`source`: a SELECT of unit_id,
item_id, day and the fields it reads) and what each row adds (`daily`:
figure deltas of daily_rollup; `risk_group`: pieces and people of
risk_group_rollup). The two functions are plain arithmetic on attributes, so
the same expression serves both ways of keeping the rollups:

- incremental (app/rollups/pending.py): a command calls
  `contribute(session, CONTRIBUTION, unit, item_id, day, row)` with the row it
  just wrote (an ORM line, or any object with those attributes), and the
  function runs on Python numbers;
- rebuild (app/rollups/rebuild.py): the function runs on the columns of
  `source()`, which turns it into SQL summed over every stored row.

`unit` and `day` at the call site are the ones `source` selects as unit_id and
day (e.g. a confirmed shipment counts at its receiver on its confirmation
day); the rebuild-equals-incremental property test holds the two together."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from sqlalchemy import select

from app.models.ledger import (Adjustment, Allocation, AllocationLine, DailyCount, DailyCountLine, Distribution,
                               DistributionLine, LedgerLine, Receipt)


@dataclass(frozen=True)
class Contribution:
    name: str
    source: Callable  # () -> subquery with unit_id, item_id, day (+ risk_group_id) and the fields read below
    daily: Optional[Callable] = None  # row -> {daily_rollup figure: delta}
    risk_group: Optional[Callable] = None  # row -> (distributed, people_reached) for row.risk_group_id


def _signed_count_lines():
    return (select(DailyCount.unit_id, DailyCount.item_id, DailyCount.count_date.label("day"),
                   DailyCountLine.quantity_sent, DailyCountLine.counted, DailyCountLine.damaged,
                   DailyCountLine.missing)
            .join(DailyCountLine, DailyCountLine.count_id == DailyCount.id)
            .where(DailyCount.status == "signed").subquery())


def _allocation_lines(unit_column, day_column, *where):
    return (select(unit_column.label("unit_id"), Allocation.item_id, day_column.label("day"),
                   AllocationLine.quantity_sent, AllocationLine.confirmed_quantity, AllocationLine.discrepancy)
            .join(AllocationLine, AllocationLine.allocation_id == Allocation.id).where(*where).subquery())


def _distribution_lines(day_column=Distribution.distribution_date, *where, join_ledger=False):
    query = (select(Distribution.unit_id, Distribution.item_id, day_column.label("day"),
                    DistributionLine.risk_group_id, DistributionLine.quantity, DistributionLine.people_reached)
             .join(DistributionLine, DistributionLine.distribution_id == Distribution.id))
    if join_ledger:
        query = query.join(LedgerLine, LedgerLine.document_id == Distribution.id)
    return query.where(*where).subquery()


def _reversed_distribution_lines():
    """Each line of a reversed distribution, on the day of its reversal."""
    return _distribution_lines(LedgerLine.entry_date, LedgerLine.kind == "reversal",
                               LedgerLine.document_type == "distribution", join_ledger=True)


# A recorded receipt awaits its count from its date ...
RECEIPT_RECORDED = Contribution(
    "receipt_recorded", lambda: select(Receipt.unit_id, Receipt.item_id, Receipt.receipt_date.label("day"),
                                       Receipt.quantity_sent).subquery(),
    daily=lambda receipt: {"awaiting_count_change": receipt.quantity_sent})

# ... and counts when the committee signs a count: what the documents said was
# sent, what was counted good into stock, what was damaged or missing, and it
# no longer awaits its count.
COUNTED_RECEIPT = Contribution(
    "counted_receipt", _signed_count_lines,
    daily=lambda line: {"received": line.quantity_sent, "counted": line.counted,
                        "count_discrepancy": line.damaged + line.missing,
                        "awaiting_count_change": -line.quantity_sent})

# An allocation line leaves its sender on the allocation date ...
ALLOCATION_SENT = Contribution(
    "allocation_sent", lambda: _allocation_lines(Allocation.unit_id, Allocation.allocation_date),
    daily=lambda line: {"allocated_out": line.quantity_sent})

# ... and is in transit to its receiver from that day ...
SHIPMENT_DISPATCHED = Contribution(
    "shipment_dispatched", lambda: _allocation_lines(AllocationLine.unit_id, Allocation.allocation_date),
    daily=lambda line: {"in_transit_change": line.quantity_sent})

# ... until the receiver confirms it: what arrived, the shortfall, no longer in transit.
SHIPMENT_CONFIRMED = Contribution(
    "shipment_confirmed", lambda: _allocation_lines(AllocationLine.unit_id, AllocationLine.confirm_date,
                                                    AllocationLine.status == "confirmed"),
    daily=lambda line: {"confirmed_in": line.confirmed_quantity, "transfer_discrepancy": line.discrepancy,
                        "in_transit_change": -line.quantity_sent})

# A shipment its sender recalls before it was confirmed leaves both figures on
# the day of the recall (the allocation's own day keeps what was sent then):
# the sender allocated that much less, the receiver has it no longer on the way.
ALLOCATION_RECALLED = Contribution(
    "allocation_recalled", lambda: _allocation_lines(Allocation.unit_id, AllocationLine.recall_date,
                                                     AllocationLine.status == "recalled"),
    daily=lambda line: {"allocated_out": -line.quantity_sent})

SHIPMENT_RECALLED = Contribution(
    "shipment_recalled", lambda: _allocation_lines(AllocationLine.unit_id, AllocationLine.recall_date,
                                                   AllocationLine.status == "recalled"),
    daily=lambda line: {"in_transit_change": -line.quantity_sent})

DISTRIBUTED = Contribution(
    "distributed", _distribution_lines,
    daily=lambda line: {"distributed": line.quantity, "people_reached": line.people_reached},
    risk_group=lambda line: (line.quantity, line.people_reached))

# A reversal takes the distribution back out on the day it is reversed (the
# original day keeps what was recorded then).
DISTRIBUTION_REVERSED = Contribution(
    "distribution_reversed", _reversed_distribution_lines,
    daily=lambda line: {"distributed": -line.quantity, "people_reached": -line.people_reached},
    risk_group=lambda line: (-line.quantity, -line.people_reached))

ADJUSTED = Contribution(
    "adjusted", lambda: select(Adjustment.unit_id, Adjustment.item_id, Adjustment.adjustment_date.label("day"),
                               Adjustment.quantity).subquery(),
    daily=lambda adjustment: {"adjusted": adjustment.quantity})

# Every ledger line changes its unit's balance on its entry date (app/stock.py).
LEDGER_LINE = Contribution(
    "ledger_line", lambda: select(LedgerLine.unit_id, LedgerLine.item_id, LedgerLine.entry_date.label("day"),
                                  LedgerLine.quantity).subquery(),
    daily=lambda line: {"net_change": line.quantity})

CONTRIBUTIONS = (RECEIPT_RECORDED, COUNTED_RECEIPT, ALLOCATION_SENT, SHIPMENT_DISPATCHED, SHIPMENT_CONFIRMED,
                 ALLOCATION_RECALLED, SHIPMENT_RECALLED, DISTRIBUTED, DISTRIBUTION_REVERSED, ADJUSTED, LEDGER_LINE)
