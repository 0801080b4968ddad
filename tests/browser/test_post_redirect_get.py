"""After a refused form, the officer's Back and reload are plain page loads
(POST-redirect-GET): no "Confirm Form Resubmission", no stale error."""
from tests.browser.test_daily_work import tap_and_wait


def test_back_and_reload_after_a_refused_receipt_show_no_stale_error(open_session, unit_ids):
    district = unit_ids["5001"]
    page = open_session("phone", "cm-officer").page
    page.goto(f"/today/{district}")
    receipt = page.locator("#receipt")
    receipt.locator("[name=source]").fill("บริจาค")
    receipt.locator("[name=reference_no]").fill("ทดลอง 1/2569")
    receipt.locator("[name=quantity_sent]").fill("0")
    tap_and_wait(page, receipt.locator("button[type=submit]"))
    assert "ต้องมากกว่าศูนย์" in page.locator(".alert-danger").first.inner_text()
    assert page.url.endswith(f"/today/{district}") or f"/today/{district}?" in page.url  # a GET, not the POST
    assert receipt.locator("[name=reference_no]").input_value() == "ทดลอง 1/2569"  # kept as typed, once
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.reload()
    assert page.locator(".alert-danger").count() == 0 and dialogs == []
    assert receipt.locator("[name=reference_no]").input_value() == ""
    page.goto(f"/dashboard/{district}")
    page.go_back()
    assert page.url.split("?")[0].endswith(f"/today/{district}")
    assert page.locator(".alert-danger").count() == 0 and dialogs == []
