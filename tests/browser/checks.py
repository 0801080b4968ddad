"""What every phone page must pass, and the screenshots the manual reuses."""
from __future__ import annotations

import io
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANUAL_DIR = os.path.join(ROOT, "app", "static", "manual")
MIN_TAP_PX = 40
# Form fields that take a number of pieces or people.
QUANTITY_FIELDS = ("received", "quantity", "quantity_sent", "physical_count", "pieces-", "people-",
                   "share-", "counted-", "damaged-", "missing-")


def assert_no_horizontal_scroll(page):
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url}: page is {width}px wide on a {inner}px screen"


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


def save_screenshot(target, name, **options):
    """Screenshot a page or element into app/static/manual/<name>.png for the
    manual. An image that differs from the committed one only in a few pixels
    (today's date, a time) is not rewritten, so a test run leaves git clean
    unless the screen really changed."""
    from PIL import Image, ImageChops

    data = target.screenshot(**options)
    path = os.path.join(MANUAL_DIR, f"{name}.png")
    os.makedirs(MANUAL_DIR, exist_ok=True)
    if os.path.exists(path):
        new, old = Image.open(io.BytesIO(data)).convert("RGB"), Image.open(path).convert("RGB")
        if new.size == old.size:
            changed = sum(ImageChops.difference(new, old).convert("L").histogram()[1:])
            if changed <= 0.01 * new.size[0] * new.size[1]:
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
    from tests.thai_mode import ce_dates, english_strings

    strings = page.evaluate(VISIBLE_STRINGS)
    assert english_strings(strings) == [], f"{page.url}: English left: {english_strings(strings)}"
    assert ce_dates(" ".join(strings)) == [], f"{page.url}: C.E. dates: {ce_dates(' '.join(strings))}"
