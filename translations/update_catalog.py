"""Refresh translations/messages.pot from the app's sources plus FAB's strings
(translations/fab.pot, extracted from the pinned Flask-AppBuilder) and
WTForms (translations/wtforms.pot, copied from the pinned WTForms), then merge
it into the Thai catalogue. New entries arrive untranslated; tests fail until
they are translated. Usage: .venv/bin/python translations/update_catalog.py"""
import os
import subprocess
import sys

from babel.messages.pofile import read_po, write_po

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYBABEL = os.path.join(os.path.dirname(sys.executable), "pybabel")


def main() -> None:
    app_pot = os.path.join(HERE, "app.pot")
    subprocess.run([PYBABEL, "--quiet", "extract", "-F", os.path.join(HERE, "babel.cfg"), "-k", "_l",
                    "-k", "lazy_gettext", "-o", app_pot, "."], check=True, cwd=ROOT)
    with open(app_pot, "rb") as f:
        catalog = read_po(f)
    # FAB's strings, and WTForms' validation messages (Flask-WTF looks them up
    # in the app's catalogue; WTForms ships no Thai).
    for template in ("fab.pot", "wtforms.pot"):
        with open(os.path.join(HERE, template), "rb") as f:
            for message in read_po(f):
                if message.id and message.id not in catalog:
                    catalog[message.id] = message
    os.remove(app_pot)
    with open(os.path.join(HERE, "messages.pot"), "wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    subprocess.run([PYBABEL, "--quiet", "update", "-i", os.path.join(HERE, "messages.pot"), "-d", HERE,
                    "-l", "th", "--no-fuzzy-matching", "-w", "100"], check=True)


if __name__ == "__main__":
    main()
