"""Thai input and output: Thai digits in number fields, Buddhist-Era dates.

One display style everywhere: "7 พ.ค. 2563" (day, abbreviated Thai month,
B.E. year, Arabic digits); printouts may ask for Thai digits."""
from __future__ import annotations

import datetime
import re
from typing import Optional
from zoneinfo import ZoneInfo

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _

from app.errors import DomainError

BANGKOK = ZoneInfo("Asia/Bangkok")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
ARABIC_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MONTHS_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
MAX_QUANTITY = 10_000_000  # per line: anything larger is a typing mistake


def today() -> datetime.date:
    """The date in Thailand, whatever the server's clock zone."""
    return datetime.datetime.now(BANGKOK).date()


def to_arabic_digits(text: str) -> str:
    return (text or "").translate(THAI_DIGITS)


def parse_quantity(raw, field: str, *, allow_zero: bool = False, allow_negative: bool = False,
                   maximum: int = MAX_QUANTITY) -> int:
    """A whole number of pieces from a form: Thai or Arabic digits, thousands
    separators allowed. Anything else is a DomainError with a Thai message."""
    text = to_arabic_digits(str(raw if raw is not None else "")).strip().replace(",", "").replace(" ", "")
    if text == "":
        raise DomainError(_("Please enter %(field)s.", field=field))
    if len(text) > 15:  # long before Python's int() limits: a typing mistake
        raise DomainError(_("%(field)s is too large (at most %(maximum)s).", field=field,
                            maximum=format_number(maximum)))
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", text):
            raise DomainError(_("%(field)s must be a whole number, not a fraction.", field=field))
        raise DomainError(_("%(field)s must be a number.", field=field))
    value = int(text)
    if value < 0 and not allow_negative:
        raise DomainError(_("%(field)s cannot be negative.", field=field))
    if value == 0 and not allow_zero:
        raise DomainError(_("%(field)s must be more than zero.", field=field))
    if abs(value) > maximum:
        raise DomainError(_("%(field)s is too large (at most %(maximum)s).", field=field,
                            maximum=format_number(maximum)))
    return value


MONTHS_LONG = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
               "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
_MONTH_NUMBERS = {name.replace(".", "").replace(" ", ""): number
                  for names in (MONTHS_SHORT, MONTHS_LONG) for number, name in enumerate(names, 1)}


def _named_month(text: str):
    """(day, month, year) of "7 พ.ค. 2563" / "7 พฤษภาคม 2563", else None."""
    match = re.fullmatch(r"(\d{1,2})\s*([^\d\s][^\d]*?)\s*(\d{4})", text)
    if not match:
        return None
    month = _MONTH_NUMBERS.get(match.group(2).replace(".", "").replace(" ", ""))
    return (int(match.group(1)), month, int(match.group(3))) if month else None


def parse_date(raw) -> datetime.date:
    """ISO (2020-05-07, as <input type=date> sends), Thai d/m/yyyy, or the
    page's own style "7 พ.ค. 2563", in B.E. or C.E."""
    if isinstance(raw, datetime.date):
        return raw
    text = to_arabic_digits(str(raw or "")).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            year, month, day = (int(x) for x in text.split("-"))
        elif re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", text):  # phone keypads may lack "/"
            day, month, year = (int(x) for x in re.split(r"[/.-]", text))
        elif _named_month(text):  # "7 พ.ค. 2563" as pages show it, or "7 พฤษภาคม 2563"
            day, month, year = _named_month(text)
        else:
            raise ValueError(text)
        if year > 2400:  # Buddhist Era
            year -= 543
        return datetime.date(year, month, day)
    except ValueError:
        raise DomainError(_("The date \"%(text)s\" is not a valid date (use dd/mm/yyyy in B.E.).", text=text))


def format_number(value: Optional[int]) -> str:
    return "" if value is None else f"{value:,}"


def signed_number(value: Optional[int]) -> str:
    """A stock movement: +1,200 or -500."""
    return "" if value is None else f"{value:+,}"


def thai_date(value, thai_digits: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.replace(tzinfo=datetime.timezone.utc).astimezone(BANGKOK).date() if value.tzinfo is None \
            else value.astimezone(BANGKOK).date()
    text = f"{value.day} {MONTHS_SHORT[value.month - 1]} {value.year + 543}"
    return text.translate(ARABIC_TO_THAI) if thai_digits else text


def thai_date_input(value) -> str:
    """A date as typed in a form: d/m/yyyy in B.E. ("7/5/2563"), what parse_date reads back."""
    return "" if value is None else f"{value.day}/{value.month}/{value.year + 543}"


def thai_datetime(value: Optional[datetime.datetime]) -> str:
    """A stored UTC timestamp as Bangkok date and time."""
    if value is None:
        return ""
    local = value.replace(tzinfo=datetime.timezone.utc).astimezone(BANGKOK)
    return f"{thai_date(local.date())} {local:%H:%M} น."


def thai_time(value: Optional[datetime.datetime]) -> str:
    if value is None:
        return ""
    return f"{value.replace(tzinfo=datetime.timezone.utc).astimezone(BANGKOK):%H:%M} น."


def register_template_filters(app) -> None:
    app.jinja_env.filters.update(thai_date=thai_date, thai_date_input=thai_date_input, thai_datetime=thai_datetime,
                                 thai_time=thai_time, number=format_number, signed_number=signed_number,
                                 thai_digits=lambda v: str(v).translate(ARABIC_TO_THAI))
