"""Demo accounts and units for `make run` (never created by a production config).
All demo passwords are `masklog-demo`."""
from sqlalchemy.orm import Session

from app.commands.passwords import hash_password
from app.commands.setup import prepare_database, system_actor
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
    # At an LAO and an end receiving unit: a newcomer confirms the shipment the
    # district sends the municipality, then passes masks on to its health centre.
    ("cm-city-officer", "มานพ", "เทศบาล", "นักวิชาการสาธารณสุข เทศบาลนครเชียงใหม่", "CM-CITY", OFFICER),
    ("cm-hc1-officer", "สุดา", "ใส่ใจ", "พยาบาลวิชาชีพ ศูนย์บริการสาธารณสุข 1", "CM-CITY-HC1", OFFICER),
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


def seed_demo_activity(session: Session, actor) -> int:
    """A day of work in Chiang Mai and Bangkok so the demo has something to
    show: receipt, signed count, allocation, confirmation, distribution,
    adjustment. Skipped when it was created before."""
    from app.commands.adjustment import adjust
    from app.commands.allocation import allocate, confirm_receipt
    from app.commands.count import CountLineInput, save_count, sign_count
    from app.commands.distribution import distribute
    from app.commands.receipt import record_receipt
    from app.models.ledger import Receipt, RiskGroup
    from app.thai import today

    if session.query(Receipt.id).filter(Receipt.reference_no.like("DEMO-%")).first():
        return 0
    by_code = lambda code: session.query(Unit).filter(Unit.code == code).one()  # noqa: E731
    user = lambda name: session.query(MaskLogUser).filter(MaskLogUser.username == name).one()  # noqa: E731
    committee = [{"name": "นายประเสริฐ ตรงเวลา", "position": "ปลัดจังหวัด"},
                 {"name": "นางสาวมาลี ใจซื่อ", "position": "ป้องกันจังหวัด"},
                 {"name": "นายสมศักดิ์ รอบคอบ", "position": "สาธารณสุขจังหวัด"}]
    groups = session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
    day = today()
    for province, district, tag in (("50", "5001", "CM"), ("10", "1001", "BKK")):
        home = by_code(province)
        receipt = record_receipt(session, actor, unit=home, receipt_date=day, source="ศบค.มท. (ส่วนกลาง)",
                                 reference_no=f"DEMO-{tag}-มท 0230/ว 2655", quantity_sent=50000)
        count = save_count(session, actor, unit=home, count_date=day,
                           lines=[CountLineInput(receipt.id, counted=49950, damaged=50, reason="กล่องเปียกน้ำ")],
                           members=committee, chair_name=committee[0]["name"], physical_count=49950)
        sign_count(session, actor, count)
        allocation = allocate(session, actor, unit=home, allocation_date=day, document_no=f"DEMO-{tag}-0017/1",
                              shares=[(by_code(district), 20000)])
        adjust(session, actor, unit=home, adjustment_date=day, kind="damage", quantity=10, reason="ชำรุดจากการขนย้าย")
        if tag == "CM":
            confirm_receipt(session, user("cm-officer"), allocation.lines[0], confirmed_quantity=20000)
            distribute(session, user("cm-officer"), unit=by_code(district), distribution_date=day,
                       lines=[(groups[0], 5000, 2500), (groups[1], 1200, 600)])
            # Left in transit for cm-city-officer to confirm.
            allocate(session, user("cm-officer"), unit=by_code(district), allocation_date=day,
                     document_no="DEMO-CM-5001/1", shares=[(by_code("CM-CITY"), 3000)])
    return 1


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
        user = create_user(session, actor, username=username, first_name=first, last_name=last,
                           email=f"{username}@demo.masklog.invalid", unit=by_code(unit_code),
                           role_names=[role], position=position)
        # The demo's one well-known password fails the password rules on
        # purpose (it is common): dev data only, set past them.
        user.password = hash_password(DEMO_PASSWORD)
        created_users += 1
    session.flush()
    activity = seed_demo_activity(session, actor)
    return {"units": created_units, "users": created_users, "activity": activity}


def prepare_demo(session: Session) -> dict:
    """A working database plus the demo data (tests, benchmarks, the demo
    server). Idempotent; does not commit."""
    report = prepare_database(session)
    return {"hierarchy": report.hierarchy, **seed_demo(session, system_actor(session))}


def prepare_demo_database(app) -> None:
    """Migrate, then roles, hierarchy, reference and demo data — each step
    idempotent, so every start of the demo server may run it. Demo mode only."""
    import flask_migrate

    from app.db.transaction import transaction
    from app.extensions import db

    if not app.config.get("MASKLOG_DEMO"):
        raise RuntimeError("demo data is only created with MASKLOG_CONFIG=demo")
    with app.app_context():
        flask_migrate.upgrade()
        with transaction():
            report = prepare_demo(db.session)
        units = report["hierarchy"].added + report["hierarchy"].unchanged
        print(f"MaskLog demo: {units:,} official units (geothai {report['hierarchy'].data_version}), "
              f"{report['users']} demo accounts created this start; password for all: {DEMO_PASSWORD}")
