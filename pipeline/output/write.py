"""Validated rows → CSV + Parquet + datapackage.json + report.json, written atomically."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.checks.schema import validated
from pipeline.model.problems import CONFIRMED, DOUBT, NOTE, SOURCE, code_of, of_kind, verdict
from pipeline.model.records import Extraction
from pipeline.model.rows import RECORDS, Row, columns, rows_of
from pipeline.output.storage import is_remote, publish
from pipeline.vocab import data

TABLES = tuple(RECORDS)        # every table written, in this order


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        s = format(v, "f")
        return s.rstrip("0").rstrip(".") if "." in s else s
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _arrow_type(field: dict) -> pa.DataType:
    if "x-decimal" in field:
        return pa.decimal128(field["x-decimal"]["precision"], field["x-decimal"]["scale"])
    return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
            "boolean": pa.bool_(), "date": pa.date32()}[field["type"]]


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(f["name"], _arrow_type(f)) for f in data.table_schema(table)["fields"]])


def _values(table: str, rows: Sequence[Row]) -> list[tuple]:
    """The boundary where records become bytes: each row's written fields, in the schema's order."""
    names = columns(RECORDS[table])
    return [tuple(getattr(r, n) for n in names) for r in rows]


def arrow_table(table: str, rows: Sequence[Row]) -> pa.Table:
    """Validated rows as a pyarrow Table typed as the table's schema."""
    schema = arrow_schema(table)
    return pa.Table.from_pylist([dict(zip(schema.names, v, strict=False)) for v in _values(table, rows)], schema=schema)


def to_arrow(ex: Extraction) -> dict[str, pa.Table]:
    """Every output table as a pyarrow Table with the schema's types (decimal128 money, date32
    dates, int64 …): the rows `write` would write, validated the same way."""
    clean = validated(ex)
    return {t: arrow_table(t, rows_of(clean.tables, t)) for t in TABLES}


def to_pandas(ex: Extraction) -> dict:
    """Every output table as a pandas DataFrame (from `to_arrow`: money stays decimal.Decimal)."""
    return {t: table.to_pandas() for t, table in to_arrow(ex).items()}


def write_table(folder: Path, table: str, rows: Sequence[Row]) -> None:
    """One table as CSV and Parquet in `folder` (a temporary folder the caller swaps into place)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns(RECORDS[table]))
    for v in _values(table, rows):
        w.writerow([_csv_value(x) for x in v])
    (folder / f"{table}.csv").write_text(buf.getvalue(), encoding="utf-8")
    pq.write_table(arrow_table(table, rows), folder / f"{table}.parquet", compression="zstd")


def _datapackage(notice_id: str, folder: Path) -> dict:
    """Every CSV as a table resource with its schema, every Parquet file beside it, with hashes."""
    def described(path: str) -> dict:
        raw = (folder / path).read_bytes()
        return {"path": path, "bytes": len(raw), "hash": "sha256:" + hashlib.sha256(raw).hexdigest()}

    resources = []
    for t in TABLES:
        schema = {k: v for k, v in data.table_schema(t).items() if k != "$schema"}
        resources.append({"name": t, "type": "table", **described(f"{t}.csv"), "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8", "schema": schema})
        resources.append({"name": f"{t}-parquet", "type": "file", **described(f"{t}.parquet"), "format": "parquet",
                          "mediatype": "application/vnd.apache.parquet",
                          "description": f"{t} as Parquet: the same columns, typed as in the schema"})
    return {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": notice_id.lower(),
            "title": f"notice-extract outputs of {notice_id}", "resources": resources}


def write_extraction(ex: Extraction, out_dir: str | Path) -> Path | str:
    """Write the tables of a checked extraction (checks.schema.validated) as they are into a temporary
    folder, then swap it into place (into a remote store, an fsspec URL: write locally, then publish
    it there, see outputs.py). Writing it again writes the same bytes (report.json's timings aside)."""
    if not ex.validated:
        raise ValueError(f"{ex.notice_id}: the extraction is not checked against the schemas (checks.schema.validated)")
    if is_remote(out_dir):
        with tempfile.TemporaryDirectory(prefix="notice-extract-") as staging:
            publish(str(out_dir), Path(write_extraction(ex, staging)), ex.notice_id)
        return f"{str(out_dir).rstrip('/')}/{ex.notice_id}"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / ex.notice_id
    tmp = out_dir / f".{ex.notice_id}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        for t in TABLES:
            write_table(tmp, t, rows_of(ex.tables, t))
        (tmp / "datapackage.json").write_text(
            json.dumps(_datapackage(ex.notice_id, tmp), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(report(ex), ensure_ascii=False, indent=1) + "\n",
                                         encoding="utf-8")
        old = out_dir / f".{ex.notice_id}.old-{os.getpid()}"
        if final.exists():
            final.rename(old)
        try:
            tmp.rename(final)
        except BaseException:
            if old.exists():            # the new outputs could not take its place: the old ones go back
                old.rename(final)
            raise
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return final


_LEFTOVER = re.compile(r"^\.(?P<id>.+)\.(?P<what>tmp|old)-(?P<pid>\d+)$")


def sweep_leftovers(out_dir: Path) -> list[str]:
    """Remove what runs that were killed while writing left in `out_dir` (their process is gone): a
    half-written `.<id>.tmp-PID` folder goes; a `.<id>.old-PID` folder (the previous outputs, moved
    aside) goes back into place when the new ones never arrived, else goes. Returns what it did."""
    done = []
    for p in sorted(Path(out_dir).iterdir()) if Path(out_dir).is_dir() else []:
        m = _LEFTOVER.match(p.name)
        if not m or not p.is_dir() or _alive(int(m["pid"])):
            continue
        final = p.with_name(m["id"])
        if m["what"] == "old" and not final.exists():
            p.rename(final)
            done.append(f"{p.name} put back as {final.name}")
        else:
            shutil.rmtree(p)
            done.append(f"{p.name} removed")
    return done


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # someone else's process
        return True
    return True


# report.json lists at most this many problems of one reason; `problems_not_listed` counts the rest
# (a damaged file can raise a problem per char or per page: the report stays readable).
PROBLEMS_PER_REASON = 50


def _listed(problems) -> tuple[list, dict[str, int]]:
    seen: dict[str, int] = {}
    listed = []
    for p in problems:
        seen[p.reason] = seen.get(p.reason, 0) + 1
        if seen[p.reason] <= PROBLEMS_PER_REASON:
            listed.append(p)
    return listed, {r: n - PROBLEMS_PER_REASON for r, n in seen.items() if n > PROBLEMS_PER_REASON}


def _listing(p) -> dict:
    return {"code": code_of(p).value,
            **{k: v for k, v in asdict(p).items() if k != "code" and v not in (None, "")}}


def report(ex: Extraction) -> dict:
    """report.json: the verdict; `reasons` and `problems`, what the extraction doubts (something may
    be lost or misread); `source_issues`, what the notice contradicts in itself, each with the
    evidence that the reading is right; `confirmed`, the uncertain readings the notice confirms;
    `notes`, what the outputs hold another way (a column kept in table_cells only …)."""
    status, reasons = verdict(ex.problems)
    tables = ex.tables
    listed, not_listed = _listed(of_kind(ex.problems, DOUBT))
    return {
        "notice_id": ex.notice_id,
        "status": status,
        "reasons": reasons,
        "counts": {t: len(rows_of(tables, t)) for t in tables},
        "facts_without_subject": sum(1 for f in tables.get("facts", []) if not f.subject),
        "problems": [_listing(p) for p in listed],
        "problems_not_listed": not_listed,
        "source_issues": [_listing(p) for p in of_kind(ex.problems, SOURCE)],
        "confirmed": [_listing(p) for p in of_kind(ex.problems, CONFIRMED)],
        "notes": [_listing(p) for p in of_kind(ex.problems, NOTE)],
        "timings_s": {k: round(v, 3) for k, v in ex.timings.items()},
    }
