"""FIGURES: every figure the dashboards, charts and exports show, in report
order, read from the rollup tables (app/models/rollup.py). Adding a figure is
one Figure here, one column there, and its contribution in
app/rollups/contributions.py; every table, chart and export reads this list.

Two kinds:
- a flow is summed over a period (pieces distributed between two dates);
- a stock is the running sum of a stored `*_change` column up to the end of
  the period (the balance, what is in transit), so a back-dated document
  changes one stored row, not every day after it.

"In transit" is two different figures in MaskLog, named apart:
- `in_transit_to_area` (here): shipments travelling *to* units of an area,
  counted at the receiver, so a province's figure includes shipments between
  its own districts;
- `sent_in_transit` (the today page, app/queries/today.py): what one unit
  itself sent that its receivers have not confirmed yet."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models.rollup import ROLLUP_FIGURES

FLOW, STOCK = "flow", "stock"


@dataclass(frozen=True)
class Figure:
    name: str  # the key in every figures dict, and the column a flow is summed from
    label: object  # lazy Thai label: export headers, table headings
    kind: str  # FLOW or STOCK
    column: str  # the daily_rollup column it is computed from
    exported: bool = True  # a column of the official report (xlsx, CSV)


FIGURES = (
    Figure("received", _l("Received (per documents)"), FLOW, "received"),
    Figure("counted", _l("Counted into stock"), FLOW, "counted"),
    Figure("count_discrepancy", _l("Damaged or missing at the count"), FLOW, "count_discrepancy"),
    Figure("allocated_out", _l("Allocated within the area (every transfer)"), FLOW, "allocated_out"),
    Figure("confirmed_in", _l("Confirmed on arrival (every transfer)"), FLOW, "confirmed_in"),
    Figure("transfer_discrepancy", _l("Shipment discrepancies"), FLOW, "transfer_discrepancy"),
    Figure("distributed", _l("Distributed (pieces)"), FLOW, "distributed"),
    Figure("people_reached", _l("People reached"), FLOW, "people_reached"),
    Figure("adjusted", _l("Adjustments"), FLOW, "adjusted"),
    Figure("in_transit_to_area", _l("In transit at the end"), STOCK, "in_transit_change"),
    # Receipts recorded and not counted yet: not in the balance until the committee signs.
    Figure("awaiting_count", _l("Awaiting count at the end"), STOCK, "awaiting_count_change"),
    Figure("balance", _l("Balance at the end"), STOCK, "net_change"),
)
FIGURE_NAMES = tuple(figure.name for figure in FIGURES)
FLOWS = tuple(figure for figure in FIGURES if figure.kind == FLOW)
STOCKS = tuple(figure for figure in FIGURES if figure.kind == STOCK)
EXPORTED = tuple(figure for figure in FIGURES if figure.exported)

# Every stored column is a flow or the change of a stock: nothing is stored that no figure reads.
assert {figure.column for figure in FIGURES} == set(ROLLUP_FIGURES), "FIGURES and the rollup columns differ"


def labels(figures) -> list[str]:
    return [str(figure.label) for figure in figures]
