"""What a file's extraction tells the process that runs it, while it works: how many slow pages
(pages read by OCR) it has to read, then each one read. The executor running the file in a child
process gives it more time for each slow page announced (its time limit is a base plus a per-page
allowance) and moves the page progress bar as each is read. Outside an executor (a plain
`api.extract`) nothing listens (`QUIET`) and a report costs nothing.

The extraction may also use more than one core (`threads`): the executor says how many the file
may use, as many as it has free when the file starts (a single scanned notice with --jobs 2 reads
two pages at a time). A `Progress` is handed down explicitly: executor → work → api → load."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

SLOW_PAGES = "slow_pages"       # (SLOW_PAGES, n): n pages to read that each take seconds
PAGE_DONE = "page_done"         # (PAGE_DONE, n): n of them read


@dataclass(frozen=True)
class Progress:
    """Where a file's reports go (None: nowhere), and how many cores the file may use."""
    sink: Callable[[tuple[str, int]], None] | None = None
    threads: int = 1
    # pages are read on several threads, and a pipe is no place for two messages at once
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def report(self, kind: str, n: int = 1) -> None:
        if self.sink is not None and n:
            with self.lock:
                self.sink((kind, n))


QUIET = Progress()      # nobody listens; one core
