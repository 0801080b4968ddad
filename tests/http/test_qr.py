"""QR codes decoded back from what the system generates (PNG downloads, the
PNGs inline in pages, the posters rendered from PDF) and followed with the
test client: the right page for the right user, a Thai refusal for others."""
import base64
import io
import re
import shutil
import subprocess
import tempfile
from urllib.parse import urlparse

import pytest
from PIL import Image

from app.extensions import db
from app.models.unit import Unit
from tests.helpers import login

pyzbar = pytest.importorskip("pyzbar.pyzbar", reason="needs Debian's libzbar0")


def decode_png(data: bytes) -> list:
    return [symbol.data.decode("utf-8") for symbol in pyzbar.decode(Image.open(io.BytesIO(data)))]


def inline_qr_urls(html: str) -> list:
    urls = []
    for encoded in re.findall(r'src="data:image/png;base64,([^"]+)"', html):
        urls += decode_png(base64.b64decode(encoded))
    return urls


def pdf_qr_urls(pdf: bytes) -> list:
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs Debian's poppler-utils (pdftoppm)")
    with tempfile.TemporaryDirectory() as folder:
        source = f"{folder}/in.pdf"
        open(source, "wb").write(pdf)
        subprocess.run(["pdftoppm", "-r", "100", "-png", source, f"{folder}/page"], check=True)
        urls = []
        for page in sorted(__import__("glob").glob(f"{folder}/page*.png")):
            urls += decode_png(open(page, "rb").read())
        return urls


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def unit_id(app, code):
    with app.app_context():
        return db.session.query(Unit.id).filter_by(code=code).scalar()


def test_system_qr_downloads_and_login_page(app, client):
    png = client.get("/qr/system.png")
    assert png.status_code == 200 and decode_png(png.data) == ["http://localhost/"]
    svg = client.get("/qr/system.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    assert inline_qr_urls(client.get("/login/").get_data(as_text=True)) == ["http://localhost/"]
    assert "http://localhost/" in inline_qr_urls(client.get("/about/").get_data(as_text=True))


def test_unit_poster_pdf_has_the_thai_name_and_opens_the_unit_page(app):
    from pypdf import PdfReader

    officer = login(app.test_client(), "cm-officer")
    district = unit_id(app, "5001")
    pdf = officer.get(f"/qr/unit/{district}/poster.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "เมืองเชียงใหม่" in text and "5001" in text
    [url] = pdf_qr_urls(pdf.data)
    assert path_of(url) == f"/qr/u/{district}"
    response = officer.get(path_of(url))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/today/{district}")
    # Someone of another province gets a Thai refusal, not the form.
    refused = login(app.test_client(), "bkk-admin").get(path_of(url))
    assert refused.status_code == 403 and "อยู่นอกพื้นที่ที่ท่านดูแล" in refused.get_data(as_text=True)
    # Not signed in: the login page, which returns straight to the unit afterwards.
    anonymous = app.test_client()
    response = anonymous.get(path_of(url))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    next_url = response.headers["Location"]
    response = anonymous.post(path_of(next_url), data={"username": "cm-officer", "password": "masklog-demo"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/qr/u/{district}")


def test_poster_batches_are_one_page_per_unit_and_limited(app):
    from pypdf import PdfReader

    admin = login(app.test_client(), "admin")
    district = unit_id(app, "5002")
    with app.app_context():
        district_unit = db.session.get(Unit, district)
        expected = db.session.query(Unit).filter(Unit.path.like(district_unit.path + "%"), Unit.active.is_(True)).count()
    pdf = admin.get(f"/qr/unit/{district}/posters.pdf?size=A5")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.data)).pages) == expected
    response = admin.get(f"/qr/unit/{unit_id(app, 'TH')}/posters.pdf")  # 8,000+ units
    assert response.status_code == 422 and "อำเภอหรือพื้นที่ที่เล็กลง" in response.get_data(as_text=True)


def test_shipment_qr_on_the_dispatch_note_opens_the_confirmation_for_the_receiver_only(app):
    from app.models.ledger import Allocation

    with app.app_context():
        allocation = db.session.query(Allocation).filter(Allocation.document_no.like("DEMO-CM-%")).first()
        allocation_id = allocation.id
        receiver_unit = allocation.lines[0].unit_id
    note = login(app.test_client(), "cm-admin").get(f"/print/allocation/{allocation_id}").get_data(as_text=True)
    [url] = inline_qr_urls(note)
    assert "/qr/s/" in url
    receiver = login(app.test_client(), "cm-officer")
    response = receiver.get(path_of(url))
    assert response.status_code == 302 and f"/today/{receiver_unit}" in response.headers["Location"]
    sender = login(app.test_client(), "cm-admin").get(path_of(url))
    assert sender.status_code == 403 and "เฉพาะผู้ใช้ของหน่วยงานนั้น" in sender.get_data(as_text=True)
    tampered = receiver.get(path_of(url)[:-3] + "xyz")
    assert tampered.status_code == 400 and "ไม่ถูกต้อง" in tampered.get_data(as_text=True)


def test_activation_sheet_qr_opens_the_activation_page(app):
    from app.commands.setup import system_actor
    from app.commands.users import create_user
    from app.roles import OFFICER

    with app.app_context():
        unit = db.session.query(Unit).filter_by(code="500105").one()
        create_user(db.session, system_actor(db.session), username="qr-new-user", first_name="ใหม่", last_name="คิวอาร์",
                    email="qr-new-user@example.go.th", unit=unit, role_names=[OFFICER])
        db.session.commit()
        sheet_unit = unit.id
    admin = login(app.test_client(), "cm-admin")
    urls = inline_qr_urls(admin.get(f"/registration/sheet/{sheet_unit}").get_data(as_text=True))
    assert urls and all("/activate/" in u for u in urls)
    assert app.test_client().get(path_of(urls[0])).status_code == 200


def test_qr_of_a_deactivated_unit(app):
    from app.commands.setup import system_actor
    from app.commands.units import create_unit

    with app.app_context():
        unit = create_unit(db.session, system_actor(db.session), parent=db.session.query(Unit).filter_by(code="5001").one(),
                           level="end_unit", name_th="จุดคัดกรองที่ปิดแล้ว", code="CM-CLOSED")
        unit.active = False
        db.session.commit()
        closed = unit.id
    response = login(app.test_client(), "cm-officer").get(f"/qr/u/{closed}")
    assert response.status_code == 410 and "ไม่ได้ใช้งานแล้ว" in response.get_data(as_text=True)


def test_expired_shipment_qr_is_refused(app, monkeypatch):
    from app.models.ledger import AllocationLine
    from app.views import qr

    with app.app_context():
        line = db.session.query(AllocationLine).join(AllocationLine.unit).filter(Unit.code == "5001").first()
        with app.test_request_context():
            url = qr.shipment_url(line)
    monkeypatch.setattr(qr, "SHIPMENT_LINK_DAYS", -1)
    response = login(app.test_client(), "cm-officer").get(path_of(url))
    assert response.status_code == 410 and "หมดอายุ" in response.get_data(as_text=True)
