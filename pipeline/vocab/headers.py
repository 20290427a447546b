"""Printed column headers → output fields, by meaning: a header is read as its year, its unit and
the words left (`2023年计划目标` → 2023, none, 计划目标; `总投资（万元）` → none, 万元, 总投资), and
those words are looked up in schemas/header_synonyms.csv (`header_year` and `header_unit` in
patterns.json say how the year and the unit are printed)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from pipeline.vocab import data
from pipeline.vocab.grammar import split_unit
from pipeline.vocab.text import compact


@dataclass(frozen=True)
class Column:
    """What a printed header means: the output field it feeds, the year its figures are about (None
    when the header prints none) and the unit it prints for its cells (万元 of `总投资（万元）`)."""
    field: str
    year: int | None = None
    unit: str | None = None


class HeaderWords(NamedTuple):
    year: int | None
    unit: str | None
    stem: str


def header_words(header: str) -> HeaderWords:
    """The header's year, its unit (a bracketed known unit at its end) and its words without them."""
    h = compact(header)
    year = None
    m = data.regex("header_year").match(h)
    if m:
        year, h = int(m.group(1)), h[m.end():]
    unit = None
    m = data.regex("header_unit").search(h)
    if m and split_unit(m.group(1)):
        unit, h = m.group(1), h[:m.start()]
    return HeaderWords(year, unit, h)


def _matches(stem: str, match: str, synonym: str) -> bool:
    return {"exact": stem == synonym, "prefix": stem.startswith(synonym), "contains": synonym in stem,
            "regex": bool(re.search(synonym, stem))}[match]


def field_of(header: str, allowed: list[str]) -> Column | None:
    """The meaning of one header among the fields `allowed`: the first synonym row that matches."""
    words = header_words(header)
    for row in data.csv_rows("header_synonyms.csv"):
        if row["field"] in allowed and _matches(words.stem, row["match"], row["synonym"]):
            return Column(row["field"], words.year, words.unit)
    return None


def read_columns(header: tuple[str, ...], allowed: list[str]) -> dict[int, Column]:
    """Column index → its meaning. A field is taken once per year: a table with several measures
    (2023年计划 | 2023年预计完成 | 2024年目标) has a target column for each of its years; a header
    whose field is already taken for its year (or that no synonym knows) maps to nothing."""
    out: dict[int, Column] = {}
    for i, h in enumerate(header):
        words = header_words(h)
        for row in data.csv_rows("header_synonyms.csv"):
            if row["field"] not in allowed or not _matches(words.stem, row["match"], row["synonym"]):
                continue
            if any(c.field == row["field"] and c.year == words.year for c in out.values()):
                continue
            out[i] = Column(row["field"], words.year, words.unit)
            break
    return out


def map_columns(header: tuple[str, ...], allowed: list[str]) -> dict[int, str]:
    """Column index → field (read_columns without the years and units)."""
    return {i: c.field for i, c in read_columns(header, allowed).items()}
