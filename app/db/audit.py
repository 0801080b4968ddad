"""The audit trail: every create, sign-off, confirmation, reversal, adjustment
and user change is recorded with who, when, from which unit, before and after."""
import datetime
import json
from typing import Optional

from sqlalchemy.orm import Session

from app.db.compiled import insert_values
from app.models.ledger import AuditEntry


def _json(values) -> Optional[str]:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=lambda v: v.isoformat()
                      if isinstance(v, (datetime.date, datetime.datetime)) else str(v), sort_keys=True)


def record(session: Session, actor, action: str, object_type: str, object_id: Optional[int],
           unit_id: Optional[int], before=None, after=None) -> None:
    """One INSERT in the caller's transaction, compiled once (app/db/compiled.py).
    Nothing reads an entry back while recording, so no ORM object is built."""
    unit = getattr(actor, "unit", None)
    insert_values(session, AuditEntry, {
        "actor_id": getattr(actor, "id", None), "actor_unit_id": getattr(unit, "id", None), "unit_id": unit_id,
        "action": action, "object_type": object_type, "object_id": object_id, "before": _json(before),
        "after": _json(after)})
