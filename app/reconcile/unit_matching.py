"""Which MaskLog unit a Google Form answer means: the unit names people type
into a form ("อบต.ช้างเผือก", "อ.เมือง", "รพ.สต.ศรีภูมิ", "ต. ในเมือง" ...)
matched to the units of ONE province.

How a typed name is read (normalise_name, UnitMatcher.key):
- NFC; zero-width characters (U+200B..U+200D, U+2060, U+FEFF, soft hyphen)
  dropped; Thai digits as Arabic; "ํา" typed as two characters is "ำ" (with
  the tone mark before or after the "ํ"); a tone mark typed before an upper
  vowel is put after it; a mark typed twice counts once; Latin lower case;
- the kind in front is taken off and kept apart: จังหวัด/จ., อำเภอ/อ./เขต,
  ตำบล/ต./แขวง, องค์การบริหารส่วนตำบล/อบต., องค์การบริหารส่วนจังหวัด/อบจ.,
  เทศบาลตำบล/ทต., เทศบาลเมือง/ทม., เทศบาลนคร/ทน., เทศบาล. Abbreviations need
  their dot or a space ("ทมอ" is a subdistrict, not "ทม." + "อ");
- common long words inside names become their usual abbreviations
  (โรงพยาบาลส่งเสริมสุขภาพตำบล = รพ.สต., โรงพยาบาล = รพ., หมู่ที่ = ม. ...),
  so either way of writing matches;
- then only letters and digits are kept: spaces, dots, dashes, brackets go.

How a unit is chosen (UnitMatcher.match):
1. a choice a person made before for the same key wins (auto, score 1.0);
2. exact look-ups of the normalised name (and of the whole text, kind
   included, for names that start like a kind, e.g. the subdistrict
   "จ.ป.ร."); "อ.เมือง" is the province's "เมือง<province>";
3. only when that decides nothing: similarity against a pool of units
   sharing the most character bigrams with the text (an inverted index), so a
   province of ~2,500 units costs a few dozen comparisons, not 2,500;
4. each candidate's score is multiplied down when its level is not the kind
   typed, or when it lies outside the district / subdistrict the form's other
   columns name (see the constants below); such a unit is offered, never
   chosen automatically;
5. "auto" only for a clear winner; several close ones (or one not close
   enough) are "ambiguous" (a person picks); nothing close is "unknown".
   Results are cached per key: forms repeat the same names thousands of times.

Similarity is 2*LCS/(len a + len b) on the normalised names (LCS: longest
common subsequence; the measure difflib's SequenceMatcher.ratio approximates
with its greedy blocks, and equal to it on names like these), not a bigram
Dice coefficient: Thai place names are short (3-12 code points) and a single
wrong letter or tone mark breaks two of only a handful of bigrams (Dice
~0.6-0.7 for a 6-letter name), while this stays ~0.85-0.92 and so still
separates a typo from a different name. Bigrams only pick the pool. The LCS
is computed bit-parallel (Allison & Dix 1986, Hyyrö 2004) on Python ints: a
few integer operations per letter, ~5x faster than SequenceMatcher.ratio.

Plain domain code: no Flask, no request; units_of_province takes a session."""
from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.unit import LEVEL_ORDER, Unit
from app.scoping import ancestor_ids, subtree_clause
from app.thai import to_arabic_digits

# ------------------------------------------------------------------ thresholds
# Measured (tests/unit/test_unit_matching.py): on ~2,100 typed variants each of
# Chiang Mai's and Bangkok's names, precision 1.0 and recall 0.90-0.92 (the
# rest are ties a person must settle: equal names, no district column); 0.8%
# of the subdistrict names of other provinces typed into Chiang Mai's form are
# taken for a look-alike. 0.80 / 0.10 would gain 3% recall for twice that.
# The best candidate is chosen without a person only with a score of at least
# AUTO_MIN_SCORE: an exact normalised name (1.0), or one wrong, missing or
# extra letter in a name of 7+ code points (2*6/14 = 0.857 and up). A typo in
# a shorter name, where one letter more often makes another real name, is
# left to a person.
AUTO_MIN_SCORE = 0.85
# ... and only when it is at least this far ahead of the next unit. Two real
# names one letter apart (ดอยแก้ว / ดอนแก้ว) score ~0.86 against each other,
# so a typo of one sits ~0.15 closer to it than to the other; a tie between
# equally named units (margin 0) never passes.
AUTO_MIN_MARGIN = 0.08
# Below this, the best candidate is not close: the status is "unknown" (the
# weak candidates are still listed, as suggestions). 0.7 keeps one wrong
# letter in a 4-letter name (2*3/8 = 0.75) "ambiguous", while "ไม่ทราบ"
# ("don't know") against the subdistrict แม่ทา (0.67) is "unknown".
CLOSE_MIN_SCORE = 0.7
# Units scoring below this are not offered as candidates at all.
CANDIDATE_MIN_SCORE = 0.6
# A unit whose level is not the kind typed ("ต.ช้างเผือก" but the unit is the
# อบต.): its score is multiplied by this (ranked below units of the kind
# typed), and it is never chosen automatically, only offered.
LEVEL_MISMATCH = 0.8
# An LAO of another LAO kind ("อบต.X" typed, the unit is "เทศบาลตำบลX": an
# อบต. upgraded to a municipality keeps its old name in people's mouths).
# Still >= AUTO_MIN_SCORE, so when it is the only LAO of that name it is
# chosen; 0.1 behind an LAO of exactly the typed kind, so that one wins.
LAO_KIND_MISMATCH = 0.9
# A unit outside the district or subdistrict named by the form's other
# columns: like LEVEL_MISMATCH, offered but never chosen on its name alone.
HINT_MISMATCH = 0.8
# A district / subdistrict column is trusted when its text is, after
# normalising, one known name or this similar to exactly one.
HINT_MIN_SIMILARITY = 0.8
# The similarity is computed only for the distinct names sharing the most
# bigrams with the text: the FUZZY_SCAN names with the most shared bigrams,
# narrowed to the FUZZY_POOL best by Dice coefficient (which, unlike the raw
# count, does not favour long names). One wrong letter leaves a name's Dice
# near 0.8, far inside the pool.
FUZZY_SCAN = 60
FUZZY_POOL = 16
# Bigrams found in more than this share of the names ("^บ", "หน", "อง" ...)
# say little and cost most (every name with หนอง shares three): the pool is
# picked by the other bigrams, unless the text has fewer than 2 of those.
COMMON_BIGRAM_SHARE = 0.03
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name_th: str
    level: str  # province | district | subdistrict | lao | end_unit
    district: str = ""  # its district's name (a district: its own name)
    subdistrict: str = ""  # its subdistrict's name where it has one (a subdistrict: its own name)


@dataclass
class Candidate:
    unit: UnitRef
    score: float  # 0..1


@dataclass
class Match:
    status: str  # "auto" | "ambiguous" | "unknown"
    unit: Optional[UnitRef]  # set when status == "auto"
    # Best first, at most MAX_CANDIDATES; for "unknown" only weak suggestions
    # (scores below CLOSE_MIN_SCORE) or none.
    candidates: list[Candidate] = field(default_factory=list)


AUTO, AMBIGUOUS, UNKNOWN = "auto", "ambiguous", "unknown"
_NONE = (0.0, False)  # no score
_second = itemgetter(1)

# ------------------------------------------------------------------ kinds typed in front of names

_KIND_LEVEL = {"province": "province", "district": "district", "subdistrict": "subdistrict", "sao": "lao",
               "pao": "lao", "muni": "lao", "muni_tambon": "lao", "muni_town": "lao", "muni_city": "lao"}
# How a kind is written in a key (UnitMatcher.key): the usual abbreviation.
_KIND_LABEL = {"province": "จ.", "district": "อ.", "subdistrict": "ต.", "sao": "อบต.", "pao": "อบจ.",
               "muni": "เทศบาล", "muni_tambon": "ทต.", "muni_town": "ทม.", "muni_city": "ทน."}
_LONG_KINDS = [("องค์การบริหารส่วนจังหวัด", "pao"), ("องค์การบริหารส่วนตำบล", "sao"), ("เทศบาลตำบล", "muni_tambon"),
               ("เทศบาลเมือง", "muni_town"), ("เทศบาลนคร", "muni_city"), ("กิ่งอำเภอ", "district"), ("เทศบาล", "muni"),
               ("จังหวัด", "province"), ("อำเภอ", "district"), ("ตำบล", "subdistrict"), ("แขวง", "subdistrict"),
               ("เขต", "district")]
_SHORT_KINDS = [("อบต", "sao"), ("อบจ", "pao"), ("ทต", "muni_tambon"), ("ทม", "muni_town"), ("ทน", "muni_city"),
                ("จ", "province"), ("อ", "district"), ("ต", "subdistrict")]


def _kind_alternatives():
    """(regex, kind) for every way of writing a kind in front of a name, longest first."""
    for word, kind in sorted(_LONG_KINDS, key=lambda pair: -len(pair[0])):
        yield r"\s?".join(map(re.escape, word)) + r"[\s.]*", kind  # "เทศบาล ตำบล" too
    for letters, kind in _SHORT_KINDS:
        body = r"\.?\s?".join(letters)  # "อ.บ.ต." too
        # Three letters are distinctive enough alone ("อบตช้างเผือก"); one or
        # two need their dot or a space: "ทมอ" and "ทมนางาม" are subdistricts.
        yield body + (r"[\s.]*" if len(letters) == 3 else r"(?:\s*\.[\s.]*|\s+)"), kind


_KINDS_BY_GROUP = [kind for _regex, kind in _kind_alternatives()]
_KIND_PREFIX = re.compile("|".join(f"({regex})" for regex, _kind in _kind_alternatives()))

# Long words inside names and the abbreviation they become (after dots and
# spaces are gone), longest first.
_ABBREVIATIONS = [
    ("โรงพยาบาลส่งเสริมสุขภาพตำบล", "รพสต"), ("อาสาสมัครสาธารณสุขประจำหมู่บ้าน", "อสม"),
    ("สำนักงานสาธารณสุขจังหวัด", "สสจ"), ("สำนักงานสาธารณสุขอำเภอ", "สสอ"), ("องค์การบริหารส่วนจังหวัด", "อบจ"),
    ("องค์การบริหารส่วนตำบล", "อบต"), ("ศูนย์บริการสาธารณสุข", "ศบส"), ("ศูนย์พัฒนาเด็กเล็ก", "ศพด"),
    ("โรงพยาบาล", "รพ"), ("เทศบาลตำบล", "ทต"), ("เทศบาลเมือง", "ทม"), ("เทศบาลนคร", "ทน"), ("หมู่ที่", "ม"),
]
_ABBREVIATION = re.compile("|".join(re.escape(long) for long, _short in _ABBREVIATIONS))
_ABBREVIATED = dict(_ABBREVIATIONS)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NOT_NAME = re.compile(r"[^0-9a-z\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e]+")  # keeps Thai letters, vowels, marks
_TONE_BEFORE_UPPER_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37\u0e47])")
_TONE_AFTER_NIKHAHIT = re.compile("\u0e4d([\u0e48-\u0e4b])")  # "ํ่า" typed for "่ำ"
_MARK_TWICE = re.compile("([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\\1+")
_ADDRESS_PART = re.compile(r"\s(?=(?:อำเภอ|อ\s?\.|เขต|จังหวัด|จ\s?\.|ตำบล|ต\s?\.|แขวง)\s*\S)")
_LEVEL_RANK = {level.value: rank for rank, level in enumerate(LEVEL_ORDER)}


def _clean(text) -> str:
    """NFC, no invisible characters, Arabic digits, lower case, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    text = to_arabic_digits(text).lower()
    if "\u0e4d" in text or "\u0e33" in text:  # sara am, however typed: one character, after the tone mark
        text = _TONE_AFTER_NIKHAHIT.sub("\\1\u0e4d", text.replace("\u0e33", "\u0e4d\u0e32"))
        text = text.replace("\u0e4d\u0e32", "\u0e33")
    text = _MARK_TWICE.sub(r"\1", _TONE_BEFORE_UPPER_VOWEL.sub(r"\2\1", text))
    return " ".join(text.split())


def _split_kind(cleaned: str) -> tuple[Optional[str], str]:
    """(kind typed in front or None, the rest). "อบต. ตำบลX": both go, the first kind counts."""
    match = _KIND_PREFIX.match(cleaned)
    if not match or match.end() >= len(cleaned):  # a kind and nothing else is a name ("เขต", "ต.")
        return None, cleaned
    kind = _KINDS_BY_GROUP[match.lastindex - 1]
    rest = cleaned[match.end():]
    if _KIND_LEVEL[kind] == "lao":
        again = _KIND_PREFIX.match(rest)
        if again and again.end() < len(rest) and _KINDS_BY_GROUP[again.lastindex - 1] == "subdistrict":
            rest = rest[again.end():]
    return kind, rest


def _squash(cleaned: str) -> str:
    """Letters and digits only, long words abbreviated."""
    text = _NOT_NAME.sub("", cleaned)
    return _ABBREVIATION.sub(lambda m: _ABBREVIATED[m.group(0)], text)


def normalise_name(text: str) -> str:
    """A unit name as compared: kind in front removed (see the module's
    docstring for the rest). "อบต. ช้าง\u200bเผือก" -> "ช้างเผือก"."""
    return _squash(_split_kind(_clean(text))[1])


@dataclass(frozen=True)
class _Typed:
    kind: Optional[str]  # the kind typed in front
    name: str  # normalised, kind removed
    whole: str  # normalised with the kind word left in (for names that start like one)


def _parse(text) -> _Typed:
    cleaned = _clean(text)
    kind, rest = _split_kind(cleaned)
    return _Typed(kind, _squash(rest), _squash(cleaned))


class _Similarity:
    """2*LCS/(len a + len b) of one text against many names, the LCS found
    bit-parallel: bit i of a mask says "letter i of the text is this letter"."""

    __slots__ = ("size", "full", "masks")

    def __init__(self, text: str):
        self.size, self.full, self.masks = len(text), (1 << len(text)) - 1, {}
        for position, letter in enumerate(text):
            self.masks[letter] = self.masks.get(letter, 0) | (1 << position)

    def to(self, other: str) -> float:
        if not self.size or not other:
            return 0.0
        full, masks, row = self.full, self.masks, self.full
        for letter in other:
            matched = row & masks.get(letter, 0)
            row = ((row + matched) | (row - matched)) & full
        common = self.size - row.bit_count()
        return 2 * common / (self.size + len(other))


def _bigrams(name: str) -> set:
    padded = f"^{name}$"  # the first and last letters count: short names get bigrams too
    return {padded[i:i + 2] for i in range(len(padded) - 1)}


# ------------------------------------------------------------------ the units of a province

def units_of_province(session: Session, province) -> list[UnitRef]:
    """The province's active units (itself included), each with the names of
    its district and subdistrict: one query over the subtree's path range."""
    rows = session.execute(
        select(Unit.id, Unit.code, Unit.name_th, Unit.level, Unit.path, Unit.active)
        .where(subtree_clause(Unit.path, province.path))).all()
    by_id = {row.id: row for row in rows}
    units = []
    for row in rows:
        if not row.active:
            continue
        district = subdistrict = ""
        for ancestor_id in ancestor_ids(row.path):
            ancestor = by_id.get(ancestor_id)
            if ancestor is None:
                continue
            if ancestor.level == "district":
                district = ancestor.name_th
            elif ancestor.level == "subdistrict":
                subdistrict = ancestor.name_th
        units.append(UnitRef(id=row.id, code=row.code, name_th=row.name_th, level=row.level,
                             district=district, subdistrict=subdistrict))
    units.sort(key=lambda unit: (_LEVEL_RANK.get(unit.level, 99), unit.code))
    return units


# ------------------------------------------------------------------ the matcher

@dataclass
class _Entry:
    unit: UnitRef
    name: str  # normalised name
    kind: Optional[str]  # the kind its own name starts with (LAOs: อบต., ทต. ...), when that fits its level
    district: str  # normalised district name
    subdistrict: str  # normalised subdistrict name
    rank: tuple  # tie order: higher levels first, then code


class UnitMatcher:
    """Matches typed unit names to `units` (one province's: remembered keys
    and "อ.เมือง" assume one province). `remembered`: {key(): unit id} chosen
    by a person before; a key whose unit is no longer in `units` is ignored.
    Returned Match objects are cached and shared: do not change them."""

    def __init__(self, units: list[UnitRef], remembered: Optional[dict[str, int]] = None):
        self.units = list(units)
        self.remembered = dict(remembered or {})
        self._entries: list[_Entry] = []
        self._by_id: dict[int, int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._name_ids: dict[str, int] = {}  # distinct normalised names (many end units share one) ...
        self._name_entries: list[list[int]] = []  # ... the entries of each
        self._grams: dict[str, list[int]] = defaultdict(list)  # bigram -> name ids
        self._similar_cache: dict[str, list] = {}
        self._district_names: set[str] = set()
        self._subdistrict_names: set[str] = set()
        self._province_name = ""
        for index, unit in enumerate(self.units):
            typed = _parse(unit.name_th)
            kind = typed.kind if typed.kind and _KIND_LEVEL[typed.kind] == unit.level else None
            name = typed.name if kind else typed.whole  # "เขตสุขภาพ 1" (an end unit) keeps its whole name
            entry = _Entry(unit, name, kind, normalise_name(unit.district), normalise_name(unit.subdistrict),
                           (_LEVEL_RANK.get(unit.level, 99), unit.code))
            self._entries.append(entry)
            self._by_id[unit.id] = index
            for key in {name, typed.whole}:
                self._exact[key].append(index)
            name_id = self._name_ids.get(name)
            if name_id is None:
                name_id = self._name_ids[name] = len(self._name_entries)
                self._name_entries.append([])
                for gram in _bigrams(name):
                    self._grams[gram].append(name_id)
            self._name_entries[name_id].append(index)
            if unit.level == "district":
                self._district_names.add(name)
            elif unit.level == "subdistrict":
                self._subdistrict_names.add(name)
            elif unit.level == "province":
                self._province_name = name
                for alias in PROVINCE_ALIASES.get(name, ()):  # the names people write for it (กทม., โคราช)
                    self._exact[alias].append(index)
        self._name_list = sorted(self._name_ids, key=self._name_ids.get)  # by name id
        most = max(30, COMMON_BIGRAM_SHARE * len(self._name_list))
        self._common = {gram for gram, name_ids in self._grams.items() if len(name_ids) > most}
        self._gram_counts = [len(_bigrams(name)) for name in self._name_list]
        self._rare_gram_counts = [len(_bigrams(name) - self._common) for name in self._name_list]
        self._cache: dict[str, Match] = {}
        self._raw_cache: dict[tuple, Match] = {}
        self._hint_cache: dict[tuple, Optional[frozenset]] = {}

    # -------------------------------------------------------------- keys

    @staticmethod
    def key(unit_text: str, district_text: str = "", subdistrict_text: str = "") -> str:
        """The normalised key a person's choice is remembered under:
        "<kind><name>|<district>|<subdistrict>", e.g. "อบต.ช้างเผือก|เมืองเชียงใหม่|ช้างเผือก"
        for "องค์การบริหารส่วนตำบล ช้างเผือก", "อ.เมืองเชียงใหม่", "ต.ช้างเผือก".
        Not province-aware ("อ.เมือง" stays "เมือง"): keep remembered keys per province."""
        return _key(_parse(unit_text), district_text, subdistrict_text)

    # -------------------------------------------------------------- matching

    def match(self, unit_text: str, district_text: str = "", subdistrict_text: str = "") -> Match:
        raw = (unit_text or "", district_text or "", subdistrict_text or "")
        found = self._raw_cache.get(raw)
        if found is not None:
            return found
        typed = _parse(raw[0])
        key = _key(typed, raw[1], raw[2])
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._match(typed, key, *raw)
        self._raw_cache[raw] = found
        return found

    def _match(self, typed: _Typed, key: str, unit_text: str, district_text: str, subdistrict_text: str) -> Match:
        chosen = self.remembered.get(key)
        if chosen is not None and chosen in self._by_id:
            unit = self._entries[self._by_id[chosen]].unit
            return Match(AUTO, unit, [Candidate(unit, 1.0)])
        if not typed.name and not typed.whole:
            return Match(UNKNOWN, None, [])
        districts = self._resolve(district_text, self._district_names)
        subdistricts = self._resolve(subdistrict_text, self._subdistrict_names)
        scores = self._exact_scores(typed, districts, subdistricts)
        decided = _decide(self._ranked(scores))
        if decided.status == AUTO:
            return decided
        # "อบต.ช้างเผือก อ.เมือง จ.เชียงใหม่": the name, then an address.
        head, parts = _address_parts(unit_text)
        if parts:
            head_typed = _parse(head)
            if districts is None and parts.get("district"):
                districts = self._resolve(parts["district"], self._district_names)
            if subdistricts is None and parts.get("subdistrict"):
                subdistricts = self._resolve(parts["subdistrict"], self._subdistrict_names)
            _merge(scores, self._exact_scores(head_typed, districts, subdistricts))
            decided = _decide(self._ranked(scores))
            if decided.status == AUTO:
                return decided
            _merge(scores, self._similar_scores(head_typed, districts, subdistricts))
        _merge(scores, self._similar_scores(typed, districts, subdistricts))
        return _decide(self._ranked(scores))

    def _names(self, typed: _Typed) -> tuple[str, Optional[str]]:
        """The name to look up ("อ.เมือง" is the province's own เมือง district)."""
        name = typed.name
        if name == "เมือง" and typed.kind in (None, "district") and self._province_name:
            name = "เมือง" + self._province_name
        return name, typed.kind

    def _exact_scores(self, typed: _Typed, districts, subdistricts) -> dict[int, tuple]:
        """{unit index: (score, may be chosen automatically)} of the units named exactly so."""
        name, kind = self._names(typed)
        scores = {}
        for index in self._exact.get(name, ()):
            scores[index] = self._factor(self._entries[index], kind, districts, subdistricts)
        if typed.whole != name:
            for index in self._exact.get(typed.whole, ()):  # the whole text, kind word included, is its name
                scores[index] = max(scores.get(index, _NONE), self._factor(self._entries[index], None, districts,
                                                                           subdistricts))
        return scores

    def _similar_scores(self, typed: _Typed, districts, subdistricts) -> dict[int, tuple]:
        name, kind = self._names(typed)
        if not name:
            return {}
        scores = {}
        for name_id, similarity in self._similar_names(name):
            for index in self._name_entries[name_id]:
                factor, eligible = self._factor(self._entries[index], kind, districts, subdistricts)
                scores[index] = (similarity * factor, eligible)
        return scores

    def _similar_names(self, name: str) -> list[tuple[int, float]]:
        """(name id, similarity >= CANDIDATE_MIN_SCORE) of the known names like `name`; cached."""
        found = self._similar_cache.get(name)
        if found is not None:
            return found
        grams = _bigrams(name)
        counts = self._gram_counts
        if len(grams - self._common) >= 2:
            grams, counts = grams - self._common, self._rare_gram_counts
        shared = Counter()
        for gram in sorted(grams):  # a fixed order: equal counts keep the same order in every process
            shared.update(self._grams.get(gram, ()))
        size = len(grams)
        most = sorted(shared.items(), key=_second, reverse=True)[:FUZZY_SCAN] if len(shared) > FUZZY_SCAN \
            else shared.items()
        pool = sorted(((2 * count / (size + counts[name_id]), name_id) for name_id, count in most),
                      reverse=True)[:FUZZY_POOL]
        similar = _Similarity(name)
        found = []
        for _dice, name_id in pool:
            similarity = similar.to(self._name_list[name_id])
            if similarity >= CANDIDATE_MIN_SCORE:
                found.append((name_id, similarity))
        self._similar_cache[name] = found
        return found

    @staticmethod
    def _factor(entry: _Entry, kind: Optional[str], districts, subdistricts) -> tuple[float, bool]:
        """(what the unit's score is multiplied by, whether it may be chosen
        automatically: not when it is of another level than the kind typed or
        outside the district / subdistrict the form names)."""
        factor, eligible = 1.0, True
        if kind is not None:
            if _KIND_LEVEL[kind] != entry.unit.level:
                factor, eligible = factor * LEVEL_MISMATCH, False
            elif entry.unit.level == "lao" and entry.kind and kind != entry.kind \
                    and not (kind == "muni" and entry.kind.startswith("muni")):
                factor *= LAO_KIND_MISMATCH
        if districts is not None and entry.district and entry.district not in districts:
            factor, eligible = factor * HINT_MISMATCH, False
        if subdistricts is not None and entry.subdistrict and entry.subdistrict not in subdistricts:
            factor, eligible = factor * HINT_MISMATCH, False
        return factor, eligible

    def _resolve(self, text: str, known: set) -> Optional[frozenset]:
        """The district / subdistrict names a form column means, or None
        (empty, or nothing close enough: then it narrows nothing)."""
        if not text:
            return None
        cache_key = (text, id(known))
        if cache_key in self._hint_cache:
            return self._hint_cache[cache_key]
        typed = _parse(text)
        name, _kind = self._names(typed)
        result = None
        if name in known:
            result = frozenset([name])
        elif typed.whole in known:
            result = frozenset([typed.whole])
        elif name:
            similar = _Similarity(name)
            scored = sorted(((similar.to(candidate), candidate) for candidate in known), reverse=True)
            if scored and scored[0][0] >= HINT_MIN_SIMILARITY and (
                    len(scored) == 1 or scored[0][0] - scored[1][0] >= AUTO_MIN_MARGIN):
                result = frozenset([scored[0][1]])
        self._hint_cache[cache_key] = result
        return result

    def _ranked(self, scores: dict[int, tuple]) -> list[tuple[Candidate, bool]]:
        order = heapq.nsmallest(MAX_CANDIDATES, (index for index, (score, _eligible) in scores.items()
                                                 if score >= CANDIDATE_MIN_SCORE),
                                key=lambda index: (-scores[index][0], not scores[index][1], self._entries[index].rank))
        return [(Candidate(self._entries[index].unit, round(scores[index][0], 4)), scores[index][1])
                for index in order]


def _key(typed: _Typed, district_text: str, subdistrict_text: str) -> str:
    head = (_KIND_LABEL[typed.kind] if typed.kind else "") + typed.name
    return f"{head}|{normalise_name(district_text)}|{normalise_name(subdistrict_text)}"


def _merge(scores: dict, more: dict) -> None:
    for index, value in more.items():
        if value > scores.get(index, _NONE):
            scores[index] = value


def _decide(ranked: list[tuple[Candidate, bool]]) -> Match:
    """`ranked`: the best MAX_CANDIDATES (at least 2), best first."""
    candidates = [candidate for candidate, _eligible in ranked]
    if not ranked:
        return Match(UNKNOWN, None, [])
    best, eligible = ranked[0]
    runner_up = ranked[1][0].score if len(ranked) > 1 else 0.0
    if eligible and best.score >= AUTO_MIN_SCORE and best.score - runner_up >= AUTO_MIN_MARGIN - 1e-9:
        return Match(AUTO, best.unit, candidates)
    if best.score < CLOSE_MIN_SCORE:
        return Match(UNKNOWN, None, candidates)
    return Match(AMBIGUOUS, None, candidates)


def _address_parts(text: str) -> tuple[str, dict]:
    """("อบต.ช้างเผือก", {"district": "อ.เมือง", "province": "จ.เชียงใหม่"}) from
    "อบต.ช้างเผือก อ.เมือง จ.เชียงใหม่"; ("", {}) when there is no address."""
    cleaned = _clean(text)
    pieces = _ADDRESS_PART.split(cleaned)
    if len(pieces) < 2 or not pieces[0].strip():
        return "", {}
    parts = {}
    for piece in pieces[1:]:
        kind, _rest = _split_kind(piece.strip())
        if kind is not None:
            parts.setdefault(_KIND_LEVEL[kind], piece.strip())
    return pieces[0].strip(), parts


# ------------------------------------------------------------------ the province column

# Names people write for a province besides its own (normalised: no dots,
# spaces or "ฯ"). English names come from the units' name_en.
PROVINCE_ALIASES = {
    "กรุงเทพมหานคร": ("กรุงเทพ", "กทม", "bkk"), "นครราชสีมา": ("โคราช",),
    "พระนครศรีอยุธยา": ("อยุธยา", "กรุงศรีอยุธยา"), "อุบลราชธานี": ("อุบล",), "อุดรธานี": ("อุดร",),
    "นครศรีธรรมราช": ("นครศรี",), "สุราษฎร์ธานี": ("สุราษฎร์",), "ประจวบคีรีขันธ์": ("ประจวบ",),
    "กาญจนบุรี": ("กาญจน์",),
}
HOME, OTHER, UNSURE = "home", "other", "unsure"
_PROVINCE_WORDS = re.compile(r"^\s*changwat\s+|\s+province\s*$|\d+")  # "Chiang Mai Province", a postcode


@dataclass(frozen=True)
class ProvinceRead:
    status: str  # HOME | OTHER | UNSURE
    name: str = ""  # the province read (Thai), "" when UNSURE


class ProvinceMatcher:
    """What a form's province column means, against every province of the
    country, with the unit matcher's tolerance: จังหวัด/จ. in front, spacing,
    zero-width characters, Thai digits, the usual other names (กทม.,
    กรุงเทพฯ, โคราช, อยุธยา ... PROVINCE_ALIASES), the English name, and one
    wrong letter (the same similarity, AUTO_MIN_SCORE ahead by
    AUTO_MIN_MARGIN). Blank (or "-") is the home province: a form of one
    province often has no such column. Text that is no province clearly
    ("ไม่ระบุ", "ระอง" between ระยอง and ระนอง) is UNSURE: the caller compares
    the row as the home province's and says so, never drops it."""

    def __init__(self, provinces, home_id: int):
        """`provinces`: (id, Thai name, English name or None) of every province."""
        self._names: dict[str, tuple[int, str]] = {}  # normalised name -> (id, Thai name)
        self.home_id = home_id
        for province_id, name_th, name_en in provinces:
            for name in (normalise_name(name_th), _squash(_clean(name_en)) if name_en else "",
                         *PROVINCE_ALIASES.get(name_th, ())):
                if name:
                    self._names.setdefault(name, (province_id, name_th))
        self._cache: dict[str, ProvinceRead] = {}

    def read(self, text) -> ProvinceRead:
        found = self._cache.get(text or "")
        if found is None:
            found = self._cache[text or ""] = self._read(text or "")
        return found

    def _read(self, text: str) -> ProvinceRead:
        typed = _parse(_PROVINCE_WORDS.sub(" ", _clean(text)))
        name = typed.name or typed.whole
        if not name:
            return ProvinceRead(HOME)
        hit = self._names.get(name) or self._names.get(typed.whole)
        if hit is None:
            similar = _Similarity(name)
            best: dict[int, tuple[float, str]] = {}
            for known, (province_id, name_th) in self._names.items():
                score = similar.to(known)
                if score > best.get(province_id, (0.0, ""))[0]:
                    best[province_id] = (score, name_th)
            ranked = sorted(((score, province_id, name_th) for province_id, (score, name_th) in best.items()),
                            reverse=True)
            if not ranked or ranked[0][0] < AUTO_MIN_SCORE or (
                    len(ranked) > 1 and ranked[0][0] - ranked[1][0] < AUTO_MIN_MARGIN - 1e-9):
                return ProvinceRead(UNSURE)
            hit = ranked[0][1:]
        return ProvinceRead(HOME if hit[0] == self.home_id else OTHER, hit[1])


def province_matcher(session: Session, province) -> ProvinceMatcher:
    """The matcher of a form's province column for `province`'s form: every
    province of the country (inactive ones too: a row naming one is still not
    this province's)."""
    rows = session.execute(select(Unit.id, Unit.name_th, Unit.name_en).where(Unit.level == "province")).all()
    return ProvinceMatcher([tuple(row) for row in rows], province.id)
