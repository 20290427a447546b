"""Access to the data files under schemas/ (patterns, units, header synonyms, table schemas).

`schemas/` at the top of the repository is where people edit them; it is shipped as the package
`pipeline.schemas` (pyproject.toml maps the folder there), so an installed wheel carries it and
every file is read through importlib.resources, whatever the current folder is."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any


def text(name: str) -> str:
    """The content of one file under schemas/."""
    return resources.files("pipeline.schemas").joinpath(name).read_text(encoding="utf-8")


@cache
def json_file(name: str) -> Any:
    return json.loads(text(name))


@cache
def patterns() -> dict[str, Any]:
    return json_file("patterns.json")


@cache
def regex(name: str) -> re.Pattern[str]:
    return re.compile(patterns()[name])


@cache
def regex_list(name: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns()[name])


@cache
def csv_rows(name: str) -> tuple[dict[str, str], ...]:
    reader = csv.DictReader(io.StringIO(text(name), newline=""))
    return tuple(row for row in reader if not next(iter(row.values()), "").startswith("#"))


@cache
def plausible_ranges() -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(base unit, kind) → (lowest, highest) plausible base value (schemas/plausible.csv)."""
    return {(r["base_unit"], r["kind"]): (Decimal(r["min"]), Decimal(r["max"])) for r in csv_rows("plausible.csv")}


def table_schema(table: str) -> dict[str, Any]:
    return json_file(f"{table}.schema.json")


def table_kinds() -> dict[str, Any]:
    return json_file("table_kinds.json")
