"""Row records ↔ the Table Schemas under schemas/ (the one source of truth for columns and types)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, cast

from pipeline.model.problems import Code
from pipeline.model.records import Extraction, Problem
from pipeline.model.rows import RECORDS, Row, Tables, rows_of
from pipeline.vocab import data

_TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v,
    "boolean": lambda v: isinstance(v, bool),
    "date": lambda v: isinstance(v, dt.date),
}


class _Column(NamedTuple):
    """A schema field as `validate` checks it (made once a table: this runs for every cell written)."""
    name: str
    type: str
    ok: Callable[[object], bool]
    required: bool
    enum: tuple | None


@cache
def _columns(table: str) -> tuple[_Column, ...]:
    return tuple(_Column(f["name"], f["type"],
                         (lambda v: isinstance(v, Decimal)) if "x-decimal" in f else _TYPE_CHECKS[f["type"]],
                         bool(f.get("constraints", {}).get("required")),
                         tuple(f["constraints"]["enum"]) if "enum" in f.get("constraints", {}) else None)
                 for f in data.table_schema(table)["fields"])


def validate(table: str, rows: Sequence[Row]) -> tuple[list[Row], list[Problem]]:
    """The rows that keep to the schema ("" read as no value in a column that is not a string). A
    row that breaks it (a missing required value, a wrong type, a value outside its enum, a repeated
    primary key) is left out of the output and reported, never written."""
    columns = _columns(table)
    pk = [next(i for i, c in enumerate(columns) if c.name == k)
          for k in data.table_schema(table).get("primaryKey") or []]
    out, problems, seen = [], [], set()
    for row in rows:
        values: list[object] = []
        errors: list[str] = []
        blanked: dict[str, Any] = {}
        for c in columns:
            v = getattr(row, c.name)
            if v == "" and c.type != "string":
                v = blanked[c.name] = None
            if v is None:
                if c.required:
                    errors.append(f"{c.name} is required")
            elif not c.ok(v):
                errors.append(f"{c.name}={v!r} is not {c.type}")
            elif c.enum is not None and v not in c.enum:
                errors.append(f"{c.name}={v!r} not in {list(c.enum)}")
            values.append(v)
        key = tuple(values[i] for i in pk)
        if pk and not errors and key in seen:
            errors.append(f"repeats the primary key {key}")
        if errors:
            problems.append(Problem("validate", f"{table} row left out: " + "; ".join(errors),
                                    page=_first(row, "page", "page_first"), table_no=getattr(row, "table_no", None),
                                    text=str(_first(row, "text", "indicator", "name") or "")[:80],
                                    code=Code.ROW_LEFT_OUT))
            continue
        seen.add(key)
        out.append(replace(row, **blanked) if blanked else row)
    return out, problems


def validated(ex: Extraction) -> Extraction:
    """`ex` with every table checked against its schema: its tables the rows to write, the rows left
    out among its problems (after the others). Done once: an extraction already checked is returned
    as it is."""
    if ex.validated:
        return ex
    clean: dict[str, list[Row]] = {}
    left_out: list[Problem] = []
    for t in RECORDS:
        clean[t], problems = validate(t, rows_of(ex.tables, t))
        left_out.extend(problems)
    return replace(ex, tables=cast(Tables, clean), problems=(*ex.problems, *left_out), validated=True)


def _first(row: Row, *names: str):
    """The first of the named fields the row has and fills (the page, table or text a problem points to)."""
    return next((v for n in names if (v := getattr(row, n, None))), None)
