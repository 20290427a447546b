"""The library API: extract one notice, or many in parallel. The CLI is a thin shell over it."""
from __future__ import annotations

import json
import os
import time
import unicodedata
from dataclasses import replace
from pathlib import Path

from pipeline.batch.executors import FileTask, LocalExecutor, default_max_memory
from pipeline.checks.evidence import weigh
from pipeline.checks.schema import validated
from pipeline.layout.page import furniture, layout_document, off_furniture
from pipeline.load.backend import InputError
from pipeline.load.document import check_text, load_pdf, not_a_file
from pipeline.load.render import render_pages
from pipeline.model.problems import DOUBT, SOURCE, Code, of_kind, verdict
from pipeline.model.records import Document, Extraction, Problem, Summary
from pipeline.model.rows import Tables, rows_of
from pipeline.narrative.notice import notice_row
from pipeline.narrative.paragraphs import build_narrative
from pipeline.output.manifest import NAME, Manifest, file_sha256, pipeline_version
from pipeline.output.review import review_html
from pipeline.output.storage import is_remote, write_bytes
from pipeline.output.write import (
    TABLES,
    to_arrow,
    to_pandas,
    write_extraction,
)
from pipeline.progress import QUIET, Progress
from pipeline.quantities.facts import facts
from pipeline.quantities.values import indicator_parts, indicator_values
from pipeline.settings import DEFAULT, Settings
from pipeline.tables.assemble import assemble_tables, cell_markers, table_note_rows
from pipeline.tables.kinds import classify, table_cell_rows, table_rows, with_years
from pipeline.vocab.keys import keyed_projects
from pipeline.vocab.text import quoted

__all__ = ["extract", "extract_to", "extract_many", "review_to", "to_arrow", "to_pandas"]


class NotANoticeError(InputError):
    pass


class _Laps:
    """Seconds per stage: a call names the stage that just ended, timed from the end of the one before."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self.clock
        self.clock = now


def extract(pdf: str | Path, backend: str | None = None, settings: Settings = DEFAULT,
            progress: Progress = QUIET) -> Extraction:
    """Run every stage on one PDF and return the rows of every output table. `settings`: the
    thresholds of every stage (pipeline/settings.py), each stage handed its part; `progress`: where
    the pages read by OCR are reported, and the cores they may be read on."""
    lap = _Laps({})
    doc = load_pdf(pdf, settings, backend=backend, progress=progress)
    lap("load")
    return extract_document(doc, settings, lap.timings)


def extract_document(doc: Document, settings: Settings = DEFAULT,
                     timings: dict[str, float] | None = None) -> Extraction:
    """Every stage after loading, on a loaded document (`extract` loads it first; a test may change
    a loaded document's chars to see what the stages make of a defect)."""
    lap = _Laps({} if timings is None else timings)
    check_text(doc)
    layouts = layout_document(doc.pages, settings.layout)
    lap("layout")
    tables, used_lines, table_problems = assemble_tables(layouts, settings.layout)
    kinds = [classify(t) for t in tables]
    indicators, projects, kind_problems = table_rows(doc.notice_id, tables, kinds)
    lap("tables")
    narrative = build_narrative(doc.notice_id, layouts, used_lines, cell_markers(tables), settings.layout)
    lap("narrative")
    if not indicators and not projects and not any(p.kind == "heading" for p in narrative.paragraphs):
        raise NotANoticeError("not_a_notice", "no indicator or project table and no numbered report headings: "
                                              "not a development-plan notice")
    notice = notice_row(doc, narrative.title, narrative.paragraphs, settings.layout)
    indicators = with_years(indicators, notice.plan_year, notice.review_year)
    projects = with_years(projects, notice.plan_year, notice.review_year)
    values, value_problems = indicator_values(indicators)
    fact_rows = facts(narrative.paragraphs, {v.indicator_key for v in values if v.indicator_key is not None})
    lap("quantities")
    rows: Tables = {
        "notices": [notice],
        "indicators": indicators, "indicator_parts": indicator_parts(indicators), "indicator_values": values,
        "projects": keyed_projects(projects, notice.district),
        "paragraphs": narrative.paragraphs, "footnotes": narrative.footnotes, "facts": fact_rows,
        "table_cells": table_cell_rows(doc.notice_id, tables, kinds, indicators, projects),
        "table_notes": table_note_rows(doc.notice_id, tables),
    }
    problems = weigh([*off_furniture(doc.problems, layouts), *table_problems, *kind_problems,
                      *narrative.problems, *value_problems], rows)
    ex = validated(Extraction(notice_id=doc.notice_id, tables=rows, problems=tuple(problems),
                              furniture=furniture(layouts, settings.layout),
                              frames={p.number: (p.turn, p.skew) for p in doc.pages if p.turn or p.skew}))
    lap("validate")
    return replace(ex, timings=dict(lap.timings))


# What the tool itself writes in an output folder beside the notice folders: no notice may take
# one of these names (compared case-insensitively, as on the file systems that ignore case).
TOOL_FILES = frozenset({"failures.json", "warehouse.duckdb", "warehouse.duckdb.wal", "manifest.parquet",
                        "manifest.json", "datapackage.json", "report.json"})


NAME_MAX = 255      # bytes in one file name on the file systems the outputs go to (ext4, xfs, tmpfs, S3 keys' parts)


def bad_notice_id(notice_id: str) -> str | None:
    """Why `notice_id` (a file stem) cannot name a folder of the output, or None when it can."""
    if notice_id in ("", ".", ".."):
        return f"the notice id {notice_id!r} would name the output folder itself"
    if notice_id.startswith("."):
        return f"the notice id {notice_id!r} starts with a dot (hidden and temporary folders do)"
    if any(sep in notice_id for sep in "/\\"):
        return f"the notice id {notice_id!r} holds a path separator"
    if any(unicodedata.category(ch)[0] == "C" and unicodedata.category(ch) != "Cs" for ch in notice_id):
        return f"the notice id {notice_id!r} holds a control character"
    if any(unicodedata.category(ch) == "Cs" for ch in notice_id):
        return f"the notice id {notice_id!r} holds bytes that are not UTF-8"
    longest = f".{notice_id}.old-{'9' * 7}"       # the temporary folder names write.py gives it (7: a PID)
    if len(longest.encode("utf-8")) > NAME_MAX:
        return (f"the notice id is {len(notice_id.encode('utf-8'))} bytes long: its temporary folder "
                f"(.<id>.tmp-<pid>) would pass the {NAME_MAX} bytes a file name may have")
    if notice_id.casefold() in TOOL_FILES or notice_id.casefold().startswith("warehouse.duckdb"):
        return f"the notice id {notice_id!r} is the name of a file the tool writes in the output folder"
    return None


def plan_batch(pdfs: list[Path]) -> tuple[list[Path], list[Summary]]:
    """The files to extract, and the failures of those that must not be: a file given twice is
    extracted once, a bad notice id is `bad_name`, a path that is no regular file `not_a_file` (or
    `missing`) before anything opens it, and files whose ids collide (a/report.pdf and
    b/report.pdf, plan.pdf and plan.PDF, ids that differ only in case) are all `duplicate_id` —
    neither may overwrite the other's outputs."""
    unique: dict[Path, Path] = {}
    failures: list[Summary] = []
    for pdf in map(Path, pdfs):
        reason = bad_notice_id(pdf.stem)
        problem = InputError("bad_name", reason) if reason else not_a_file(pdf)
        if problem:         # refused before any work: nothing opens it (a FIFO would block the run)
            if str(pdf) not in {f.source for f in failures}:
                failures.append(Summary(pdf.stem, str(pdf), False, error_kind=problem.kind, error=str(problem)))
            continue
        unique.setdefault(pdf.resolve(), pdf)
    by_id: dict[str, list[Path]] = {}
    for pdf in unique.values():
        by_id.setdefault(pdf.stem.casefold(), []).append(pdf)
    keep = []
    for same in by_id.values():
        if len(same) == 1:
            keep.extend(same)
            continue
        names = ", ".join(quoted(str(p)) for p in same)
        failures.extend(Summary(p.stem, str(p), False, error_kind="duplicate_id",
                                error=f"{len(same)} files of the batch would have the notice id {p.stem!r}: {names}")
                        for p in same)
    return [p for p in unique.values() if p in keep], failures


def extract_to(pdf: str | Path, out_dir: str | Path, backend: str | None = None, review: bool = False,
               settings: Settings = DEFAULT, progress: Progress = QUIET) -> Summary:
    """Extract one PDF and write its outputs (and its review page when `review`); never raises for a
    bad input, returns a Summary."""
    pdf = Path(pdf)
    start = time.perf_counter()
    try:
        reason = bad_notice_id(pdf.stem)
        if reason:
            raise InputError("bad_name", reason)
        ex = extract(pdf, backend=backend, settings=settings, progress=progress)
        try:
            folder = write_extraction(ex, out_dir)
        except OSError as e:
            raise InputError("output_error", f"the outputs could not be written: {e}") from e
        review_error = _try_review(ex, pdf, folder) if review else None
        if review_error is not None:        # a problem of its own, counted in the summary
            ex = replace(ex, problems=(*ex.problems, Problem("review", "review page could not be written",
                                                             text=review_error, code=Code.REVIEW_FAILED)))
        counts = {t: len(rows_of(ex.tables, t)) for t in TABLES}   # as written: without rows the schemas left out
        return Summary(ex.notice_id, str(pdf), True, pages=ex.tables["notices"][0].page_count, counts=counts,
                       problems=len(of_kind(ex.problems, DOUBT)), status=verdict(ex.problems)[0],
                       source_issues=len(of_kind(ex.problems, SOURCE)), review_error=review_error,
                       left_out=sum(p.stage == "validate" for p in ex.problems), seconds=time.perf_counter() - start)
    except InputError as e:
        return Summary(pdf.stem, str(pdf), False, error_kind=e.kind, error=str(e), seconds=time.perf_counter() - start)
    except MemoryError:
        return Summary(pdf.stem, str(pdf), False, error_kind="too_large", seconds=time.perf_counter() - start,
                       error="needs more memory than the worker may use (--max-memory)")
    except Exception as e:  # a bug must not stop the batch; it is reported as a failure of this file
        return Summary(pdf.stem, str(pdf), False, error_kind="internal", error=f"{type(e).__name__}: {e}",
                       seconds=time.perf_counter() - start)


def _try_review(ex: Extraction, pdf: Path, folder: Path | str) -> str | None:
    """Write the review page; a review that fails leaves the written outputs as they are (the
    extraction stands) and is a problem of its own: returned, and noted in report.json."""
    try:
        write_review(ex, pdf, folder)
        return None
    except Exception as e:      # any failure of the page: the extraction is not failed for it
        error = f"{type(e).__name__}: {e}"
    if not is_remote(folder):
        path = Path(folder) / "report.json"
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            report["review_failed"] = error
            path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        except OSError:
            pass
    return error


def extract_task(task: FileTask, progress: Progress = QUIET) -> Summary:
    """What an executor runs for each file (in a child process, here or on a cluster worker)."""
    if task.version and task.version != pipeline_version():
        return Summary(Path(task.pdf).stem, task.pdf, False, error_kind="internal",
                       error=f"this worker runs pipeline {pipeline_version()}, the batch {task.version}: "
                             "install the same version on every worker")
    return extract_to(task.pdf, task.out_dir, task.backend, task.review, task.settings, progress)


def write_review(ex: Extraction, pdf: str | Path, folder: Path | str) -> Path | str:
    """`folder`/review.html: the page images of `pdf` with the extraction `ex` drawn over them."""
    page = review_html(ex, render_pages(pdf, frames=ex.frames), Path(pdf).name)
    if is_remote(folder):
        write_bytes(folder, "review.html", page.encode("utf-8"))
        return f"{folder}/review.html"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".review.html.tmp-{os.getpid()}"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, folder / "review.html")
    return folder / "review.html"


def review_to(pdf: str | Path, out_dir: str | Path, backend: str | None = None,
              settings: Settings = DEFAULT, progress: Progress = QUIET) -> Path:
    """Extract one PDF and write only its review page, `out_dir`/<notice_id>/review.html; the page
    shows this extraction's verdict and problems, the ones its report.json has when written by
    the same code. Raises InputError for a file that is no notice."""
    # rows the schemas leave out: problems on the page too
    ex = extract(pdf, backend=backend, settings=settings, progress=progress)
    return Path(write_review(ex, pdf, Path(out_dir) / ex.notice_id))     # a local folder: a Path


def review_task(task: FileTask, progress: Progress = QUIET) -> Summary:
    """What `review` runs for each file, in a child process under the memory limit: a Summary whose
    failure kind is extract's (a bug of the page itself is `review`)."""
    pdf = Path(task.pdf)
    try:
        review_to(pdf, task.out_dir, task.backend, progress=progress)
        return Summary(pdf.stem, str(pdf), True)
    except InputError as e:
        return Summary(pdf.stem, str(pdf), False, error_kind=e.kind, error=str(e))
    except MemoryError:
        return Summary(pdf.stem, str(pdf), False, error_kind="too_large",
                       error="needs more memory than the review may use (--max-memory)")
    except Exception as e:      # a bug of the page: said, and the next notice's page is written
        return Summary(pdf.stem, str(pdf), False, error_kind="review", error=f"{type(e).__name__}: {e}")


def extract_many(pdfs: list[Path], out_dir: str | Path, backend: str | None = None, jobs: int = 1,
                 timeout: float | None = 300.0, executor=None, force: bool = False,
                 max_memory: int | None = None, review: bool = False, notes: list[str] | None = None,
                 settings: Settings = DEFAULT):
    """Yield a Summary per PDF as each finishes. Each file runs in a child process of its own, so a
    pathological PDF is stopped at `timeout` seconds and a crash costs only that file; `executor`
    decides where those processes run (default: `jobs` at a time on this machine, see executors.py).

    `out_dir/manifest.parquet` records each file as it finishes; a file it shows done (same PDF, same
    pipeline version, outputs intact) is not run again but yielded as skipped, unless `force`. The
    child allocates at most `max_memory` bytes (default: sized from the machine, see executors.py).
    `notes` receives what was done about a damaged manifest (set aside and rebuilt from the outputs on
    disk), one line each."""
    notes = notes if notes is not None else []
    max_memory = max_memory or default_max_memory(jobs)
    executor = executor or LocalExecutor(jobs=jobs, timeout=timeout)
    pdfs, refused = plan_batch(pdfs)
    yield from refused
    out_dir, version = str(out_dir), pipeline_version()
    try:
        manifest = Manifest(out_dir)
    except OSError as e:    # the output folder cannot be reached (a store down, no credentials): nothing can be written
        for pdf in map(str, pdfs):
            yield Summary(Path(pdf).stem, pdf, False, error_kind="output_error",
                          error=f"the output folder could not be read, nothing was extracted: {e}")
        return
    notes.extend(manifest.notes)
    digests, tasks = {}, []
    for pdf in map(str, pdfs):
        digests[pdf] = digest = _sha256_or_none(pdf)
        done = manifest.entries.get(Path(pdf).stem)
        if not force and not review and digest and done is not None and manifest.done(Path(pdf).stem, digest, version):
            yield Summary(done.notice_id, pdf, True, status=done.status, skipped=True)
        else:
            tasks.append(FileTask(pdf, out_dir, backend, version, max_memory, review, settings))
    if not tasks:
        return
    warm_up()       # before the children fork, so that they share the loaded dictionary
    unrecorded = 0
    for summary in executor.run(extract_task, tasks):
        try:
            told = len(manifest.notes)
            manifest.record(summary, digests[summary.source] or "", version)
            notes.extend(manifest.notes[told:])
        except OSError as e:    # a full disk, a store gone: the batch goes on, a rerun redoes what it did not record
            unrecorded += 1
            if unrecorded == 1:
                notes.append(f"{NAME} could not be updated ({e}): a rerun extracts again the notices it "
                             "does not record")
        yield summary


def _sha256_or_none(pdf: str) -> str | None:
    try:
        return file_sha256(pdf)
    except OSError:     # a missing or unreadable file: the pipeline reports it
        return None


def warm_up() -> None:
    """Load what every notice needs once, before worker processes fork, so that each child shares it
    instead of paying for it: the jieba dictionary, the PDF library, and pandas, which pyarrow
    imports on the first array it builds (0.6 s a child: the whole overhead of a Dask worker, whose
    process otherwise never writes a table itself)."""
    from pipeline.load.document import preload
    preload()
    from pipeline.output.write import arrow_table
    from pipeline.quantities.subjects import warm_up as load_dictionary
    load_dictionary()
    arrow_table("notices", [])
