"""The output rows: one record per table `write` writes, its fields the columns of the table's schema
under schemas/ in the schema's order (tests/test_data_files.py holds them equal), typed as the
schema types them: string → str, integer → int, number → float (Decimal where the schema gives
`x-decimal`), boolean → bool, date → datetime.date; a column the schema does not require may be
None and defaults to None.

A few records carry, after the columns, fields the stages pass on that the schemas keep off the
outputs (`kept_off`): where a table row was printed, the boxes the review page draws. `columns`
names the written fields; `write` turns a record into its columns there and nowhere earlier."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, TypedDict, cast

# Where something was printed, for the review page: (page, x0, top, x1, bottom).
PageBox = tuple[int, float, float, float, float]


def kept_off(default: object = None) -> Any:
    """A field passed on between the stages that the schema keeps off the written outputs. (Typed
    `Any` as `dataclasses.field` is: the class body assigns it to a field of any type.)"""
    return field(default=default, metadata={"written": False})


def columns(record_type: type) -> tuple[str, ...]:
    """The written fields of a row record, in the order of its table's schema."""
    return tuple(f.name for f in fields(record_type) if f.metadata.get("written", True))


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticeRow:
    notice_id: str
    title: str | None = None
    issuer: str | None = None
    district: str | None = None
    issue_date: dt.date | None = None
    plan_year: int | None = None
    review_year: int | None = None
    source_file: str
    source_sha256: str
    page_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorRow:
    notice_id: str
    table_no: int
    year: int | None = None
    seq: int
    category: str | None = None
    indicator: str
    target_text: str | None = None
    actual_text: str | None = None
    unit: str | None = None                 # the row's 单位 cell: the unit of bare numbers in its target and actual
    attribute: str | None = None
    page: int
    source: str
    confidence: float | None = None
    table_index: int | None = kept_off()    # the logical table and printed row it came from (table_cells links them)
    source_row: int | None = kept_off()
    target_unit: str | None = kept_off()    # the unit the target / actual column's header prints (目标（%）)
    actual_unit: str | None = kept_off()


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorPartRow:
    notice_id: str
    table_no: int
    year: int | None = None
    seq: int
    measure: str
    part: int
    indicator_part: str | None = None
    indicator_key: str | None = None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorValueRow:
    notice_id: str
    table_no: int
    year: int | None = None
    seq: int
    measure: str
    part: int
    quantity_no: int
    indicator_part: str | None = None
    indicator_key: str | None = None
    part_text: str | None = None
    raw: str
    value: float
    unit: str
    kind: str
    qualifier: str | None = None
    base_value: Decimal
    base_unit: str
    label: str | None = None
    bound: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRow:
    notice_id: str
    table_no: int
    year: int | None = None
    seq: int
    section_no: str | None = None
    section: str | None = None
    section_declared_count: int | None = None
    name: str
    project_key: str
    investment_yi: float | None = None
    investment_cny: Decimal | None = None
    section_total_yi: float | None = None
    table_total_yi: float | None = None
    target_stage: str | None = None
    progress_text: str | None = None
    progress_pct: float | None = None
    builder: str | None = None
    content: str | None = None
    period: str | None = None
    plan_investment_yi: float | None = None
    plan_investment_cny: Decimal | None = None
    page: int
    source: str
    confidence: float | None = None
    table_index: int | None = kept_off()    # the logical table and printed row it came from (table_cells links them)
    source_row: int | None = kept_off()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParagraphRow:
    notice_id: str
    para_id: int
    part: str
    kind: str
    level: int | None = None
    section_path: str | None = None
    lead: str | None = None
    text: str
    footnote_refs: str | None = None
    page_first: int
    page_last: int
    source: str
    boxes: tuple[PageBox, ...] = kept_off(())   # around its lines on each page, for the review page


@dataclass(frozen=True, slots=True, kw_only=True)
class FootnoteRow:
    notice_id: str
    footnote_no: int
    text: str
    page: int
    para_id: int | None = None
    anchor: str | None = None
    table_no: int | None = None
    cell_row: int | None = None
    cell_col: int | None = None
    marker_box: PageBox | None = kept_off()         # of its marker, for the review page
    note_boxes: tuple[PageBox, ...] = kept_off(())  # around the note on each page


@dataclass(frozen=True, slots=True, kw_only=True)
class FactRow:
    notice_id: str
    para_id: int
    sentence: str
    raw: str
    value: float
    unit: str
    kind: str
    qualifier: str | None = None
    base_value: Decimal
    base_unit: str
    subject: str | None = None
    indicator_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TableCellRow:
    notice_id: str
    table_no: int | None = None
    table_index: int
    page: int
    row: int
    col: int
    rowspan: int
    colspan: int
    is_header: bool
    text: str | None = None
    footnote_refs: str | None = None
    x0: float | None = None
    top: float | None = None
    x1: float | None = None
    bottom: float | None = None
    role: str | None = None
    output: str | None = None
    seq: int | None = None
    field: str | None = None
    source: str
    confidence: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TableNoteRow:
    notice_id: str
    table_no: int | None = None
    table_index: int
    note_no: int
    text: str
    page: int


# The record of each output table, in the order `write` writes them.
RECORDS = {
    "notices": NoticeRow, "indicators": IndicatorRow, "indicator_parts": IndicatorPartRow,
    "indicator_values": IndicatorValueRow, "projects": ProjectRow, "paragraphs": ParagraphRow,
    "footnotes": FootnoteRow, "facts": FactRow, "table_cells": TableCellRow, "table_notes": TableNoteRow,
}

Row = (NoticeRow | IndicatorRow | IndicatorPartRow | IndicatorValueRow | ProjectRow | ParagraphRow | FootnoteRow
       | FactRow | TableCellRow | TableNoteRow)


class Tables(TypedDict, total=False):
    """The rows of each output table by its name, each table a list of its own record (RECORDS), so
    `tables["projects"]` reads as ProjectRow. A table not extracted (yet) may be absent."""
    notices: list[NoticeRow]
    indicators: list[IndicatorRow]
    indicator_parts: list[IndicatorPartRow]
    indicator_values: list[IndicatorValueRow]
    projects: list[ProjectRow]
    paragraphs: list[ParagraphRow]
    footnotes: list[FootnoteRow]
    facts: list[FactRow]
    table_cells: list[TableCellRow]
    table_notes: list[TableNoteRow]


def rows_of(tables: Tables, name: str) -> Sequence[Row]:
    """The rows of the table named by a variable (none when absent), read as any row record: for code
    that treats every table alike (validation, counts, writing)."""
    # Every value of Tables is a list of one row record; a TypedDict is a Mapping[str, object] to mypy.
    return cast("Mapping[str, Sequence[Row]]", tables).get(name, [])
