"""Series identity across notices: the district of a notice, and the keys under which an indicator
or a project is the same thing in every year's notice although its printed name varies.

    indicator_key("一般公共预算收入（区级）") == indicator_key("区级一般公共预算收入")
    project_key("宝山区美兰西湖公园（一期、二期）", "宝山区") == project_key("美兰西湖公园")

A name is normalised (NFKC full/half width, no spacing or quotes, one bracket and dash style,
then the patterns of schemas/patterns.json drop leading and trailing qualifiers) and then looked up:
an indicator in the catalogue schemas/indicators.csv (one key per indicator across districts:
地区生产总值, 生产总值 and GDP share one), a project in schemas/aliases.csv; their entries are
normalised the same way. A name neither knows keeps its normalised name as its key. Plain
functions, no state."""
from __future__ import annotations

import re
from dataclasses import replace
from functools import cache, lru_cache
from typing import NamedTuple

from pipeline.model.rows import ProjectRow
from pipeline.vocab import data
from pipeline.vocab.text import compact, nfkc

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "{": "(", "}": ")"})


def compact_name(name: str) -> str:
    """`text.compact` (NFKC: 全角 → half width, ² → 2; no whitespace), no quotes, one bracket style,
    one dash."""
    p = data.patterns()
    text = compact(name or "").translate(_BRACKETS)
    text = re.sub(p["key_quotes"], "", text)
    return re.sub(p["key_dashes"], "-", text)


def _drop(text: str, patterns: list[str]) -> str:
    """Apply the removal patterns until none changes the text (工程项目 → 工程 → '')."""
    while True:
        before = text
        for pattern in patterns:
            text = re.sub(pattern, "", text)
        if text == before:
            return text


def normalise_indicator(name: str) -> str:
    p = data.patterns()
    text = _drop(compact_name(name), p["indicator_key_drop_leading"])
    dropped = _drop(text, p["indicator_key_drop_trailing"] + [_unit_in_brackets()])
    return dropped or text


@lru_cache(maxsize=1)
def _unit_in_brackets() -> str:
    """A trailing "(亿元)", "(%)", "(万人)": the unit the indicator is counted in, not its name."""
    from pipeline.vocab.grammar import units
    mags = "|".join(map(re.escape, data.patterns()["magnitudes"]))
    alts = "|".join(sorted(map(re.escape, [*units(), "%", "‰"]), key=len, reverse=True))
    return rf"\((?:{mags})?(?:{alts})\)$"


@cache
def _aliases(kind: str) -> dict[str, str]:
    norm = normalise_indicator if kind == "indicator" else normalise_project
    return {norm(r["alias"]): norm(r["key"]) for r in data.csv_rows("aliases.csv") if r["kind"] == kind}


class Indicator(NamedTuple):
    """One indicator of the catalogue (schemas/indicators.csv)."""
    key: str
    names: tuple[str, ...]
    dimension: str
    base_unit: str | None
    higher_is_better: bool | None


@cache
def catalogue() -> tuple[Indicator, ...]:
    """The indicators of schemas/indicators.csv, their printed names normalised."""
    better = {"true": True, "false": False, "": None}
    return tuple(Indicator(r["key"], tuple(dict.fromkeys(normalise_indicator(n) for n in r["names"].split("|"))),
                           r["dimension"], r["base_unit"] or None, better[r["higher_is_better"]])
                 for r in data.csv_rows("indicators.csv"))


@cache
def _catalogue_names() -> dict[str, str]:
    """Every printed name of the catalogue, normalised → its key (the key is one of its own names)."""
    return {name: ind.key for ind in catalogue() for name in (normalise_indicator(ind.key), *ind.names)}


def indicator_key(name: str) -> str:
    """The key an indicator (part) name shares with its other wordings across notices and districts:
    its catalogue key, else an alias's, else the name normalised."""
    text = normalise_indicator(name)
    text = _aliases("indicator").get(text, text)
    return _catalogue_names().get(text, text)


def normalise_project(name: str, district: str | None = None) -> str:
    text = compact_name(name)
    if district and text.startswith(compact_name(district)) and len(text) > len(compact_name(district)):
        text = text[len(compact_name(district)):]
    return _drop(text, data.patterns()["project_key_drop"]) or compact_name(name)


def project_key(name: str, district: str | None = None) -> str:
    """The key a project shares with its other wordings: the district's name in front, 工程 / 项目,
    brackets and a bracketed list of all its phases (（一期、二期）) do not count; a single phase
    (二期 / （二期）) does."""
    text = normalise_project(name, district)
    return _aliases("project").get(text, text)


def district(issuer: str | None, title: str | None) -> str | None:
    """The district (宝山区, 浦东新区, …县) named at the start of the issuer, else of the title or of
    the document it forwards (《宝山区…》); patterns in schemas/patterns.json."""
    for text in (issuer, title):
        if not text:
            continue
        text = nfkc(text)
        for pattern in data.regex_list("district"):
            m = pattern.search(text)
            if m:
                return m.group(1)
    return None


def keyed_projects(projects: list[ProjectRow], district_name: str | None) -> list[ProjectRow]:
    """The project rows with their project_key (the notice's district dropped from the names)."""
    return [replace(p, project_key=project_key(p.name, district_name)) for p in projects]
