"""The in-app manual: a chapter per role, reachable by every signed-in role,
illustrated only with screenshots the browser tests keep in app/static/manual."""
import os
import re

import pytest

from app.views.manual import CHAPTERS

pytestmark = pytest.mark.database_independent  # the words, fonts and dates of a page: one backend is enough

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNED_IN = ["admin", "cm-admin", "cm-officer", "cm-committee", "cm-viewer", "bkk-admin"]


@pytest.mark.parametrize("username", SIGNED_IN)
def test_every_signed_in_role_reads_every_chapter_and_the_printable_manual(as_user, username):
    client = as_user(username)
    index = client.get("/manual/")
    assert index.status_code == 200 and "คู่มือการใช้งาน" in index.get_data(as_text=True)
    start = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/manual/"' in start  # in the navbar's Help menu
    for slug, title, _ in CHAPTERS:
        page = client.get(f"/manual/{slug}")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
    printable = client.get("/manual/print").get_data(as_text=True)
    assert all(title in printable for _, title, _ in CHAPTERS)


def test_the_reader_s_own_chapter_comes_first_to_hand(as_user):
    body = as_user("cm-committee").get("/manual/").get_data(as_text=True)
    assert re.search(r'btn-primary" href="/manual/committee"', body)
    assert not re.search(r'btn-primary" href="/manual/officer"', body)


def test_the_manual_is_behind_sign_in(client):
    assert client.get("/manual/").status_code == 302
    assert client.get("/manual/no-such-chapter").status_code == 302


def test_no_such_chapter(as_user):
    assert as_user("cm-viewer").get("/manual/no-such-chapter").status_code == 404


def test_every_screenshot_the_manual_shows_exists(as_user):
    body = as_user("admin").get("/manual/print").get_data(as_text=True)
    shots = re.findall(r'src="/static/manual/([\w-]+\.png)', body)
    assert len(shots) >= 15
    missing = [name for name in shots if not os.path.exists(os.path.join(ROOT, "app", "static", "manual", name))]
    assert missing == []


THAI = re.compile(r"[\u0e00-\u0e7f]")
LATIN = re.compile(r"[A-Za-z]")
CODE = re.compile(r"<(code|pre)\b.*?</\1>|<(script|style)\b.*?</\2>", re.S)


@pytest.mark.parametrize("username, theirs", [("admin", True), ("cm-admin", True), ("bkk-admin", True),
                                              ("cm-officer", False), ("cm-committee", False), ("cm-viewer", False)])
def test_the_api_chapter_is_the_administrators_and_readable_by_everyone_signed_in(as_user, username, theirs):
    """The chapter for IT staff comes first to hand for administrators; every signed-in
    role can still open it, since the Swagger page (open to all of them) links to it."""
    client = as_user(username)
    index = client.get("/manual/").get_data(as_text=True)
    assert bool(re.search(r'btn-primary" href="/manual/api"', index)) is theirs
    assert 'href="/manual/api"' in index
    assert client.get("/manual/api").status_code == 200
    assert 'href="/manual/api"' in client.get("/swagger/v1").get_data(as_text=True)


def test_the_api_chapter_is_written_in_thai(as_user):
    from tests.http.thai_mode import ce_dates, english_strings, html_strings

    html = as_user("cm-admin").get("/manual/api").get_data(as_text=True)
    chapter = html[html.index('<div class="masklog-card">'):html.index('href="/manual/print"')]
    strings = html_strings(chapter)
    assert english_strings(strings) == [] and ce_dates(" ".join(strings)) == []
    # Outside the code (paths, headers, JSON) the prose is Thai, with a few technical words.
    prose = CODE.sub(" ", chapter)
    prose = " ".join(html_strings(prose))
    thai, latin = len(THAI.findall(prose)), len(LATIN.findall(prose))
    assert thai > 3000 and latin < thai / 10, (thai, latin)
    for words in ("เข้าสู่ระบบ", "โทเคน", "Idempotency-Key", "message_th", "ขีดจำกัดการบันทึก", "/swagger/v1",
                  "ขอบเขต", "curl"):
        assert words in html, words
    assert 'src="/static/manual/swagger-desktop.png' in html
