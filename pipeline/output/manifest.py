"""extracted/manifest.parquet: what the batch has done, one row per notice, so that a rerun does only
what is new, changed or unfinished.

A notice is done when its PDF's sha256 and the pipeline version are those its row records, its row
says it was extracted, and its outputs are intact (see `outputs.intact`). The pipeline version is
the package version plus a hash of the pipeline's code and data files, so a change to either redoes
every notice. The file is rewritten (atomically) as each notice finishes: an interrupted run loses
nothing it had finished."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.model.records import Summary
from pipeline.output import storage as outputs

NAME = "manifest.parquet"
EXTRACTED = ("complete", "needs_review")        # statuses of a notice whose outputs were written
SCHEMA = pa.schema([
    pa.field("notice_id", pa.string(), nullable=False),
    pa.field("source", pa.string(), nullable=False),
    pa.field("sha256", pa.string(), nullable=False),
    pa.field("pipeline_version", pa.string(), nullable=False),
    pa.field("status", pa.string(), nullable=False),   # the verdict, or the failure kind
    pa.field("seconds", pa.float64(), nullable=False),
    pa.field("finished_at", pa.timestamp("ms", tz="UTC"), nullable=False),
])


@dataclass(frozen=True)
class Entry:
    notice_id: str
    source: str
    sha256: str
    pipeline_version: str
    status: str
    seconds: float
    finished_at: dt.datetime


def code_and_data_files() -> list:
    """The pipeline's modules and the data files under schemas/ (shipped as pipeline.schemas)."""
    package = Path(__file__).resolve().parents[1]
    code = sorted(package.rglob("*.py"), key=lambda f: f.relative_to(package).as_posix())
    schemas = sorted((f for f in resources.files("pipeline.schemas").iterdir() if f.is_file()),
                     key=lambda f: f.name)
    return [*code, *schemas]


@cache
def pipeline_version() -> str:
    """`0.1.0+<12 hex>`: the package version and a hash of every code and data file it runs."""
    h = hashlib.sha256()
    for f in code_and_data_files():
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    try:
        version = metadata.version("notice-extract")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"{version}+{h.hexdigest()[:12]}"


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Manifest:
    """The rows of `<out>/manifest.parquet` (a path or an fsspec URL), keyed by notice_id."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = str(out_dir)
        self.entries: dict[str, Entry] = {}
        raw = outputs.read_bytes(self.out_dir, NAME)
        if raw is not None:
            for row in pq.read_table(pa.BufferReader(raw)).to_pylist():
                self.entries[row["notice_id"]] = Entry(**row)

    def done(self, notice_id: str, sha256: str, version: str) -> bool:
        e = self.entries.get(notice_id)
        return (e is not None and e.status in EXTRACTED and e.sha256 == sha256 and e.pipeline_version == version
                and outputs.intact(self.out_dir, notice_id))

    def record(self, summary: Summary, sha256: str, version: str) -> None:
        """Add or replace the notice's row, and rewrite the file."""
        self.entries[summary.notice_id] = Entry(
            summary.notice_id, summary.source, sha256, version,
            summary.status if summary.ok else summary.error_kind, round(summary.seconds, 3),
            dt.datetime.now(dt.timezone.utc))
        rows = [asdict(self.entries[k]) for k in sorted(self.entries)]
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), buf)
        outputs.write_bytes(self.out_dir, NAME, buf.getvalue().to_pybytes())
