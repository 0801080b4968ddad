"""Correcting a mistake on a 360 px phone: from the day's list to a reversed
distribution and a recalled shipment, each with its reason, in Thai."""
from tests.browser.checks import assert_phone_friendly, assert_thai_mode, save_screenshot
from tests.browser.test_daily_work import balance, flash, tap_and_wait


def test_an_officer_reverses_a_distribution_and_recalls_a_shipment_on_a_phone(open_session, unit_ids):
    district = unit_ids["5001"]
    page = open_session("phone", "cm-officer").page
    page.goto(f"/today/{district}")
    before = balance(page)
    assert before >= 20, "the demo district holds stock"
    distribute = page.locator("#distribute")
    distribute.locator("input[name^=pieces-]").first.fill("12")
    distribute.locator("input[name^=people-]").first.fill("6")
    tap_and_wait(page, distribute.locator("button[type=submit]"))
    assert balance(page) == before - 12
    allocate = page.locator("#allocate")
    allocate.locator("[name=document_no]").fill("ชม 0017/แก้ไข")
    allocate.locator("input[name^=share-]").first.fill("5")
    tap_and_wait(page, allocate.locator("button[type=submit]"))
    assert balance(page) == before - 17

    # The day's list leads to the correction of that very distribution.
    tap_and_wait(page, page.locator("#recorded a", has_text="ยกเลิก").first)
    assert "/corrections" in page.url
    assert_thai_mode(page)
    assert_phone_friendly(page)
    entry = page.locator("[id^=distribution-]").first
    assert "12 ชิ้น" in entry.inner_text()
    entry.locator("[name=reason]").fill("บันทึกซ้ำ")
    save_screenshot(page, "corrections-phone", full_page=True)
    tap_and_wait(page, entry.locator("button[type=submit]"))
    assert "12 ชิ้นกลับเข้าคงคลังวันนี้" in flash(page)
    reversed_entry = page.locator("[id^=distribution-]").first
    assert "ยกเลิกแล้ว" in reversed_entry.inner_text() and reversed_entry.locator("button").count() == 0

    shipment = page.locator("[id^=recall-]", has_text="ชม 0017/แก้ไข")
    shipment.locator("[name=reason]").fill("ส่งผิดหน่วย")
    tap_and_wait(page, shipment.locator("button[type=submit]"))
    assert "5 ชิ้นกลับเข้าคงคลังวันนี้" in flash(page)
    assert page.locator("[id^=recall-]", has_text="ชม 0017/แก้ไข").count() == 0
    tap_and_wait(page, page.locator("a", has_text="กลับไปงานวันนี้").first)
    assert balance(page) == before
