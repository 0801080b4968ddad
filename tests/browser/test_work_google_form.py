"""Google Form reconciliation in a real browser: Chiang Mai's administrator
uploads the form's export on a PC, saves the guessed columns, picks a unit
for a loose name from its candidates and one for a name nothing resembles
with the unit picker (searching the province), and reads the result; the same result on a 360 px phone
reads in Thai without sideways scrolling of the page. (Named to run after
the tests that take the manual's screenshots: it adds units in Chiang Mai.)"""
import os

from tests.browser.checks import assert_no_horizontal_scroll, assert_thai_mode


def _shot(page, tmp_path, name):
    folder = os.environ.get("MASKLOG_SCREENSHOT_DIR", str(tmp_path))
    page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_an_administrator_reconciles_the_google_form(open_session, live_app, tmp_path):
    from app.extensions import db
    from app.thai import today
    from tests.helpers import fresh_tree, stock_up

    with live_app.app_context():
        lao, kids, people = fresh_tree(2)
        stock_up(lao, people, 100)
        lao_name, district, kid_name, tag = lao.name_th, lao.parent.name_th, kids[0].name_th, lao.code[1:]
        other_kid = kids[1].name_th
        db.session.commit()
    day = today()
    stamp = f"{day.day}/{day.month}/{day.year + 543}"
    csv_text = ("ประทับเวลา,จังหวัด,อำเภอ,ชื่อหน่วยงาน,จำนวนที่ได้รับ (ชิ้น)\n"
                f"{stamp} 9:15:32,เชียงใหม่,{district},{lao_name},90\n"
                f"{stamp} 9:20:00,เชียงใหม่,{district},{kid_name},20\n"
                f"{stamp} 9:25:00,เชียงใหม่,,หน่วยทดสอบ {tag},5\n"
                f"{stamp} 9:30:00,ลำพูน,เมืองลำพูน,อบต.บ้านธิ,5\n"
                f"{stamp} 9:35:00,จ.เชียงใหม่,,ศูนย์ประสานงานชั่วคราว {tag},3\n")
    path = tmp_path / "แบบรายงานหน้ากาก (การตอบกลับ).csv"
    path.write_text(csv_text, encoding="utf-8")

    page = open_session("desktop", "cm-admin").page
    page.goto("/reconcile/")
    assert_thai_mode(page)
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("#upload-button")
    if "/columns" in page.url:  # the province's first file: the guessed columns, saved as they are
        assert page.locator("#role-received").input_value() == "จำนวนที่ได้รับ (ชิ้น)"
        assert_thai_mode(page)
        with page.expect_navigation():
            page.click("#save-columns")
    assert page.locator("#count-different strong").inner_text() == "1"
    unplaced = page.locator("#unplaced")
    assert f"หน่วยทดสอบ {tag}" in unplaced.inner_text()
    page.select_option("#unplaced select", index=1)
    # No candidate for this one: the picker searches Chiang Mai's units.
    loose = page.locator(".masklog-unplaced", has_text="ศูนย์ประสานงานชั่วคราว")
    assert loose.locator("select").count() == 0
    loose.locator(".masklog-unit-search").fill(other_kid)
    loose.locator(".masklog-unit-option", has_text=other_kid).first.click()
    with page.expect_navigation():
        page.click("#save-picks")
    assert page.locator("#unplaced").count() == 0
    assert other_kid in page.locator("#lines").inner_text()
    assert page.locator("#count-only_form strong").inner_text() != "0"
    assert "จังหวัดอื่น" in page.locator("#not-compared").inner_text()
    assert_thai_mode(page)
    _shot(page, tmp_path, "reconcile-result-desktop")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")

    phone = open_session("phone", "cm-admin").page
    phone.goto(page.url.replace(page.url.split("/reconcile")[0], ""))
    assert_thai_mode(phone)
    assert_no_horizontal_scroll(phone)
    _shot(phone, tmp_path, "reconcile-result-phone")
