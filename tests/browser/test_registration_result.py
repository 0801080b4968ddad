"""Bulk registration on a 360 px phone: after an upload the result is the first
thing on the screen (it used to be two screens down, under the forms), and it
fits the screen."""
import os

from tests.browser.checks import assert_fits_the_screen

HEADER = "ชื่อผู้ใช้,ชื่อ,นามสกุล,ตำแหน่ง,โทรศัพท์,อีเมล,รหัสหน่วยงาน,บทบาท"


def test_upload_result_is_first_on_a_phone(open_session, tmp_path):
    page = open_session("phone", "cm-admin").page
    page.goto("/registration/")
    csv = tmp_path / "users.csv"
    csv.write_text("\n".join([HEADER, "b15.ok,สมศรี,ทดสอบ,ปลัดอำเภอ,812340001,,5001,เจ้าหน้าที่บันทึกข้อมูล",
                              "b15.phone,สมปอง,ทดสอบ,,12345,,5001,เจ้าหน้าที่บันทึกข้อมูล",
                              "b15.role,สมหมาย,ทดสอบ,,,,5001,ผู้ดูแลระบบจังหวัด"]) + "\n", encoding="utf-8-sig")
    form = page.locator("form[action='/registration/upload']")
    form.locator("input[type=file]").set_input_files(str(csv))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("#result")
    box = result.bounding_box()
    screen = page.viewport_size["height"]
    assert box["y"] < screen / 2, f"the result starts at {box['y']:.0f}px on a {screen}px screen"
    assert box["y"] < page.locator("form[action='/registration/upload']").bounding_box()["y"]
    text = result.inner_text()
    assert "โทรศัพท์ 12345 ไม่ใช่หมายเลขโทรศัพท์" in text and "บทบาทที่ท่านมอบได้" in text
    assert_fits_the_screen(page)
    shot = os.environ.get("MASKLOG_SHOT_DIR")  # to look at it: MASKLOG_SHOT_DIR=/tmp pytest ...
    if shot:
        page.screenshot(path=os.path.join(shot, "registration-result-phone.png"))
