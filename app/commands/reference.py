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
