"""Access to the data files under schemas/ (patterns, units, header synonyms, table schemas)."""
from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@lru_cache(maxsize=None)
def patterns() -> dict:
    return json.loads((SCHEMAS / "patterns.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def regex(name: str) -> re.Pattern:
    return re.compile(patterns()[name])


@lru_cache(maxsize=None)
def regex_list(name: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in patterns()[name])


@lru_cache(maxsize=None)
def csv_rows(name: str) -> tuple[dict, ...]:
    with open(SCHEMAS / name, newline="", encoding="utf-8") as f:
        return tuple(row for row in csv.DictReader(f) if not next(iter(row.values()), "").startswith("#"))


@lru_cache(maxsize=None)
def table_schema(table: str) -> dict:
    return json.loads((SCHEMAS / f"{table}.schema.json").read_text(encoding="utf-8"))
