"""extracted/manifest.parquet: what the batch has done, one row per notice, so that a rerun does only
what is new, changed or unfinished.

A notice is done when its PDF's sha256 and the pipeline version are those its row records, its row
says it was extracted, and its outputs are intact (see `outputs.intact`). The pipeline version is
the package version plus a hash of the pipeline's code and data files, so a change to either redoes
every notice. The file is rewritten (atomically) as each notice finishes: an interrupted run loses
nothing it had finished.

Runs may share an output folder: each row is recorded under a lock (flock on the folder) by
reading the file again and replacing only that notice's row, so two concurrent runs of different
notices leave a manifest of all of them (on a remote store, which has no lock, two writes in the
same instant may still lose a row: a rerun redoes that notice). A manifest that cannot be read
(truncated, not Parquet, columns other than its own) is set aside as `manifest.parquet.damaged-<time>`
and rebuilt from the notice folders on disk whose outputs are intact; `notes` says so."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import posixpath
import stat
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
    """The sha256 of a regular file (OSError for anything else: a FIFO would block the read)."""
    h = hashlib.sha256()
    with open(path, "rb", opener=lambda p, flags: os.open(p, flags | getattr(os, "O_NONBLOCK", 0))) as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Damaged(Exception):
    """The manifest file exists but cannot be read as one."""


class Manifest:
    """The rows of `<out>/manifest.parquet` (a path or an fsspec URL), keyed by notice_id."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = str(out_dir)
        self.notes: list[str] = []      # one line each: what was done about a damaged manifest
        try:
            self.entries = self._read()
        except Damaged:
            with self._locked():        # another run may be setting it aside: look again under the lock
                self.entries = self._read_or_rebuild()

    def _read(self) -> dict[str, Entry]:
        raw = outputs.read_bytes(self.out_dir, NAME)
        if raw is None:
            return {}
        try:
            table = pq.read_table(pa.BufferReader(raw))
        except Exception as e:     # pyarrow's errors for a truncated, empty or foreign file vary
            raise Damaged(f"not a Parquet file ({len(raw)} bytes): {e}") from e
        if table.schema.names != SCHEMA.names:
            raise Damaged(f"its columns are {', '.join(table.schema.names) or 'none'}, not those of a manifest")
        try:
            rows = table.cast(SCHEMA).to_pylist()
        except Exception as e:
            raise Damaged(f"its columns are not of a manifest's types: {e}") from e
        return {row["notice_id"]: Entry(**row) for row in rows}

    def _read_or_rebuild(self) -> dict[str, Entry]:
        """Under the lock: the rows on disk, or, when the file is damaged, rows rebuilt from the notice
        folders (the damaged file set aside, never deleted: it may be evidence)."""
        try:
            return self._read()
        except Damaged as e:
            why = str(e).splitlines()[0]
        aside = f"{NAME}.damaged-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%f}"
        outputs.rename(self.out_dir, NAME, aside)
        entries = rebuilt(self.out_dir)
        self._write(entries)
        self.notes.append(f"{NAME} could not be read ({why}): set aside as {aside}, and rebuilt from the "
                          f"{len(entries)} notice folder(s) with intact outputs on disk")
        return entries

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on the output folder's manifest among the runs on this machine (and on file
        systems whose flock reaches other machines); none on a remote store."""
        if outputs.is_remote(self.out_dir):
            yield
            return
        import fcntl
        Path(self.out_dir).mkdir(parents=True, exist_ok=True)
        fd = os.open(self.out_dir, os.O_RDONLY)        # the folder itself: no lock file is left behind
        try:
            with contextlib.suppress(OSError):      # a file system without locks (ENOLCK): as a remote store
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def done(self, notice_id: str, sha256: str, version: str) -> bool:
        e = self.entries.get(notice_id)
        return (e is not None and e.status in EXTRACTED and e.sha256 == sha256 and e.pipeline_version == version
                and outputs.damage(self.out_dir, notice_id) is None)

    def record(self, summary: Summary, sha256: str, version: str) -> None:
        """Add or replace the notice's row in the file as it is on disk now (other runs' rows kept)."""
        status = summary.status if summary.ok else summary.error_kind
        if status is None:
            raise ValueError(f"a failed Summary names no error kind: {summary}")
        entry = Entry(summary.notice_id, summary.source, sha256, version, status, round(summary.seconds, 3),
                      dt.datetime.now(dt.timezone.utc))
        with self._locked():
            self.entries = {**self._read_or_rebuild(), entry.notice_id: entry}
            self._write(self.entries)

    def _write(self, entries: dict[str, Entry]) -> None:
        rows = [asdict(entries[k]) for k in sorted(entries)]
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), buf)
        outputs.write_bytes(self.out_dir, NAME, buf.getvalue().to_pybytes())


@outputs._remote_errors
def rebuilt(out_dir: str) -> dict[str, Entry]:
    """Manifest rows for the notice folders under `out_dir` whose outputs are intact: the notice id,
    source file and PDF hash from notices.parquet, the verdict from report.json. The pipeline version
    that wrote them is not known: the next extract does them again, `load` loads them."""
    fs, root = outputs._fs(out_dir)
    entries = {}
    for info in fs.ls(root, detail=True):
        name = posixpath.basename(info["name"].rstrip("/"))
        if info["type"] != "directory" or name.startswith(".") or outputs.damage(out_dir, name):
            continue
        folder = posixpath.join(root, name)
        try:
            raw = fs.cat_file(posixpath.join(folder, "notices.parquet"))
            notice = pq.read_table(pa.BufferReader(raw)).to_pylist()[0]
            status = json.loads(fs.cat_file(posixpath.join(folder, "report.json")))["status"]
        except Exception:       # intact as listed, yet not readable as outputs: left to `load` to refuse
            continue
        if notice.get("notice_id") != name or status not in EXTRACTED:
            continue
        entries[name] = Entry(name, notice.get("source_file") or "", notice.get("source_sha256") or "", "",
                              status, 0.0, dt.datetime.now(dt.timezone.utc))
    return entries
