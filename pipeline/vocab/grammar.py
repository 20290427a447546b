"""Text → quantities: a Chinese number, unit and qualifier parser with no PDF knowledge.

"1725.56亿元，增长6.5%" gives 1725.56 亿元 (172556000000 CNY, level) and 6.5 % (growth);
"控制在1.46万人以内" gives 1.46 万人 (14600 人) with the qualifier 控制在…以内.
Units, magnitudes, qualifiers and growth verbs come from schemas/ (units.csv, patterns.json).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache

from pipeline.model.records import Quantity
from pipeline.vocab import data
from pipeline.vocab.text import CLAUSE_BREAK, clause_start, nfkc_indexed

BASE_PLACES = Decimal("0.000001")
GROWTH_DIMENSIONS = ("percent", "percent_point", "permille", "multiple")   # a verb makes these a change
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_BIG = ("万", "亿")      # the places that close a section (一千二百万); factors: magnitudes()
OPEN_BRACKETS, CLOSE_BRACKETS = "（(", "）)"


@dataclass(frozen=True)
class Unit:
    printed: str
    base: str
    factor: Fraction
    dimension: str


@cache
def magnitudes() -> dict[str, int]:
    """A magnitude as printed (万, 亿, 万亿 …) → its factor: schemas/patterns.json "magnitudes", the one
    place that says what 亿 is."""
    return {printed: int(factor) for printed, factor in data.patterns()["magnitudes"].items()}


@cache
def units() -> dict[str, Unit]:
    out = {}
    for row in data.csv_rows("units.csv"):
        out[row["unit"]] = Unit(row["unit"], row["base_unit"], Fraction(row["factor"]), row["dimension"])
    return out


@cache
def _grammar() -> re.Pattern[str]:
    p = data.patterns()
    mags = "|".join(sorted(map(re.escape, magnitudes()), key=len, reverse=True))
    unit_alt = "|".join(sorted(map(re.escape, units()), key=len, reverse=True))
    cn = f"[{''.join((*CN_DIGITS, *CN_SMALL, *CN_BIG))}]+"
    arabic = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
    joiners = "|".join(map(re.escape, p["range_joiners"]))
    return re.compile(
        rf"(?P<num>{arabic}|{cn})"
        rf"(?:\s*(?P<unit1>{unit_alt}|(?:{mags})(?:{unit_alt})))?"
        rf"(?:\s*(?P<joiner>{joiners})\s*(?P<num2>{arabic}|{cn}))?"
        rf"\s*(?P<approx>余|多)?"
        rf"\s*(?P<unit>{unit_alt}|(?:{mags})(?:{unit_alt}))?"
    )


def cn_to_number(s: str) -> int | None:
    """Chinese numerals (一千二百, 两万, 十五, 三〇五) to an integer; None if not a numeral."""
    if not s or not all(ch in CN_DIGITS or ch in CN_SMALL or ch in CN_BIG for ch in s):
        return None
    if all(ch in CN_DIGITS for ch in s) and len(s) > 1:
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_SMALL:
            section += (1 if digit is None else digit) * CN_SMALL[ch]
            digit = None
        else:
            section += digit or 0
            big = magnitudes()[ch]
            total = (total + section) * big if total < big else total + section * big
            section, digit = 0, None
    return total + section + (digit or 0)


def _bare_digit_run(num: str) -> bool:
    """一一, 二三: Chinese digits with no 十百千万 and too short to be a written-out year or code."""
    return all(ch in CN_DIGITS for ch in num) and len(num) < 3


def _number(s: str) -> Decimal | None:
    if s[0].isdigit():
        return Decimal(s.replace(",", ""))
    n = cn_to_number(s)
    return Decimal(n) if n is not None else None


def split_unit(printed: str) -> tuple[Fraction, Unit] | None:
    table = units()
    if printed in table:
        return Fraction(1), table[printed]
    for mag, factor in sorted(magnitudes().items(), key=lambda kv: -len(kv[0])):
        if printed.startswith(mag) and printed[len(mag):] in table:
            return Fraction(factor), table[printed[len(mag):]]
    return None


def is_rate(printed: str) -> bool:
    """A unit a growth verb makes a change of (%, 百分点, ‰, 倍)."""
    split = split_unit(printed)
    return split is not None and split[1].dimension in GROWTH_DIMENSIONS


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN_BRACKETS:
            if depth == 0:
                start = i
            depth += 1
        elif ch in CLOSE_BRACKETS and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    return spans


def _qualifier_before(prefix: str) -> str | None:
    """The qualifier the prefix ends with, unless it is only the tail of a word (签约 is no 约)."""
    if any(prefix.endswith(w) for w in data.patterns()["not_qualifiers"]):
        return None
    qualifiers: list[str] = data.patterns()["qualifiers_before"]
    for q in sorted(qualifiers, key=len, reverse=True):
        if prefix.endswith(q):
            return q
    return None


def _growth_sign(prefix: str) -> int:
    """+1 / -1 when a growth verb governs the number (only qualifiers or 了 between them), else 0."""
    p = data.patterns()
    fillers = sorted(p["qualifiers_before"] + ["了"], key=len, reverse=True)
    best, sign = -1, 0
    for verbs, s in ((p["growth_up"], 1), (p["growth_down"], -1)):
        for v in verbs:
            k = prefix.rfind(v)
            if k < 0:
                continue
            between = prefix[k + len(v):].strip()
            for w in fillers:
                between = between.replace(w, "")
            if not between and k + len(v) > best:
                best, sign = k + len(v), s
    return sign


def parse(text: str, skip_brackets: bool = False, min_chinese_len: int = 2,
          default_unit: str | None = None) -> list[Quantity]:
    """Every quantity in `text` with a known unit. Offsets and `raw` refer to the original text.
    `default_unit`: the unit of numbers the text prints bare (a table's 单位 column, or its header's
    "（万元）"): "增长6.5左右", "≤32", "控制在1.6以内" read as if the unit followed the number; a number
    followed by anything but a qualifier, punctuation or the end (2020年) is no bare quantity."""
    norm, index = nfkc_indexed(text)
    hidden = _bracket_spans(norm) if skip_brackets else []
    if default_unit is not None and split_unit(default_unit) is None:
        default_unit = None
    out: list[Quantity] = []
    for m in _grammar().finditer(norm):
        printed = _printed_unit(m) or (_bare(m, norm, default_unit) if default_unit else None)
        if printed is None or not _stands_alone(m, norm, hidden, min_chinese_len):
            continue
        unit_text, end = printed
        split = split_unit(unit_text)
        numbers = _numbers_of(m)
        if split is None or numbers is None:
            continue
        magnitude, unit = split
        begin = m.start() - 1 if not m.group("num2") and _minus_before(norm, m.start()) else m.start()
        before = norm[clause_start(norm, begin):begin]
        qualifier = _qualifier(before, norm[end:end + 2], m)
        sign = _growth_sign(before) if unit.dimension in GROWTH_DIMENSIONS else 0
        raw = text[index[begin]:index[end]]
        for n, bound in numbers:
            value = _number(n)
            if value is None:
                continue
            value = -value if sign < 0 or begin < m.start() else value
            out.append(Quantity(raw=raw, start=index[begin], end=index[end], value=float(value), unit=unit_text,
                                base_value=_base_value(value, magnitude, unit), base_unit=unit.base,
                                kind="growth" if sign else "level", qualifier=qualifier,
                                label=_label(before), bound=bound))
    return out


MINUS_SIGNS = "-−"      # after NFKC (the full-width － is -)


def _minus_before(norm: str, at: int) -> bool:
    """A minus sign printed right before the number (人口自然增长率-1.2‰, a cell "-1.2"), not the joiner
    of a range or of a date (5-6, 1-11月): nothing but the start, a space, punctuation or a Chinese
    character before the sign."""
    if at == 0 or norm[at - 1] not in MINUS_SIGNS:
        return False
    ahead = norm[at - 2] if at >= 2 else ""
    return not ahead or not (ahead.isascii() and ahead.isalnum()) and ahead not in "%.)]" + MINUS_SIGNS


def _printed_unit(m: re.Match[str]) -> tuple[str, int] | None:
    """The unit as printed and where the quantity ends: 3个-5个 ends at its first unit."""
    if m.group("unit1") and not m.group("num2"):
        return m.group("unit1"), m.end("unit1")
    unit_text = m.group("unit") or m.group("unit1")
    return (unit_text, m.end()) if unit_text else None


def _bare(m: re.Match[str], norm: str, unit: str) -> tuple[str, int] | None:
    """(unit, end) for a number printed without its unit, when nothing but a qualifier (左右, 以内),
    punctuation or the end of the text follows it."""
    if m.group("approx"):
        return None
    end = m.end("num2") if m.group("num2") else m.end("num")
    after = norm[end:].lstrip()
    if not after or after[0] in CLAUSE_BREAK or after[0] in CLOSE_BRACKETS \
            or any(after.startswith(q) for q in data.patterns()["qualifiers_after"]):
        return unit, end
    return None


def _stands_alone(m: re.Match[str], norm: str, hidden: list[tuple[int, int]], min_chinese_len: int) -> bool:
    """Not inside a hidden bracket, not a bare run of Chinese digits (一一), not the tail of a longer
    number or code, not an ordinal (第3批)."""
    num, start = m.group("num"), m.start()
    if any(a <= start < b for a, b in hidden):
        return False
    if not num[0].isdigit() and (len(num) < min_chinese_len or _bare_digit_run(num)):
        return False
    prev = norm[start - 1] if start > 0 else ""
    if prev and (prev.isdigit() or prev == "." or prev.isascii() and prev.isalpha()):
        return False
    before = norm[clause_start(norm, start):start]
    return not any(before.endswith(o) for o in data.patterns()["ordinal_before"])


def _numbers_of(m: re.Match[str]) -> list[tuple[str, str | None]] | None:
    """The number, or the two ends of a range (3-5个, 3万至5万人) with their bounds; None for a
    range whose ends carry different units or that joins two whole quantities with 至/到."""
    if not m.group("num2"):
        return [(m.group("num"), None)]
    if m.group("unit1") and m.group("unit") and m.group("unit1") != m.group("unit"):
        return None
    if m.group("joiner") in ("至", "到") and m.group("unit1"):
        return None
    return [(m.group("num"), "low"), (m.group("num2"), "high")]


def _qualifier(before: str, after: str, m: re.Match[str]) -> str | None:
    """The words that bound the number: 不低于 before it, 以上 after it, or both (控制在…以内)."""
    head = _qualifier_before(before.rstrip())
    tail = next((q for q in data.patterns()["qualifiers_after"] if after.startswith(q)), None)
    if m.group("approx") and not m.group("unit1"):
        tail = m.group("approx")
    return f"{head}…{tail}" if head and tail else head or tail


def _base_value(value: Decimal, magnitude: Fraction, unit: Unit) -> Decimal:
    """value × magnitude × the unit's factor, to BASE_PLACES (40 digits: no rounding before that)."""
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(magnitude.numerator) * Decimal(unit.factor.numerator) * value
                / (Decimal(magnitude.denominator) * Decimal(unit.factor.denominator))).quantize(BASE_PLACES)


def _label(before: str) -> str | None:
    """The words of the clause before the number that name it: 市级60个 → 市级."""
    p = data.patterns()
    words = before.strip()
    for q in sorted(p["qualifiers_before"] + p["growth_up"] + p["growth_down"], key=len, reverse=True):
        if words.endswith(q):
            words = words[: -len(q)]
            break
    words = words.strip(" 了为在")
    return words or None


def split_parts(text: str) -> list[tuple[int, int]]:
    """Spans of the "/"-separated parts of a cell; a "/" inside a unit (km/km2, 元/平方米) stays."""
    norm, index = nfkc_indexed(text)
    unit_names = sorted(units(), key=len, reverse=True)
    hidden = _bracket_spans(norm)
    cuts = []
    for i, ch in enumerate(norm):
        if ch != "/" or any(a <= i < b for a, b in hidden):
            continue
        after = norm[i + 1:]
        if any(after.startswith(u) for u in unit_names) and not after[:1].isdigit():
            continue
        cuts.append(i)
    bounds = [-1] + cuts + [len(norm)]
    return [(index[a + 1], index[b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def note_text(text: str) -> str | None:
    """The bracketed remarks of a cell, e.g. 26.3%（4月起…） → （4月起…）."""
    norm, index = nfkc_indexed(text)
    spans = _bracket_spans(norm)
    return "".join(text[index[a]:index[b]] for a, b in spans) or None


def has_number(text: str) -> bool:
    """Digits other than an ordinal (第3批): text that should have given a quantity."""
    return bool(re.search(r"[0-9０-９]", re.sub(r"第\s*[0-9０-９]+", "", text)))
