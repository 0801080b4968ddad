"""What every phone page must pass, and the screenshots the manual reuses."""
from __future__ import annotations

import datetime
import io
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANUAL_DIR = os.path.join(ROOT, "app", "static", "manual")
MIN_TAP_PX = 40
# Form fields that take a number of pieces or people.
QUANTITY_FIELDS = ("received", "quantity", "quantity_sent", "physical_count", "pieces-", "people-",
                   "share-", "counted-", "damaged-", "missing-")


def assert_no_horizontal_scroll(page):
    assert_fits_the_screen(page)


def assert_fits_the_screen(page):
    """No part of the page reaches past the screen's right edge. Compared with the
    viewport the test set, not window.innerWidth: a phone browser (is_mobile)
    widens its layout viewport to a page that is too wide, and innerWidth with it."""
    screen = page.viewport_size["width"] if page.viewport_size else None
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    limit = min(inner, screen or inner)
    assert width <= limit, f"{page.url}: page is {width}px wide on a {limit}px screen"


def assert_tap_targets(page, scope="body"):
    """Every visible form control in `scope` is at least MIN_TAP_PX high."""
    small = page.evaluate("""([scope, min]) => {
        const out = [];
        for (const el of document.querySelectorAll(scope + ' input, ' + scope + ' select, ' + scope + ' button, '
                                                   + scope + ' textarea, ' + scope + ' .btn')) {
            if (el.type === 'hidden' || el.closest('.navbar')) continue;
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;  // not displayed
            if (el.type === 'checkbox' || el.type === 'radio') continue;  // their label is the target
            if (box.height < min) out.push((el.name || el.id || el.textContent.trim() || el.tagName) + ': '
                                           + Math.round(box.height) + 'px');
        }
        return out;
    }""", [scope, MIN_TAP_PX])
    assert small == [], f"{page.url}: tap targets under {MIN_TAP_PX}px: {small}"


def assert_numeric_keypads(page):
    """Quantity fields open the numeric keypad on phones; returns how many were checked."""
    fields = page.evaluate("""(prefixes) => Array.from(document.querySelectorAll('input[name]'))
        .filter(el => prefixes.some(p => p.endsWith('-') ? el.name.startsWith(p) : el.name === p))
        .map(el => [el.name, el.getAttribute('inputmode')])""", list(QUANTITY_FIELDS))
    wrong = [name for name, mode in fields if mode != "numeric"]
    assert wrong == [], f"{page.url}: quantity fields without inputmode=numeric: {wrong}"
    return len(fields)


def assert_phone_friendly(page, scope="body"):
    assert_no_horizontal_scroll(page)
    assert_tap_targets(page, scope)
    return assert_numeric_keypads(page)


# Screenshots for the manual are set on one fixed day (the letter's date, 7 May
# 2020): every date on the page moves back by the same number of days, so a
# new day of testing changes no picture, and trends and periods still read
# right. Times read 09:30. Swapped in the page just for the shot, then put back.
FIXED_DAY = datetime.date(2020, 5, 7)
FIXED_TIME = "09:30 น."
NORMALISE = r"""([offsetDays, months, time]) => {
  const undo = [];
  const shift = (day, month, year) => {
    const d = new Date(Date.UTC(year - 543, month, day) - offsetDays * 86400000);
    return [d.getUTCDate(), d.getUTCMonth(), d.getUTCFullYear() + 543];
  };
  const named = new RegExp('(\\d{1,2}) (' + months.map(m => m.replace(/\./g, '\\.')).join('|') + ') (\\d{4})', 'g');
  const swap = (text) => text
    .replace(named, (all, d, m, y) => { const [dd, mm, yy] = shift(+d, months.indexOf(m), +y);
                                        return dd + ' ' + months[mm] + ' ' + yy; })
    .replace(/\b\d{2}:\d{2} น\./g, time);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, text = swap(node.data);
    if (text !== node.data) { undo.push([node, 'data', node.data]); node.data = text; }
  }
  for (const input of document.querySelectorAll('input')) {
    let value = swap(input.value);
    const typed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
    if (typed) { const [dd, mm, yy] = shift(+typed[1], typed[2] - 1, +typed[3]); value = dd + '/' + (mm + 1) + '/' + yy; }
    if (value !== input.value) { undo.push([input, 'value', input.value]); input.value = value; }
  }
  window.__masklogUndo = () => { for (const [node, key, value] of undo.reverse()) node[key] = value; };
}"""


def manual_shots() -> set:
    """The screenshots the manual shows (shot('name', ...) in app/templates/manual/)."""
    import glob
    import re

    names = set()
    for path in glob.glob(os.path.join(ROOT, "app", "templates", "manual", "*.html")):
        names |= set(re.findall(r"shot\('([\w-]+)'", open(path, encoding="utf-8").read()))
    return names


def save_screenshot(target, name, **options):
    """Screenshot a page or element into app/static/manual/<name>.png when the
    manual shows it. Dates and times are shown as one fixed day, and the file is left
    alone when no more than a few pixels differ (font rendering), so a test run
    leaves git clean unless the screen really changed."""
    from PIL import Image, ImageChops

    from app.thai import MONTHS_SHORT, today

    if name not in manual_shots():
        return None  # the manual does not show it: nothing to keep up to date

    page = getattr(target, "page", target)
    page.evaluate(NORMALISE, [(today() - FIXED_DAY).days, MONTHS_SHORT, FIXED_TIME])
    try:
        data = target.screenshot(animations="disabled", caret="hide", **options)
    finally:
        page.evaluate("() => window.__masklogUndo()")
    path = os.path.join(MANUAL_DIR, f"{name}.png")
    os.makedirs(MANUAL_DIR, exist_ok=True)
    if os.path.exists(path):
        new, old = Image.open(io.BytesIO(data)).convert("RGB"), Image.open(path).convert("RGB")
        if new.size == old.size and sum(ImageChops.difference(new, old).convert("L").histogram()[8:]) <= 50:
            return path
    with open(path, "wb") as f:
        f.write(data)
    return path


VISIBLE_STRINGS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(parent.tagName)) out.push(walker.currentNode.data);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit], input[type=button]')) {
    for (const attr of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(attr)) out.push(el.getAttribute(attr));
    if (el.type === 'submit' || el.type === 'button') out.push(el.value);
  }
  out.push(document.title);
  return out;
}"""


def assert_thai_mode(page):
    """As rendered (scripts included): no FAB/WTForms string left in English, no C.E. date."""
    from tests.http.thai_mode import ce_dates, english_strings

    strings = page.evaluate(VISIBLE_STRINGS)
    assert english_strings(strings) == [], f"{page.url}: English left: {english_strings(strings)}"
    assert ce_dates(" ".join(strings)) == [], f"{page.url}: C.E. dates: {ce_dates(' '.join(strings))}"
