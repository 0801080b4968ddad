"""The numbers of issue #7, measured for real: bytes the today page costs a
phone on its first and repeat visit (chromium, DevTools' count), taps from a
unit's QR link to a submitted count, and untranslated strings in the Thai
catalogue. Runs the browser tests that measure them (tests/browser/, needs
/usr/bin/chromium) and prints what they recorded.
Usage: .venv/bin/python bench/phone_numbers.py"""
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def untranslated() -> int:
    from babel.messages.pofile import read_po

    with open(os.path.join(ROOT, "translations", "th", "LC_MESSAGES", "messages.po"), "rb") as f:
        return sum(1 for m in read_po(f) if m.id and not (m.string if isinstance(m.string, str) else all(m.string)))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.xml")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-o", "junit_family=xunit1",
                        f"--junitxml={report}", "tests/browser/test_daily_work.py", "tests/browser/test_weight.py"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        properties = {p.get("name"): p.get("value") for p in ET.parse(report).iter("property")}
    print(f"today page, phone:   first visit {int(properties['today_first_visit_bytes_phone']) / 1024:6.1f} KB, "
          f"repeat visit {int(properties['today_repeat_visit_bytes_phone']) / 1024:5.1f} KB")
    print(f"today page, desktop: first visit {int(properties['today_first_visit_bytes_desktop']) / 1024:6.1f} KB, "
          f"repeat visit {int(properties['today_repeat_visit_bytes_desktop']) / 1024:5.1f} KB")
    print(f"taps from the QR link to a submitted count (after sign-in): {properties['taps_from_qr_to_submitted_count']}")
    print(f"untranslated strings in the Thai catalogue: {untranslated()}")
    print(f"(browser tests for these numbers: {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
