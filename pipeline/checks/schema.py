"""Row records ↔ the Table Schemas under schemas/ (the one source of truth for columns and types)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import cast

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


def _ok_type(value, field: dict) -> bool:
    if "x-decimal" in field:
        return isinstance(value, Decimal)
    return _TYPE_CHECKS[field["type"]](value)


def validate(table: str, rows: Sequence[Row]) -> tuple[list[Row], list[Problem]]:
    """The rows that keep to the schema ("" read as no value in a column that is not a string). A
    row that breaks it (a missing required value, a wrong type, a value outside its enum, a repeated
    primary key) is left out of the output and reported, never written."""
    schema = data.table_schema(table)
    pk = schema.get("primaryKey") or []
    out, problems, seen = [], [], set()
    for row in rows:
        clean, errors = {}, []
        for f in schema["fields"]:
            v = getattr(row, f["name"])
            if v == "" and f["type"] != "string":
                v = None
            c = f.get("constraints", {})
            if v is None:
                if c.get("required"):
                    errors.append(f"{f['name']} is required")
            elif not _ok_type(v, f):
                errors.append(f"{f['name']}={v!r} is not {f['type']}")
            elif "enum" in c and v not in c["enum"]:
                errors.append(f"{f['name']}={v!r} not in {c['enum']}")
            clean[f["name"]] = v
        key = tuple(clean[k] for k in pk)
        if pk and not errors and key in seen:
            errors.append(f"repeats the primary key {key}")
        if errors:
            problems.append(Problem("validate", f"{table} row left out: " + "; ".join(errors),
                                    page=_first(row, "page", "page_first"), table_no=getattr(row, "table_no", None),
                                    text=str(_first(row, "text", "indicator", "name") or "")[:80],
                                    code=Code.ROW_LEFT_OUT))
            continue
        seen.add(key)
        changed = {n: v for n, v in clean.items() if v is not getattr(row, n)}
        out.append(replace(row, **changed) if changed else row)
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
