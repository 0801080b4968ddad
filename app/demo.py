"""Demo accounts and units for `make run` (never created by a production config).
All demo passwords are `masklog-demo`."""
from sqlalchemy.orm import Session

from app.commands.units import create_unit
from app.commands.users import create_user
from app.models.unit import Unit, UnitLevel
from app.models.user import MaskLogUser
from app.roles import CENTRAL_ADMIN, COUNTING_COMMITTEE, OFFICER, PROVINCE_ADMIN, VIEWER

DEMO_PASSWORD = "masklog-demo"

# username, first name, last name, position, unit code, role
DEMO_USERS = [
    ("admin", "ผู้ดูแล", "ส่วนกลาง", "เจ้าหน้าที่ ศบค.มท.", "TH", CENTRAL_ADMIN),
    ("cm-admin", "สมชาย", "ใจดี", "เจ้าพนักงานปกครอง ที่ทำการปกครองจังหวัดเชียงใหม่", "50", PROVINCE_ADMIN),
    ("cm-officer", "สมหญิง", "รักงาน", "ปลัดอำเภอ", "5001", OFFICER),
    ("cm-committee", "ประเสริฐ", "ตรงเวลา", "ประธานคณะกรรมการตรวจนับ", "50", COUNTING_COMMITTEE),
    ("cm-viewer", "วิชัย", "มองการณ์ไกล", "ผู้ว่าราชการจังหวัดเชียงใหม่", "50", VIEWER),
    ("bkk-admin", "กมล", "นครหลวง", "เจ้าหน้าที่ กรุงเทพมหานคร", "10", PROVINCE_ADMIN),
]

# code, level, parent code, Thai name, English name. LAOs and end units under
# อำเภอเมืองเชียงใหม่ (5001), so the tree reaches all six levels.
DEMO_UNITS = [
    ("CM-PAO", UnitLevel.LAO.value, "50", "องค์การบริหารส่วนจังหวัดเชียงใหม่", "Chiang Mai PAO"),
    ("CM-CITY", UnitLevel.LAO.value, "5001", "เทศบาลนครเชียงใหม่", "Chiang Mai City Municipality"),
    ("CM-CITY-HC1", UnitLevel.END_UNIT.value, "CM-CITY", "ศูนย์บริการสาธารณสุข 1 เทศบาลนครเชียงใหม่", "Health Centre 1"),
    ("CM-SRIPHUM-HPH", UnitLevel.END_UNIT.value, "500101", "โรงพยาบาลส่งเสริมสุขภาพตำบลศรีภูมิ", "Si Phum Health Promoting Hospital"),
    ("CM-SRIPHUM-VHV", UnitLevel.END_UNIT.value, "500101", "กลุ่ม อสม. ตำบลศรีภูมิ", "Si Phum village health volunteers"),
    ("CM-CHECKPOINT", UnitLevel.END_UNIT.value, "5001", "จุดตรวจคัดกรองอำเภอเมืองเชียงใหม่", "Mueang Chiang Mai checkpoint"),
]


def seed_demo(session: Session, actor) -> dict:
    """Create what is missing; running it twice changes nothing. Does not commit."""
    created_units = created_users = 0
    by_code = lambda code: session.query(Unit).filter(Unit.code == code).one()  # noqa: E731
    for code, level, parent_code, name_th, name_en in DEMO_UNITS:
        if session.query(Unit.id).filter(Unit.code == code).first():
            continue
        create_unit(session, actor, parent=by_code(parent_code), level=level,
                    name_th=name_th, name_en=name_en, code=code)
        created_units += 1
    for username, first, last, position, unit_code, role in DEMO_USERS:
        if session.query(MaskLogUser.id).filter(MaskLogUser.username == username).first():
            continue
        create_user(session, actor, username=username, first_name=first, last_name=last,
                    email=f"{username}@demo.masklog.invalid", unit=by_code(unit_code),
                    role_names=[role], password=DEMO_PASSWORD, position=position)
        created_users += 1
    return {"units": created_units, "users": created_users}
