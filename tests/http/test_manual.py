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
