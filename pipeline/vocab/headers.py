"""Printed column headers → output fields, from the synonyms in schemas/header_synonyms.csv."""
from __future__ import annotations

import re

from pipeline.vocab import data
from pipeline.vocab.text import compact


def _matches(header: str, match: str, synonym: str) -> bool:
    h = compact(header)
    return {"exact": h == synonym, "prefix": h.startswith(synonym), "contains": synonym in h,
            "regex": bool(re.search(synonym, h))}[match]


def map_columns(header: tuple[str, ...], allowed: list[str]) -> dict[int, str]:
    """Column index → field, the first synonym that matches wins; each field used once."""
    out: dict[int, str] = {}
    for i, h in enumerate(header):
        for row in data.csv_rows("header_synonyms.csv"):
            if (row["field"] in allowed and row["field"] not in out.values()
                    and _matches(h, row["match"], row["synonym"])):
                out[i] = row["field"]
                break
    return out
