"""Indicator rows → indicator_values: each quantity of a target or actual cell, aligned to the
"/"-separated parts of the indicator name; and indicator_parts: each part, with or without a number."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from pipeline.model.problems import Code
from pipeline.model.records import Problem, Quantity
from pipeline.model.rows import IndicatorPartRow, IndicatorRow, IndicatorValueRow
from pipeline.vocab import data
from pipeline.vocab.grammar import has_number, is_rate, note_text, parse, split_parts
from pipeline.vocab.keys import indicator_key

MEASURES = (("target", "target_text"), ("actual", "actual_text"))


def _parts(row: IndicatorRow) -> Iterator[tuple[str, int, str, str]]:
    """(measure, part number, the part's indicator name, the part's text) for each "/"-part of the
    row's target and actual cells; a cell split into as many parts as the name gets their names."""
    names = [row.indicator[a:b] for a, b in split_parts(row.indicator)]
    for measure, column in MEASURES:
        cell = getattr(row, column) or ""
        spans = split_parts(cell)
        for k, (a, b) in enumerate(spans, start=1):
            yield measure, k, names[k - 1] if len(names) == len(spans) else row.indicator, cell[a:b]


def indicator_parts(indicators: list[IndicatorRow]) -> list[IndicatorPartRow]:
    """One row per "/"-part of a target or actual cell, with or without a number in it (完成市下达目标):
    the parts the views across years key and compare."""
    return [IndicatorPartRow(notice_id=row.notice_id, table_no=row.table_no, year=row.year, seq=row.seq,
                             measure=measure, part=k, indicator_part=name, indicator_key=indicator_key(name) or None,
                             text=part.strip())
            for row in indicators for measure, k, name, part in _parts(row) if part.strip()]


def _bare_unit(row: IndicatorRow, measure: str) -> str | None:
    """The unit of the numbers a cell prints bare: the row's 单位 cell, else its column header's unit."""
    return row.unit or (row.target_unit if measure == "target" else row.actual_unit)


def indicator_values(indicators: list[IndicatorRow]) -> tuple[list[IndicatorValueRow], list[Problem]]:
    out, problems = [], []
    for row in indicators:
        for measure, k, name, part in _parts(row):
            unit = _bare_unit(row, measure)
            found = parse(part, skip_brackets=True, default_unit=unit)
            outside = part.replace(note_text(part) or "", "")
            if not found and has_number(outside):
                problems.append(Problem("quantities", f"no quantity read in {measure} cell part {k}"
                                        + (f" (unit {unit!r})" if unit else ""),
                                        page=row.page, text=part, table_no=row.table_no, row=row.seq,
                                        code=Code.NO_QUANTITY))
            for n, q in enumerate(found, start=1):
                q = _named_growth(q, name)
                out.append(IndicatorValueRow(
                    notice_id=row.notice_id, table_no=row.table_no, year=row.year, seq=row.seq,
                    measure=measure, part=k, quantity_no=n, indicator_part=name,
                    indicator_key=indicator_key(name) or None, part_text=part.strip(), raw=q.raw,
                    value=q.value, unit=q.unit, kind=q.kind, qualifier=q.qualifier,
                    base_value=q.base_value, base_unit=q.base_unit, label=q.label,
                    bound=q.bound, note=note_text(part),
                ))
    return out, problems


def _named_growth(q: Quantity, name: str) -> Quantity:
    """A rate the cell prints without a verb ("5.5左右" under 地区生产总值增速) is a growth when the
    indicator's name says it is one (patterns.json growth_name)."""
    if q.kind == "level" and q.label is None and is_rate(q.unit) and data.regex("growth_name").search(name):
        return replace(q, kind="growth")
    return q
