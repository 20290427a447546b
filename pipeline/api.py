"""The library API: extract one notice, or many in parallel. The CLI is a thin shell over it."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from dataclasses import dataclass
from pathlib import Path

from .facts import facts
from .keys import keyed_projects
from .layout import layout_document
from .load import InputError, load_pdf
from .narrative import build_narrative
from .notice import notice_row
from .records import Extraction
from .table_kinds import table_rows
from .tables import assemble_tables, cell_markers, table_cell_rows
from .values import indicator_values
from .write import verdict, write_extraction


class NotANoticeError(InputError):
    pass


@dataclass(frozen=True)
class Summary:
    notice_id: str
    source: str
    ok: bool
    pages: int = 0
    counts: dict | None = None
    problems: int = 0
    status: str = ""            # the verdict of report.json: "complete" | "needs_review"
    seconds: float = 0.0
    error_kind: str | None = None
    error: str | None = None

    def line(self) -> str:
        if not self.ok:
            return f"{self.source}: FAILED ({self.error_kind}) {self.error}"
        c = self.counts or {}
        return (f"{self.notice_id}: {self.pages} pages, {c.get('indicators', 0)} indicators, "
                f"{c.get('projects', 0)} projects, {c.get('paragraphs', 0)} paragraphs, "
                f"{c.get('footnotes', 0)} footnotes, {c.get('facts', 0)} facts, "
                f"{self.status}" + (f" ({_plural(self.problems, 'problem')} in report)" if self.problems else "")
                + f", {self.seconds:.2f}s")


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def extract(pdf: str | Path, backend: str | None = None) -> Extraction:
    """Run every stage on one PDF and return the rows of every output table."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str):
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    doc = load_pdf(pdf, backend=backend)
    lap("load")
    _check_text_layer(doc)
    layouts = layout_document(doc.pages)
    lap("layout")
    tables, used_lines, table_problems = assemble_tables(layouts)
    indicators, projects, kind_problems = table_rows(doc.notice_id, tables)
    lap("tables")
    narrative = build_narrative(doc.notice_id, layouts, used_lines, cell_markers(tables))
    lap("narrative")
    if not indicators and not projects and not any(p["kind"] == "heading" for p in narrative.paragraphs):
        raise NotANoticeError("not_a_notice", "no indicator or project table and no numbered report headings: "
                                              "not a development-plan notice")
    values, value_problems = indicator_values(indicators)
    fact_rows = facts(narrative.paragraphs, {v["indicator_key"] for v in values})
    lap("quantities")
    ex = Extraction(notice_id=doc.notice_id, timings=timings)
    notice = notice_row(doc, narrative.title, narrative.paragraphs)
    ex.tables = {
        "notices": [notice],
        "indicators": indicators, "indicator_values": values, "projects": keyed_projects(projects, notice["district"]),
        "paragraphs": narrative.paragraphs, "footnotes": narrative.footnotes, "facts": fact_rows,
        "table_cells": table_cell_rows(doc.notice_id, tables),
    }
    ex.problems = [*doc.problems, *table_problems, *kind_problems, *narrative.problems, *value_problems]
    return ex


def _check_text_layer(doc) -> None:
    if any(p.chars for p in doc.pages):
        return
    scanned = [p.number for p in doc.pages if p.images]
    if scanned:
        raise InputError("no_text", f"no text layer, the pages are images (needs OCR): pages {_ranges(scanned)}")
    raise NotANoticeError("not_a_notice", f"every page is blank ({len(doc.pages)} pages)")


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)


def extract_to(pdf: str | Path, out_dir: str | Path, backend: str | None = None) -> Summary:
    """Extract one PDF and write its outputs; never raises for a bad input, returns a Summary."""
    pdf = Path(pdf)
    start = time.perf_counter()
    try:
        ex = extract(pdf, backend=backend)
        t = time.perf_counter()
        write_extraction(ex, Path(out_dir))
        ex.timings["write"] = time.perf_counter() - t
        counts = {k: len(v) for k, v in ex.tables.items()}
        return Summary(ex.notice_id, str(pdf), True, pages=ex.tables["notices"][0]["page_count"], counts=counts,
                       problems=len(ex.problems), status=verdict(ex.problems)[0], seconds=time.perf_counter() - start)
    except InputError as e:
        return Summary(pdf.stem, str(pdf), False, error_kind=e.kind, error=str(e), seconds=time.perf_counter() - start)
    except Exception as e:  # a bug must not stop the batch; it is reported as a failure of this file
        return Summary(pdf.stem, str(pdf), False, error_kind="internal", error=f"{type(e).__name__}: {e}",
                       seconds=time.perf_counter() - start)


def extract_many(pdfs: list[Path], out_dir: str | Path, backend: str | None = None, jobs: int = 1,
                 timeout: float | None = 300.0):
    """Yield a Summary per PDF as each finishes. Each file runs in a child process of its own, so a
    pathological PDF is stopped at `timeout` seconds and a crash costs only that file."""
    warm_up()
    ctx = multiprocessing.get_context("fork")
    pending = list(pdfs)
    running: dict = {}          # connection → (process, pdf, started)
    while pending or running:
        while pending and len(running) < max(1, jobs):
            pdf = Path(pending.pop(0))
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(send, pdf, out_dir, backend), daemon=True)
            proc.start()
            send.close()
            running[recv] = (proc, pdf, time.monotonic())
        for conn in multiprocessing.connection.wait(list(running), timeout=0.2):
            proc, pdf, _ = running.pop(conn)
            try:
                summary = conn.recv()
            except EOFError:
                proc.join()
                summary = Summary(pdf.stem, str(pdf), False, error_kind="crashed",
                                  error=f"the worker process died (exit code {proc.exitcode})")
            proc.join()
            conn.close()
            yield summary
        now = time.monotonic()
        for conn, (proc, pdf, started) in list(running.items()):
            if timeout and now - started > timeout:
                proc.kill()
                proc.join()
                conn.close()
                del running[conn]
                yield Summary(pdf.stem, str(pdf), False, error_kind="timeout",
                              error=f"stopped after the time limit of {timeout:g} s", seconds=now - started)


def _child(conn, pdf: Path, out_dir, backend: str) -> None:
    conn.send(extract_to(pdf, out_dir, backend))
    conn.close()


def warm_up() -> None:
    """Load what every notice needs once (the jieba dictionary), before worker processes fork."""
    from .subjects import warm_up as load_dictionary
    load_dictionary()
