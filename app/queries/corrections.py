"""What a unit's corrections page lists: its distributions of the last days
(to reverse one recorded by mistake) and the shipments it sent that their
receivers have not confirmed yet (to recall one)."""
from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ledger import Allocation, AllocationLine, Distribution, DistributionLine, RiskGroup
from app.models.unit import Unit

LISTED = 100  # newest first; older ones are corrected by an adjustment


def recent_distributions(session: Session, unit_id: int, item_id: int, since: datetime.date) -> list[dict]:
    """The unit's distributions dated `since` or later, newest first: date,
    when recorded, pieces and people per risk group, reversed or not."""
    rows = session.execute(
        select(Distribution.id, Distribution.distribution_date, Distribution.created_on, Distribution.reversed,
               RiskGroup.name_th, DistributionLine.quantity, DistributionLine.people_reached)
        .join(DistributionLine, DistributionLine.distribution_id == Distribution.id)
        .join(RiskGroup, RiskGroup.id == DistributionLine.risk_group_id)
        .where(Distribution.id.in_(
            select(Distribution.id).where(Distribution.unit_id == unit_id, Distribution.item_id == item_id,
                                          Distribution.distribution_date >= since)
            .order_by(Distribution.distribution_date.desc(), Distribution.id.desc()).limit(LISTED)))
        .order_by(Distribution.distribution_date.desc(), Distribution.id.desc(), RiskGroup.sort_order)).all()
    distributions: dict[int, dict] = {}
    for row in rows:
        entry = distributions.setdefault(row.id, {
            "id": row.id, "date": row.distribution_date, "created_on": row.created_on, "reversed": row.reversed,
            "pieces": 0, "people": 0, "groups": []})
        entry["pieces"] += row.quantity
        entry["people"] += row.people_reached
        entry["groups"].append((row.name_th, row.quantity, row.people_reached))
    return list(distributions.values())


def shipments_in_transit_from(session: Session, unit_id: int, item_id: int) -> list:
    """Rows (line id, receiver name and code, pieces sent, dispatch number,
    allocation date) of what the unit sent and nobody confirmed yet."""
    return session.execute(
        select(AllocationLine.id, Unit.name_th.label("receiver"), Unit.code.label("receiver_code"),
               AllocationLine.quantity_sent, Allocation.document_no, Allocation.allocation_date)
        .join(Allocation, Allocation.id == AllocationLine.allocation_id)
        .join(Unit, Unit.id == AllocationLine.unit_id)
        .where(Allocation.unit_id == unit_id, Allocation.item_id == item_id, AllocationLine.status == "in_transit")
        .order_by(Allocation.allocation_date.desc(), AllocationLine.id.desc()).limit(LISTED)).all()

