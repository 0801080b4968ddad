"""Bulk registration of 5,000 users through the real upload path (Flask test
client, the province administrator's session) on a fresh database.
Usage: .venv/bin/python bench/bulk_import.py [DATABASE_URL] [--rows 5000]"""
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402

from app import create_app  # noqa: E402
from app.devtools.demo import prepare_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.unit import Unit  # noqa: E402
from app.models.user import MaskLogUser  # noqa: E402
from config import TestConfig  # noqa: E402


def users_csv(codes, rows: int, prefix: str = "bulk") -> bytes:
    """The registration template filled in: `rows` officers spread over the unit codes."""
    lines = ["ชื่อผู้ใช้,ชื่อ,นามสกุล,ตำแหน่ง,โทรศัพท์,อีเมล,รหัสหน่วยงาน,บทบาท"]
    for n in range(rows):
        lines.append(f"{prefix}.{n:05d},ผู้ใช้{n},ทดสอบนำเข้า,เจ้าหน้าที่,08{n:08d},{prefix}{n}@example.go.th,"
                     f"{codes[n % len(codes)]},เจ้าหน้าที่บันทึกข้อมูล")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 5000
    url = args[0] if args else "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
        province = db.session.query(Unit).filter_by(code="50").one()
        codes = [c for (c,) in db.session.query(Unit.code).filter(Unit.path.like(province.path + "%"),
                                                                   Unit.level == "subdistrict")]
    data = users_csv(codes, rows)
    client = app.test_client()
    client.post("/login/", data={"username": "cm-admin", "password": "masklog-demo"})
    started = time.perf_counter()
    response = client.post("/registration/upload", data={"file": (io.BytesIO(data), "users.csv"), "mode": "all"},
                           content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    with app.app_context():
        imported = db.session.query(MaskLogUser).filter(MaskLogUser.username.like("bulk.%")).count()
    print(f"{rows:,} rows ({len(data) / 1024:.0f} KiB CSV) uploaded, validated and imported in {elapsed:.2f} s "
          f"on {url.split(':')[0]}: HTTP {response.status_code}, "
          f"{imported:,} users created")


if __name__ == "__main__":
    main()
