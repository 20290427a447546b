"""Command line: `python -m pipeline extract [PDF|DIR ...] --out extracted/`, `load`, `series`."""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline import api
from pipeline.batch.executors import PAGE_TIME, FileTask, default_max_memory, executor_for, run_isolated
from pipeline.batch.summary import summary_line
from pipeline.load.document import BACKENDS, page_count
from pipeline.model.records import Summary
from pipeline.output.storage import is_remote, write_bytes
from pipeline.output.write import sweep_leftovers
from pipeline.vocab.text import quoted


def _pdfs(inputs: list[str]) -> list[Path]:
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            # not only regular files: a FIFO or a link loop named *.pdf is refused by name, not skipped unseen
            out.extend(sorted(q for q in p.iterdir() if q.suffix.lower() == ".pdf" and not q.is_dir()))
        else:
            out.append(p)
    return out


def _number(kind, what: str, zero: bool = False):
    """An argparse type: a finite number of `kind` greater than 0 (or 0 too, with `zero`): nan, inf
    and -1 are refused."""
    bound = "of 0 or more" if zero else "greater than 0"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            whole = "whole " if kind is int else ""
            raise argparse.ArgumentTypeError(f"{what} must be a {whole}number, not {text!r}") from None
        if not (math.isfinite(value) and (value > 0 or (zero and value == 0))):
            raise argparse.ArgumentTypeError(f"{what} must be a finite number {bound}, not {text!r}")
        return value
    return parse


def _unwritable(out: Path) -> str | None:
    """Why outputs cannot be written into `out` (checked before any work), or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"--out {quoted(str(out))} is not a folder"
    except OSError as e:
        return f"--out {quoted(str(out))} cannot be created: {e.strerror or e}"
    try:
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        return f"--out {quoted(str(out))} is not writable: {e.strerror or e}"
    return None


def _write_locally(text: bytes) -> str | None:
    """failures.json of a run whose remote --out cannot be written: in the current folder, else in the
    temporary one, under a name of its own (nothing is overwritten). Its path, or None."""
    import datetime as dt
    name = f"failures-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}.json"
    for folder in (Path.cwd(), Path(tempfile.gettempdir())):
        try:
            with open(folder / name, "xb") as f:
                f.write(text)
            return str(folder / name)
        except OSError:
            continue
    return None


def cmd_extract(args) -> int:
    pdfs = _pdfs(args.inputs or ["raw"])
    error = _cannot_extract(pdfs, args.inputs or ["raw"], args.out)
    if error:
        print(error, file=sys.stderr)
        return 2
    for what in sweep_leftovers(args.out):
        print(f"leftover of a killed run: {what}", file=sys.stderr)
    batch = _run_batch(pdfs, args)
    for note in batch.notes:
        print(note, file=sys.stderr)
    if batch.skipped:
        print(f"{batch.skipped} of {len(pdfs)} file(s) unchanged since the last run, skipped (--force redoes them)")
    report = _write_failures(args.out, batch.failures)
    if report is None:
        return 2
    if batch.failures:
        print(f"{len(batch.failures)} of {len(pdfs)} file(s) failed; see {report}", file=sys.stderr)
        return 1
    if batch.review and args.strict:
        print(f"{len(batch.review)} notice(s) need review (--strict): {', '.join(batch.review)}; see their report.json",
              file=sys.stderr)
        return 1
    return 0


@dataclass
class _Batch:
    """What a run of `extract` saw, file by file."""
    failures: list[dict[str, str | None]] = field(default_factory=list)  # as failures.json lists them
    review: list[str] = field(default_factory=list)     # the notices that need review
    skipped: int = 0                                    # files done by an earlier run
    notes: list[str] = field(default_factory=list)      # what the run says besides (the manifest's notes)

    def add(self, s: Summary) -> None:
        self.skipped += s.skipped
        if not s.skipped:
            tqdm.write(summary_line(s), file=sys.stdout if s.ok else sys.stderr)
        if not s.ok:
            self.failures.append({"file": s.source, "kind": s.error_kind, "reason": s.error})
        elif s.status != "complete":
            self.review.append(s.notice_id)


def _cannot_extract(pdfs: list[Path], inputs: list[str], out: str) -> str | None:
    """Why the run cannot start: no PDF found, an output folder that cannot be written."""
    if not pdfs:
        return "no PDF files found in " + ", ".join(inputs)
    problem = None if is_remote(out) else _unwritable(Path(out))
    return f"error: {problem}" if problem else None


def _run_batch(pdfs: list[Path], args: argparse.Namespace) -> _Batch:
    """Extract every file, with a bar for files and one for pages unless quiet (or stderr is no terminal)."""
    pages = {p: page_count(p) for p in pdfs}
    batch = _Batch()
    quiet = args.quiet or not sys.stderr.isatty()
    with tqdm(total=len(pdfs), unit="file", desc="notices", disable=quiet, position=0) as files, \
            tqdm(total=sum(pages.values()), unit="page", desc="pages  ", disable=quiet, position=1) as bar:
        read: dict[str, int] = {}       # pages OCR'd so far, per file: the bar moves as each is read
        counting = threading.Lock()     # a Dask client reports pages from its own thread

        finished: set[str] = set()      # (a Dask worker's page report may come after its file's result)

        def page_read(pdf: str, n: int) -> None:
            with counting:
                if pdf not in finished:
                    read[pdf] = read.get(pdf, 0) + n
                    bar.update(n)

        executor = executor_for(args.cluster, jobs=args.jobs, timeout=args.timeout, retries=args.retries,
                                warm_up=api.warm_up, page_time=args.page_time, on_progress=page_read)
        with executor:
            for s in api.extract_many(pdfs, args.out, backend=args.backend, executor=executor, force=args.force,
                                      max_memory=args.max_memory and args.max_memory << 20,
                                      review=args.review, notes=batch.notes):
                files.update(1)
                with counting:
                    finished.add(s.source)
                    bar.update(max(0, pages.get(Path(s.source), 0) - read.pop(s.source, 0)))
                batch.add(s)
    return batch


def _write_failures(out: str, failures: list[dict[str, str | None]]) -> str | None:
    """failures.json in `out`, by file (not in the order the workers finished): where it was written,
    None when it could not be (a remote store that is gone: written locally instead)."""
    failures.sort(key=lambda f: f["file"] or "")
    report = f"{out.rstrip('/')}/failures.json"
    text = (json.dumps(failures, ensure_ascii=False, indent=1) + "\n").encode()
    try:
        write_bytes(out, "failures.json", text)
    except OSError as e:
        print(f"error: {quoted(report)} could not be written: {e.strerror or e}", file=sys.stderr)
        if not is_remote(out):
            return None
        local = _write_locally(text)        # the store is gone: the list of failures is not lost with it
        if local is None:
            return None
        report = local
        print(f"the failures are in {quoted(report)} instead", file=sys.stderr)
    return report


def cmd_load(args) -> int:
    from pipeline.warehouse.load import NOT_LOADED, load
    notes: list[str] = []
    try:
        outcome = load(Path(args.extracted), args.db, force=args.force, wait=args.wait, notes=notes)
    except Exception as e:
        for note in notes:
            print(note, file=sys.stderr)
        print(f"load failed: {e}", file=sys.stderr)
        return 1
    for note in notes:
        print(note, file=sys.stderr)
    refused = 0
    for notice_id, what in sorted(outcome.items()):
        refused += what.startswith(NOT_LOADED)
        print(f"{notice_id}: {what}", file=sys.stderr if what.startswith(NOT_LOADED) else sys.stdout)
    if refused:
        print(f"{refused} notice folder(s) of {args.extracted} not loaded (extract them again)", file=sys.stderr)
    return 1 if refused else 0


def _format_table(header: tuple[str, ...], rows: list[tuple]) -> str:
    """Rows as aligned text columns for a terminal (CJK characters count two columns)."""
    def text(v) -> str:
        if isinstance(v, bool):
            return "yes" if v else "no"
        return "" if v is None else str(v)

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    cells = [list(header)] + [[text(v) for v in r] for r in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=False)).rstrip()
                     for r in cells)


def cmd_series(args) -> int:
    from pipeline.warehouse.load import connect
    from pipeline.warehouse.views import SERIES_COLUMNS, series
    if "://" not in args.db and not Path(args.db).exists():
        print(f"no warehouse at {args.db}: run `python -m pipeline load` first", file=sys.stderr)
        return 2
    con = connect(args.db)
    try:
        rows = series(con, args.indicator, args.district)
    except Exception as e:
        print(f"cannot read the series from {args.db} (loaded by an older version? run load again): "
              f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if not rows:
        print(f"no series for {args.indicator!r}" + (f" in {args.district}" if args.district else ""),
              file=sys.stderr)
        return 1
    print(_format_table(SERIES_COLUMNS, rows))
    return 0


def cmd_review(args) -> int:
    """Each input is a PDF, a folder of PDFs, or the notice_id of a PDF in --raw."""
    pdfs: list[Path] = []
    for item in args.inputs or [args.raw]:
        found = _pdfs([item]) if Path(item).exists() else [Path(args.raw) / f"{item}.pdf"]
        missing = [p for p in found if not p.is_file()]
        if missing or not found:
            print(f"{item}: no such PDF or notice_id (looked for {missing[0] if missing else item})", file=sys.stderr)
            return 2
        pdfs.extend(found)
    failed = 0
    limit = args.max_memory << 20 if args.max_memory else default_max_memory(1)
    for pdf in pdfs:
        # in a child process under the worker's memory limit, as extract runs it: a bomb or a page too
        # large to draw is too_large there, not 7 GB of this process (or pdfium aborting it)
        s = run_isolated(api.review_task, FileTask(str(pdf), str(args.out), args.backend, max_memory=limit), None)
        if s.ok:
            print(Path(args.out) / s.notice_id / "review.html")
        else:
            print(f"{pdf}: FAILED ({s.error_kind}) {s.error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


# options more than one command takes: name → add_argument keywords
_SHARED: dict[str, dict[str, Any]] = {
    "--backend": dict(choices=BACKENDS, default=None,
                      help="PDF backend (default: $NOTICE_EXTRACT_BACKEND, else pdfium)"),
    "--db": dict(default="extracted/warehouse.duckdb",
                 help="a DuckDB file (default: extracted/warehouse.duckdb) or a postgresql:// URL"),
}


def _shared(command: argparse.ArgumentParser, name: str) -> None:
    command.add_argument(name, **_SHARED[name])


def _utf8_mode() -> None:
    """Run in Python's UTF-8 mode: under a C or POSIX locale with UTF-8 mode turned off
    (LC_ALL=POSIX PYTHONUTF8=0), Python decodes file names as ASCII, every Chinese file name becomes
    undecodable bytes, and nothing could be written under its name. The command starts itself again
    with PYTHONUTF8=1, its arguments passed on as the bytes they were."""
    import codecs
    if sys.flags.utf8_mode or os.name != "posix" or codecs.lookup(sys.getfilesystemencoding()).name == "utf-8":
        return
    os.environ["PYTHONUTF8"] = "1"
    with contextlib.suppress(OSError):      # cannot start again: go on; Chinese names are then bad_name
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


class _Guarded:
    """stdout that a failing write (a full device, a closed pipe) does not break: the first error is
    kept, the rest of the output dropped, and the run goes on; `main` says so in one line at the end."""

    def __init__(self, stream):
        self.stream, self.error = stream, None

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                return self.stream.write(text)
            except OSError as e:
                self._failed(e)
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as e:
                self._failed(e)

    def _failed(self, e: OSError) -> None:
        self.error = e
        try:        # what is still buffered goes nowhere, so that the exit's flush does not fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, AttributeError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _tolerant(stream) -> None:
    """A stream whose encoding cannot write Chinese (PYTHONIOENCODING=ascii) writes escapes instead
    of raising."""
    try:
        "宝山".encode(stream.encoding)
    except (UnicodeEncodeError, LookupError, TypeError, AttributeError):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        _utf8_mode()
    for stream in (sys.stdout, sys.stderr):
        _tolerant(stream)
    saved, sys.stdout = sys.stdout, _Guarded(sys.stdout)
    try:
        code = _main(argv)
        sys.stdout.flush()
        if sys.stdout.error is not None:
            e = sys.stdout.error
            print(f"error: stdout could not be written ({e.strerror or e}): its lines are lost; "
                  "failures.json and the outputs are as the run left them", file=sys.stderr)
            code = code or 1
        return code
    finally:
        sys.stdout = saved


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline",
                                     description="Turn development-plan notice PDFs into typed tables.")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="extract every notice PDF given (files or folders; default raw/)")
    ex.add_argument("inputs", nargs="*", metavar="PDF|DIR")
    ex.add_argument("--out", default="extracted",
                    help="output folder, a path or an fsspec URL such as s3://bucket/extracted (default: extracted/)")
    ex.add_argument("--jobs", type=_number(int, "--jobs"), default=1,
                    help="notices extracted in parallel processes (default 1)")
    _shared(ex, "--backend")
    ex.add_argument("--timeout", type=_number(float, "--timeout"), default=300.0,
                    help="seconds allowed per file, and --page-time more for each page it reads by OCR "
                         "(default 300)")
    ex.add_argument("--page-time", type=_number(float, "--page-time", zero=True), default=PAGE_TIME,
                    help=f"seconds added to a file's --timeout for each scanned page it reads by OCR "
                         f"(default {PAGE_TIME:g})")
    ex.add_argument("--retries", type=_number(int, "--retries", zero=True), default=2,
                    help="times a file whose worker process died is tried again before it is reported "
                         "crashed (default 2)")
    ex.add_argument("--cluster", metavar="tcp://HOST:8786|local:N",
                    help="run each file as a task on this Dask cluster (local:N starts N worker processes "
                         "here) instead of --jobs local processes; needs the [cluster] extra")
    ex.add_argument("--force", action="store_true",
                    help="extract again files that manifest.parquet shows done with the same PDF and pipeline")
    ex.add_argument("--max-memory", type=_number(int, "--max-memory"), metavar="MIB",
                    help="MiB of address space each worker may use; a file that needs more fails as too_large "
                         "(default: the machine's memory shared by --jobs, between 2048 and 8192)")
    ex.add_argument("--quiet", action="store_true", help="no progress bars")
    ex.add_argument("--strict", action="store_true",
                    help="exit 1 when any notice's verdict is needs_review (default: only failures do)")
    ex.add_argument("--review", action="store_true",
                    help="also write each notice's review page, <out>/<notice_id>/review.html")
    ex.set_defaults(func=cmd_extract)
    rv = sub.add_parser("review", help="write the review page of each notice: its pages with what was extracted "
                                       "drawn over them, <out>/<notice_id>/review.html")
    rv.add_argument("inputs", nargs="*", metavar="PDF|DIR|notice_id")
    rv.add_argument("--out", default="extracted", help="output folder (default: extracted/)")
    rv.add_argument("--raw", default="raw", help="where a notice_id's PDF is (default: raw/)")
    rv.add_argument("--max-memory", type=_number(int, "--max-memory"), metavar="MIB",
                    help="MiB of address space the review of one file may use, as for extract (default: the "
                         "machine's memory, between 2048 and 8192)")
    _shared(rv, "--backend")
    rv.set_defaults(func=cmd_review)
    ld = sub.add_parser("load", help="load extracted notices into the DuckDB warehouse (idempotent)")
    ld.add_argument("--extracted", default="extracted", help="folder of extracted notices (default: extracted/)")
    _shared(ld, "--db")
    ld.add_argument("--force", action="store_true", help="reload notices whose outputs are unchanged")
    ld.add_argument("--wait", type=_number(float, "--wait"), default=60.0,
                    help="seconds to wait for a DuckDB file another load is writing (default 60)")
    ld.set_defaults(func=cmd_load)
    se = sub.add_parser("series", help="one indicator's target, actual and met by year, from the warehouse")
    se.add_argument("indicator", help="the indicator as any notice prints it (地区生产总值, 一般公共预算收入（区级）…)")
    se.add_argument("--district", default=None, help="only this district (e.g. 宝山区)")
    _shared(se, "--db")
    se.set_defaults(func=cmd_series)
    args = parser.parse_args(argv)
    return args.func(args)
