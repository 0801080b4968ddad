"""What "Thai mode" forbids on a page: a string of Flask-AppBuilder or WTForms
left in English, and a date in the Common Era. Used by the HTTP crawl
(tests/test_thai_mode.py) and the browser tests."""
from __future__ import annotations

import os
import re
from functools import lru_cache
from html.parser import HTMLParser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CE_DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/(19|20)\d\d\b|"
                     r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b")
ATTRIBUTES = ("placeholder", "title", "aria-label")


@lru_cache(maxsize=None)
def library_msgids() -> frozenset:
    """Every msgid of FAB and WTForms (translations/fab.pot, wtforms.pot)."""
    from babel.messages.pofile import read_po

    ids = set()
    for name in ("fab.pot", "wtforms.pot"):
        with open(os.path.join(ROOT, "translations", name), "rb") as f:
            ids |= {m.id for m in read_po(f) if m.id and isinstance(m.id, str)}
    # Names that read the same in Thai.
    return frozenset(i for i in ids if len(i) > 2) - {"MaskLog", "Email"}


def english_strings(strings) -> list:
    """The strings (text nodes, labels, placeholders...) that are a library msgid as is."""
    found = set()
    for text in strings:
        text = re.sub(r"\s+", " ", text or "").strip().rstrip(":*").strip()
        if text in library_msgids():
            found.add(text)
    return sorted(found)


def ce_dates(text: str) -> list:
    return [m.group(0) for m in CE_DATE.finditer(text)]


class _Strings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.strings, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        attrs = dict(attrs)
        self.strings += [attrs[a] for a in ATTRIBUTES if attrs.get(a)]
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.strings.append(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.strings.append(data)


def html_strings(html: str) -> list:
    parser = _Strings()
    parser.feed(html)
    return parser.strings
