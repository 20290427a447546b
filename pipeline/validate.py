"""Rows ↔ the Table Schemas under schemas/ (the one source of truth for columns and types)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import data


class SchemaError(Exception):
    pass


def columns(table: str) -> list[dict]:
    return data.table_schema(table)["fields"]


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


def validate(table: str, rows: list[dict]) -> list[dict]:
    """Rows reduced to the schema's columns, in its order; raises SchemaError on any violation."""
    schema = data.table_schema(table)
    fields = schema["fields"]
    out = []
    errors = []
    for i, row in enumerate(rows):
        clean = {}
        for f in fields:
            v = row.get(f["name"])
            if v == "" and f["type"] != "string":
                v = None
            c = f.get("constraints", {})
            if v is None:
                if c.get("required"):
                    errors.append(f"{table} row {i}: {f['name']} is required")
            elif not _ok_type(v, f):
                errors.append(f"{table} row {i}: {f['name']}={v!r} is not {f['type']}")
            elif "enum" in c and v not in c["enum"]:
                errors.append(f"{table} row {i}: {f['name']}={v!r} not in {c['enum']}")
            clean[f["name"]] = v
        out.append(clean)
    pk = schema.get("primaryKey")
    if pk:
        seen = set()
        for i, row in enumerate(out):
            key = tuple(row[k] for k in pk)
            if key in seen:
                errors.append(f"{table} row {i}: duplicate primary key {key}")
            seen.add(key)
    if errors:
        raise SchemaError("; ".join(errors[:10]) + (f" (+{len(errors) - 10} more)" if len(errors) > 10 else ""))
    return out
