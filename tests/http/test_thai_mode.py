"""Thai mode over HTTP: every page each role reaches from its menus, and the
show/add/edit pages its lists link to, shows no string of Flask-AppBuilder or
WTForms left in English and no Common-Era date, and neither loads nor links
anything outside the server (closed network). The browser tests run the same
language check on the rendered pages of the daily flows."""
import re
from urllib.parse import urlsplit

import pytest

from tests.http.thai_mode import ce_dates, english_strings, html_strings

pytestmark = pytest.mark.database_independent  # the words, fonts and dates of a page: one backend is enough

ROLES = ["admin", "cm-admin", "cm-officer", "cm-committee", "cm-viewer"]
# Not pages: they sign out, switch to English, download files or change data.
SKIP = re.compile(r"/logout|/lang/|\.(pdf|png|svg|xlsx|csv)|/template|/download|/delete|/action|/api/|"
                  r"/qr/(system|unit)|/swagger|/reissue|^#|^javascript:")
LINK = re.compile(r'href="([^"#]+)"')
OUTSIDE = re.compile(r"""(?:src|href)=["'](https?://(?!localhost[/:"'])[^"']+)|(google_charts\.js)""")
FOLLOW = re.compile(r"/(show|edit)/\d+|/add\b|/(list|chart)/?$|^/[a-z-]+/?$|^/today/|^/registration/|^/province-admins/")


def pattern(path):
    return re.sub(r"/\d+", "/N", path)


@pytest.mark.parametrize("username", ROLES)
def test_no_english_library_string_and_no_common_era_date(as_user, username):
    client = as_user(username)
    queue, seen, problems = ["/"], set(), {}
    while queue:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = client.get(path)
        assert response.status_code < 500, path
        location = urlsplit(response.headers.get("Location", ""))
        if response.status_code in (301, 302) and location.netloc in ("", "localhost"):
            queue.append(location.path)  # e.g. / sends each role to its today page or dashboard
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        strings = html_strings(html)
        english, dates = english_strings(strings), ce_dates(" ".join(strings))
        # Closed network: no internet address, nor FAB's chart script (it fetches Google's loader).
        outside = [url or script for url, script in OUTSIDE.findall(html)]
        if english or dates or outside:
            problems[path] = {"English": english, "C.E. dates": dates, "from outside": outside}
        for href in LINK.findall(html):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.netloc or SKIP.search(href) or not parts.path.startswith("/") or parts.query:
                continue
            if FOLLOW.search(parts.path) and pattern(parts.path) not in seen:
                queue.append(parts.path)
    print(f"\n{username}: {len(seen)} pages checked in Thai mode")
    assert len(seen) > 10
    assert problems == {}, problems
