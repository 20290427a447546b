"""What a file's extraction tells the process that runs it, while it works: how many slow pages
(pages read by OCR) it has to read, then each one read. The executor running the file in a child
process gives it more time for each slow page announced (its time limit is a base plus a per-page
allowance) and moves the page progress bar as each is read. Outside an executor (a plain
`api.extract`) nothing listens and a report costs nothing.

The extraction may also use more than one core (`threads()`): the executor says how many the file
may use, as many as it has free when the file starts (a single scanned notice with --jobs 2 reads
two pages at a time)."""
from __future__ import annotations

import threading
from collections.abc import Callable

SLOW_PAGES = "slow_pages"       # (SLOW_PAGES, n): n pages to read that each take seconds
PAGE_DONE = "page_done"         # (PAGE_DONE, n): n of them read

_sink: Callable[[tuple[str, int]], None] | None = None
_threads = 1
_lock = threading.Lock()


def install(sink: Callable[[tuple[str, int]], None] | None, threads: int = 1) -> None:
    """In the child process of one file: where reports go, and how many cores the file may use."""
    global _sink, _threads
    _sink, _threads = sink, max(1, int(threads))


def threads() -> int:
    """How many cores this file may use (1 outside an executor)."""
    return _threads


def report(kind: str, n: int = 1) -> None:
    if _sink is not None and n:
        with _lock:
            _sink((kind, n))
