"""Thai telephone numbers as people type them and as spreadsheets mangle them.

Stored as digits only: mobiles 0[689]XXXXXXXX (10 digits), landlines
0[2-7]XXXXXXX (9 digits), optionally " ต่อ 123" (an extension). A cell Excel
kept as "General" turns 0812340001 into the number 812340001: a mobile that
lost its leading 0 (9 digits starting 6, 8 or 9) or a landline that lost it
(8 digits starting 2 to 7) is given it back. Anything else is refused."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app.errors import DomainError
from app.thai import to_arabic_digits

_EXTENSION = re.compile(r"^(.*?)\s*(?:ต่อ|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-().\u2013/]")
MOBILE = re.compile(r"0[689]\d{8}")
LANDLINE = re.compile(r"0[2-7]\d{7}")


def normalise_phone(raw) -> str:
    """'' for an empty cell, else the stored form; DomainError (Thai) when the
    text is not one Thai phone number."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():  # a number cell read as 812340001.0
        raw = int(raw)
    text = to_arabic_digits(str(raw)).strip()
    if not text:
        return ""
    text = re.sub(r"\.0$", "", text)  # the same number written out by another program
    extension = ""
    match = _EXTENSION.match(text)
    if match:
        text, extension = match.group(1), match.group(2)
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (10, 11):  # 66 812340001: the country code without +
        digits = "0" + digits[2:]
    if re.fullmatch(r"[689]\d{8}|[2-7]\d{7}", digits):
        digits = "0" + digits
    if not (MOBILE.fullmatch(digits) or LANDLINE.fullmatch(digits)):
        raise DomainError(_("phone %(phone)s is not a Thai phone number (mobile 0812345678, office 053112345)",
                            phone=str(raw).strip()))
    return f"{digits} ต่อ {extension}" if extension else digits
