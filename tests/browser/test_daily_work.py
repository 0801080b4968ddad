"""The day's work on a phone, in a real browser, from the QR poster on the
wall to the masks handed out:

1. officer of อำเภอเมืองเชียงใหม่ scans the district's QR → signs in → today page
   → records a donation that arrived;
2. the counting committee scans the same QR → count sheet → the chair signs off
   (taps counted from the QR link to the submitted count);
3. the officer allocates part of the stock to the checkpoint below;
4. the checkpoint's officer confirms what arrived, then distributes it.
Every page: no sideways scrolling at 360 px, tap targets >= 40 px, numeric
keypads on quantity fields. Screenshots go to the manual."""
import re

from app.thai import thai_date_input, today
from tests.browser.checks import assert_phone_friendly, save_screenshot
from tests.browser.conftest import CHECKPOINT_OFFICER, COMMITTEE


class Taps:
    """Counts what a user's finger does after the QR link opened the page."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, selector):
        self.count += 1
        tap_and_wait(self.page, self.page.locator(selector))


def tap_and_wait(page, locator):
    """Tap a link or submit button and wait for the page it opens."""
    with page.expect_navigation():
        locator.tap()


def balance(page):
    return int(page.locator("#balance").inner_text().replace(",", ""))


def flash(page):
    return page.locator(".alert").first.inner_text()


def test_a_day_of_work_from_the_qr_poster_to_the_risk_groups(open_session, unit_ids, record_property):
    district, checkpoint = unit_ids["5001"], unit_ids["CM-CHECKPOINT"]

    # 1. The officer scans the district's poster and signs in: straight to the today page.
    officer = open_session("phone")
    page = officer.page
    page.goto(f"/qr/u/{district}")
    assert "/login" in page.url
    officer.login("cm-officer")
    assert page.url.endswith(f"/today/{district}")
    assert_phone_friendly(page)
    save_screenshot(page, "qr-today-officer-phone")  # what the QR opens
    before = balance(page)
    receipt = page.locator("#receipt")
    receipt.locator("[name=source]").fill("บริจาคจากหอการค้าจังหวัด")
    receipt.locator("[name=reference_no]").fill("หอการค้า 15/2563")
    receipt.locator("[name=quantity_sent]").fill("๑,๒๐๐")  # Thai digits and a separator, as typed
    assert receipt.locator("[name=date]").input_value() == thai_date_input(today())  # B.E.
    save_screenshot(receipt, "receipt-form-phone")
    tap_and_wait(page, receipt.locator("button[type=submit]"))
    assert "บันทึกการรับเข้าแล้ว" in flash(page)
    assert balance(page) == before  # it enters stock when the committee signs the count

    # 2. The committee scans the same poster: today page, count sheet, chair signs off.
    page = open_session("phone", "cm-committee").page  # signed in on this phone before
    page.goto(f"/qr/u/{district}")
    assert page.url.endswith(f"/today/{district}")
    taps = Taps(page)
    taps.tap("#count-status a.btn")
    assert "/count" in page.url
    assert_phone_friendly(page)
    # The sheet starts from the committee on file (chair chosen) and the quantity on the document.
    assert page.locator("[name=member-name-0]").input_value() == COMMITTEE[0]["name"]
    assert page.locator("input[name=chair_row][value='0']").is_checked()
    counted = page.locator("input[name^=counted-]")
    assert counted.count() == 1 and counted.input_value() == "1,200"
    # The committee counts what is on hand and types it: one tap into the field.
    expected = int(page.locator("#book-after").inner_text().replace(",", ""))
    physical = page.locator("[name=physical_count]")
    taps.count += 1
    physical.tap()
    physical.type(str(expected))
    assert physical.input_value().replace(",", "") == str(expected)
    save_screenshot(page, "count-sheet-phone")
    taps.tap("button[value=sign]")
    assert "ลงนามและล็อกแล้ว" in page.locator(".alert-success").last.inner_text()
    record_property("taps_from_qr_to_submitted_count", taps.count)
    print(f"\ntaps from the QR link to a submitted count (after sign-in): {taps.count}")
    assert taps.count <= 3
    save_screenshot(page, "count-signed-phone")

    # 3. The officer sees the counted stock and allocates to the checkpoint.
    page = officer.page
    page.reload()
    assert balance(page) == before + 1200
    sheet = page.locator("#allocate")
    sheet.locator("[name=document_no]").fill("ชม 0017.1/25")
    sheet.locator(f"[name=share-{checkpoint}]").fill("500")
    save_screenshot(sheet, "allocation-form-phone")
    tap_and_wait(page, sheet.locator("button[type=submit]"))
    assert "บันทึกการจัดสรรแล้ว" in flash(page)
    assert balance(page) == before + 700

    # 4. The checkpoint's officer confirms the shipment, then hands masks out.
    receiver = open_session("phone")
    page = receiver.page
    page.goto(f"/qr/u/{checkpoint}")
    receiver.login(CHECKPOINT_OFFICER)
    assert page.url.endswith(f"/today/{checkpoint}")
    incoming = page.locator("#incoming")
    assert "500" in incoming.inner_text() and incoming.locator("[name=received]").input_value() == "500"
    assert_phone_friendly(page)
    save_screenshot(incoming, "confirm-receipt-phone")
    tap_and_wait(page, incoming.locator("button[type=submit]"))
    assert "ยืนยันการรับแล้ว" in flash(page) and balance(page) == 500
    form = page.locator("#distribute")
    first_group = form.locator("input[name^=pieces-]").first
    group_id = re.sub(r"\D", "", first_group.get_attribute("name"))
    first_group.fill("300")
    form.locator(f"[name=people-{group_id}]").fill("150")
    save_screenshot(form, "distribution-form-phone")
    tap_and_wait(page, form.locator("button[type=submit]"))
    assert "บันทึกการแจกจ่ายแล้ว" in flash(page) and balance(page) == 200
    assert_phone_friendly(page)
    save_screenshot(page.locator("#recorded"), "recorded-today-phone")
