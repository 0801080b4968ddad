"""Reference data every installation starts with (idempotent: existing rows,
possibly edited by the central administrator, are left alone)."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ledger import Item, RiskGroup

ITEMS = [
    # code, Thai, English, unit label, default
    ("SURGICAL_MASK", "หน้ากากอนามัย", "Surgical Mask", "ชิ้น", True),
]

# The letter names four risk groups without their wording (it refers to a
# Ministry guideline of 30 March 2020). These are editable starting labels.
RISK_GROUPS = [
    ("RG1", "ผู้ปฏิบัติงานใกล้ชิดหรือสัมผัสผู้ป่วยในหมู่บ้าน/ชุมชน (เช่น อสม.)",
     "People working close to or in contact with patients in villages and communities (e.g. village health volunteers)"),
    ("RG2", "เจ้าหน้าที่ด่านตรวจ จุดตรวจ และจุดคัดกรอง", "Checkpoint and screening-point staff"),
    ("RG3", "ผู้ที่ต้องกักตัวเพื่อสังเกตอาการและผู้สัมผัสใกล้ชิด", "People in quarantine and their close contacts"),
    ("RG4", "ผู้สูงอายุ ผู้มีโรคประจำตัว และกลุ่มเปราะบาง", "Older people, people with chronic diseases and other vulnerable people"),
]


def seed_reference_data(session: Session) -> dict:
    added = {"items": 0, "risk_groups": 0}
    existing_items = set(session.execute(select(Item.code)).scalars())
    for order, (code, name_th, name_en, unit_label, default) in enumerate(ITEMS):
        if code not in existing_items:
            session.add(Item(code=code, name_th=name_th, name_en=name_en, unit_label=unit_label,
                             is_default=default, active=True, sort_order=order))
            added["items"] += 1
    existing_groups = set(session.execute(select(RiskGroup.code)).scalars())
    for order, (code, name_th, name_en) in enumerate(RISK_GROUPS):
        if code not in existing_groups:
            session.add(RiskGroup(code=code, name_th=name_th, name_en=name_en, active=True, sort_order=order))
            added["risk_groups"] += 1
    session.flush()
    return added


# Reference data changes a few times a year; pages read it on every request.
# A short per-process cache keeps it out of the query budget while an edit
# still shows within a minute on every app server.
_CACHE_SECONDS = 60
_cache = {}


def _cached(key, loader):
    import time

    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = loader()
    _cache[key] = (time.monotonic(), value)
    return value


def _key(session: Session, name: str) -> tuple:
    # Per database: one process may serve (or test) more than one.
    return (str(session.get_bind().url), name)


def clear_reference_cache() -> None:
    _cache.clear()


def active_items(session: Session) -> list:
    """[(id, code, name_th, unit_label, is_default)], default first."""
    return _cached(_key(session, "items"), lambda: [tuple(row) for row in session.execute(
        select(Item.id, Item.code, Item.name_th, Item.unit_label, Item.is_default)
        .where(Item.active.is_(True)).order_by(Item.is_default.desc(), Item.sort_order, Item.id))])


def active_risk_groups(session: Session) -> list:
    """[(id, code, name_th)] in display order."""
    return _cached(_key(session, "risk_groups"), lambda: [tuple(row) for row in session.execute(
        select(RiskGroup.id, RiskGroup.code, RiskGroup.name_th)
        .where(RiskGroup.active.is_(True)).order_by(RiskGroup.sort_order, RiskGroup.id))])
