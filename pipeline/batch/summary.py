"""The one line the command line prints per file of a batch."""
from __future__ import annotations

from pipeline.model.records import Summary
from pipeline.vocab.text import quoted


def summary_line(s: Summary) -> str:
    if s.skipped:
        return f"{s.notice_id}: unchanged since the last run, {s.status}, skipped"
    if not s.ok:
        return f"{quoted(s.source)}: FAILED ({s.error_kind}) {s.error}"
    c = s.counts or {}
    return (f"{s.notice_id}: {s.pages} pages, {c.get('indicators', 0)} indicators, "
            f"{c.get('projects', 0)} projects, {c.get('paragraphs', 0)} paragraphs, "
            f"{c.get('footnotes', 0)} footnotes, {c.get('facts', 0)} facts, "
            f"{s.status}" + _in_report(s)
            + (f", {_plural(s.left_out, 'row')} left out by the schema check" if s.left_out else "")
            + (f", review page FAILED: {s.review_error}" if s.review_error else "")
            + f", {s.seconds:.2f}s")


def _in_report(s: Summary) -> str:
    listed = [_plural(s.problems, "doubt") if s.problems else "",
              _plural(s.source_issues, "source issue") if s.source_issues else ""]
    listed = [x for x in listed if x]
    return f" ({', '.join(listed)} in report)" if listed else ""


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
