"""What reconciling a 20,000-row Google Form export costs before any database
work: reading the file (app/reconcile/form_file.py, CSV and .xlsx) and
matching every row's typed unit name (app/reconcile/unit_matching.py) against
the largest province's units: Nakhon Ratchasima's 32 districts and 289
subdistricts from geothai, plus an LAO per subdistrict and 7 end units each
(~2,600 units, what a province holds once registered). No database needed.

Rows are drawn from the units' names as people type them: kind in front or
not, abbreviated or spelt out, extra spaces, zero-width characters, Thai
digits, one letter wrong, with and without the district column. Two runs:
"realistic" (names repeat, as forms do) and "all distinct" (every row's text
differs: the cache never helps, the worst case).
Usage: .venv/bin/python bench/form_matching.py [--rows 20000] [--province 30]"""
import argparse
import csv
import datetime
import io
import os
import random
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import geothai  # noqa: E402

from app.reconcile.form_file import read_form_file  # noqa: E402
from app.reconcile.unit_matching import UnitMatcher, UnitRef  # noqa: E402

END_UNITS = ("โรงพยาบาลส่งเสริมสุขภาพตำบล", "โรงเรียนบ้าน", "ศูนย์พัฒนาเด็กเล็ก", "วัด", "ตลาดสด", "ศูนย์ดูแลผู้สูงอายุ",
             "อสม. หมู่ที่ ")
SHORT = {"โรงพยาบาลส่งเสริมสุขภาพตำบล": "รพ.สต.", "ศูนย์พัฒนาเด็กเล็ก": "ศพด.", "องค์การบริหารส่วนตำบล": "อบต.",
         "เทศบาลตำบล": "ทต."}
ZWSP = "\u200b"
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def province_units(code: str) -> list:
    province = next(p for p in geothai.provinces() if p.code == code)
    units, next_id = [UnitRef(1, code, province.name_th, "province")], 2
    for district in geothai.districts(code):
        units.append(UnitRef(next_id, district.code, district.name_th, "district", district.name_th))
        next_id += 1
        for number, sub in enumerate(geothai.subdistricts(district.code)):
            units.append(UnitRef(next_id, sub.code, sub.name_th, "subdistrict", district.name_th, sub.name_th))
            lao = ("องค์การบริหารส่วนตำบล" if number % 3 else "เทศบาลตำบล") + sub.name_th
            units.append(UnitRef(next_id + 1, f"L{sub.code}", lao, "lao", district.name_th, sub.name_th))
            next_id += 2
            for index, kind in enumerate(END_UNITS, 1):
                name = f"{kind}{index}" if kind.endswith(" ") else f"{kind}{sub.name_th}"
                units.append(UnitRef(next_id, f"E{sub.code}-{index}", name, "end_unit", district.name_th, sub.name_th))
                next_id += 1
    return units


def typed_forms(unit: UnitRef, rng: random.Random) -> tuple:
    """(unit text, district text) as one person might type them."""
    name = unit.name_th
    for long, short in SHORT.items():
        if name.startswith(long) and rng.random() < 0.6:
            name = short + (" " if rng.random() < 0.5 else "") + name[len(long):]
    if unit.level == "subdistrict":
        name = rng.choice(["ต.", "ตำบล", "ตำบล ", ""]) + name
    elif unit.level == "district":
        name = rng.choice(["อ.", "อำเภอ", ""]) + name
    roll = rng.random()
    if roll < 0.1 and len(name) > 4:  # one letter wrong
        at = rng.randrange(2, len(name))
        name = name[:at] + name[at + 1:]
    elif roll < 0.15:
        at = rng.randrange(1, len(name))
        name = name[:at] + ZWSP + name[at:]
    elif roll < 0.2:
        name = name.translate(THAI_DIGITS)
    elif roll < 0.25:
        name = f"  {name} "
    district = rng.choice(["", "อ." + unit.district, unit.district]) if unit.district else ""
    return name, district


def distinct_forms(units: list, rows: int, rng: random.Random) -> list:
    """Every row's text different: a random letter dropped or doubled at a random place."""
    seen, out = set(), []
    while len(out) < rows:
        unit = rng.choice(units)
        text, district = typed_forms(unit, rng)
        at = rng.randrange(0, len(text))
        text = text[:at] + (text[at] * 2 if rng.random() < 0.5 else "") + text[at + 1:]
        if (text, district) not in seen:
            seen.add((text, district))
            out.append((text, district, unit))
    return out


def measure(label: str, units: list, rows: list) -> None:
    started = time.perf_counter()
    matcher = UnitMatcher(units)
    built, cpu = time.perf_counter(), time.process_time()
    statuses, correct = Counter(), 0
    for text, district, unit in rows:
        match = matcher.match(text, district)
        statuses[match.status] += 1
        correct += match.status == "auto" and match.unit == unit
    done, cpu = time.perf_counter(), time.process_time() - cpu
    distinct = len({(text, district) for text, district, _unit in rows})
    print(f"{label}: {len(rows):,} rows, {distinct:,} distinct texts; index {built - started:.2f} s, "
          f"matching {done - built:.2f} s ({cpu:.2f} s CPU) = {len(rows) / (done - built):,.0f} rows/s; "
          f"auto {statuses['auto']:,} (correct {correct:,}), ambiguous {statuses['ambiguous']:,}, "
          f"unknown {statuses['unknown']:,}")


def export_files(rows: list) -> tuple:
    """The same rows as Google's CSV and .xlsx response exports."""
    from openpyxl import Workbook

    header = ["ประทับเวลา", "ที่อยู่อีเมล", "อำเภอ", "หน่วยงาน", "วันที่รับ", "จำนวน (ชิ้น)", "หมายเหตุ"]
    start = datetime.datetime(2020, 5, 13, 8, 0, 0)
    records = [(start + datetime.timedelta(seconds=17 * n), f"p{n}@example.com", district, text, "13/5/2563",
                100 + n % 900, "") for n, (text, district, _unit) in enumerate(rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for stamp, *rest in records:
        writer.writerow([f"{stamp.day}/{stamp.month}/{stamp.year + 543} {stamp:%H:%M:%S}", *rest])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("การตอบกลับแบบฟอร์ม 1")
    sheet.append(header)
    for record in records:
        sheet.append(list(record))
    xlsx = io.BytesIO()
    book.save(xlsx)
    return out.getvalue().encode("utf-8"), xlsx.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--province", default="30")
    args = parser.parse_args()
    rng = random.Random(2020)
    units = province_units(args.province)
    print(f"province {args.province}: {len(units):,} units ({Counter(u.level for u in units)})")
    population = [(*typed_forms(unit, rng), unit) for unit in units for _ in range(3)]
    realistic = [rng.choice(population) for _ in range(args.rows)]
    measure("realistic", units, realistic)
    measure("all distinct", units, distinct_forms(units, args.rows, rng))
    csv_bytes, xlsx_bytes = export_files(realistic)
    for name, data in (("responses.csv", csv_bytes), ("responses.xlsx", xlsx_bytes)):
        started, cpu = time.perf_counter(), time.process_time()
        table = read_form_file(name, data)
        print(f"read_form_file {name}: {len(data) / 1e6:.1f} MB, {len(table.rows):,} rows in "
              f"{time.perf_counter() - started:.2f} s ({time.process_time() - cpu:.2f} s CPU)")


if __name__ == "__main__":
    main()
