"""Rows ↔ the Table Schemas under schemas/ (the one source of truth for columns and types)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import data
from .records import Problem


def _ok_type(value, field: dict) -> bool:
    t = field["type"]
    if "x-decimal" in field:
        return isinstance(value, Decimal)
    return {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v == v,
        "boolean": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, dt.date),
    }[t](value)


def validate(table: str, rows: list[dict]) -> tuple[list[dict], list[Problem]]:
    """Rows reduced to the schema's columns in its order. A row that breaks the schema (a missing
    required value, a wrong type, a value outside its enum, a repeated primary key) is left out
    of the output and reported, never written."""
    schema = data.table_schema(table)
    pk = schema.get("primaryKey") or []
    out, problems, seen = [], [], set()
    for row in rows:
        clean, errors = {}, []
        for f in schema["fields"]:
            v = row.get(f["name"])
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
                                    page=row.get("page") or row.get("page_first"), table_no=row.get("table_no"),
                                    text=str(row.get("text") or row.get("indicator") or row.get("name") or "")[:80]))
            continue
        seen.add(key)
        out.append(clean)
    return out, problems
