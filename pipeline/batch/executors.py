"""Where each file of a batch runs. Whatever the engine, one file is extracted in a child process of
its own, so a pathological PDF is stopped at the time limit and a crash costs only that file:

- `LocalExecutor` (`--jobs N`): N such children at a time on this machine;
- `DaskExecutor` (`--cluster tcp://host:8786` or `--cluster local:N`): each file a Dask task, and the
  task runs the same child on the worker that takes it.

An executor knows nothing of the pipeline: it runs `work(task, progress) -> Summary` (a module-level function,
so that it can be sent to a child or a worker) and yields a Summary per task as each finishes. A file
that takes longer than its time limit is reported `timeout` and not tried again; a file whose process
died (the child, or the Dask worker running it) is tried again, at most `retries` times, then reported
`crashed`.

The time limit of a file is `timeout` plus `page_time` for each slow page (a page read by OCR) the
child announces once it knows them (progress.py): a scanned notice of 120 pages needs minutes where a
text notice needs a second. Each slow page read is passed to `on_progress(pdf, n)` (the page bar; from
a Dask worker as an event the client listens to), and a child may use as many cores as are free when
it starts (`Progress.threads`)."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from pipeline.model.records import Summary
from pipeline.progress import PAGE_DONE, SLOW_PAGES, Progress
from pipeline.settings import DEFAULT, Settings


@dataclass(frozen=True)
class FileTask:
    """One file to extract: the PDF, the output folder (a path or an fsspec URL), the backend, and
    the pipeline version the batch runs (a worker with another version refuses the task)."""
    pdf: str
    out_dir: str
    backend: str | None = None
    version: str | None = None
    max_memory: int | None = None      # bytes of address space the child may use (None: no limit)
    review: bool = False        # also write the notice's review.html
    settings: Settings = DEFAULT    # the thresholds of every stage (sent with the task to the worker)
    threads: int = 1            # cores the file may use (its scanned pages read side by side)


# Seconds a file is given on top of --timeout for each page it reads by OCR: about 1.5 s of CPU a
# page on one core, with room for a machine shared with other work (a 120-page scan: 300 + 1800 s).
PAGE_TIME = 15.0


Work = Callable[[FileTask, Progress], Summary]     # a file's task, where it reports its pages → its Summary


def start_method() -> str:
    """`fork` where the platform has it safely (children share the warmed-up parent's memory and
    start in milliseconds), `spawn` elsewhere; NOTICE_EXTRACT_START_METHOD overrides (the tests run
    a batch with `spawn`). macOS has fork, but its system libraries are not safe across it."""
    chosen = os.environ.get("NOTICE_EXTRACT_START_METHOD")
    if chosen:
        return chosen
    return "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else "spawn"


def failed(task: FileTask, kind: str, reason: str, seconds: float = 0.0) -> Summary:
    pdf = Path(task.pdf)
    return Summary(pdf.stem, task.pdf, False, error_kind=kind, error=reason, seconds=seconds)


class _Child:
    """One task in a child process: its progress reports and then its result come back over a pipe;
    EOF means the child died."""

    def __init__(self, ctx, work: Work, task: FileTask, threads: int = 1, page_time: float = PAGE_TIME,
                 on_progress: Callable[[str, int], None] | None = None):
        self.task = task
        self.page_time, self.on_progress = page_time, on_progress
        self.allowance = 0.0                        # seconds on top of the time limit, for its slow pages
        self.conn, send = ctx.Pipe(duplex=False)
        self.peak = _shared_peak(ctx)      # the child's largest address space seen, bytes (or None)
        given = replace(task, threads=max(1, threads))
        self.proc = ctx.Process(target=_child_main, args=(send, work, given, self.peak), daemon=True)
        self.proc.start()
        send.close()
        self.started = time.monotonic()

    def receive(self) -> Summary | None:
        """Once the pipe is readable: None for a progress report (taken into account), else the
        child's Summary, or `crashed` when it died without one."""
        try:
            message = self.conn.recv()
        except EOFError:
            self.proc.join()
            message = self._died()
        if isinstance(message, tuple):
            kind, n = message
            if kind == SLOW_PAGES:
                self.allowance += n * self.page_time
            elif kind == PAGE_DONE and self.on_progress:
                self.on_progress(self.task.pdf, n)
            return None
        self.proc.join()
        self.conn.close()
        return message

    def result(self) -> Summary:
        """The child's Summary, its progress reports taken into account on the way."""
        while True:
            summary = self.receive()
            if summary is not None:
                return summary

    def _died(self) -> Summary:
        """The child died without a Summary. Killed by a signal after its address space had reached
        the memory limit, it ran out of memory: pdfium aborts the process (SIGABRT) when an
        allocation fails, where Python would raise MemoryError. Any other death is a crash."""
        code, limit, peak = self.proc.exitcode, self.task.max_memory, self.peak.value if self.peak else 0
        seconds = time.monotonic() - self.started
        if code is not None and code < 0 and limit and peak >= NEAR_LIMIT * limit:
            return failed(self.task, "too_large", f"the worker was killed by {_signal_name(-code)} after reaching "
                          f"{peak >> 20} MiB of its {limit >> 20} MiB memory limit (--max-memory): an allocation "
                          "failed", seconds)
        return failed(self.task, "crashed", f"the worker process died (exit code {code})", seconds)

    def limit(self, timeout: float | None) -> float | None:
        """The child's time limit: `timeout` and the allowance for the slow pages it announced."""
        return timeout + self.allowance if timeout else None

    def overdue(self, timeout: float | None, now: float) -> bool:
        limit = self.limit(timeout)
        return limit is not None and now - self.started > limit

    def stop(self, timeout: float) -> Summary:
        self.proc.kill()
        self.proc.join()
        self.conn.close()
        limit = self.limit(timeout)
        pages = f" ({timeout:g} s and {self.allowance:g} s for its slow pages)" if self.allowance else ""
        return failed(self.task, "timeout", f"stopped after the time limit of {limit:g} s{pages}",
                      time.monotonic() - self.started)


def _shared_peak(ctx):
    """A number the child writes and the parent reads: multiprocessing's shared Value, which lives in
    a file under /dev/shm; where that cannot be created (a read-only or full /dev/shm, a container
    without one), an anonymous shared mapping, which a forked child shares with no file at all;
    with neither (spawn), None: the peak is not watched, and a death stays `crashed`."""
    try:
        return ctx.Value("q", 0, lock=False)
    except OSError:
        return _ForkShared() if ctx.get_start_method() == "fork" else None


class _ForkShared:
    """A signed 64-bit integer in an anonymous MAP_SHARED mapping (shared across fork only)."""

    def __init__(self):
        import mmap
        self._map = mmap.mmap(-1, 8)

    @property
    def value(self) -> int:
        return int.from_bytes(self._map[:8], "little", signed=True)

    @value.setter
    def value(self, v: int) -> None:
        self._map[:8] = int(v).to_bytes(8, "little", signed=True)


# A child killed by a signal whose address space had reached this share of its limit ran out of
# memory (a worker maps ~1.6 GiB at rest, 80 % of the smallest default limit; the watch sees the
# growth up to the failed allocation within a few MiB).
NEAR_LIMIT = 0.95
PEAK_EVERY = 0.02       # seconds between two looks at the child's address space


def _child_main(conn, work: Work, task: FileTask, peak=None) -> None:
    if task.max_memory and peak is not None:
        _watch_peak(peak)       # before the limit: the thread's stack is mapped while it may be
    limit_worker(task.max_memory)
    summary = work(task, Progress(conn.send, task.threads))
    conn.send(summary)
    conn.close()


def _watch_peak(peak) -> None:
    """A thread of the child keeps `peak` (shared with the parent) at the process's peak address
    space (VmPeak): after the child dies the parent can tell a failed allocation from a crash. The
    PDF libraries release the GIL while they work, so the thread keeps looking while they grow."""
    import threading
    status = Path("/proc/self/status")
    if not status.exists():         # not Linux: a death stays `crashed`
        return

    def watch():
        while True:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmPeak:"):
                        peak.value = int(line.split()[1]) << 10
            except MemoryError:     # at the limit: the last value stands
                pass
            time.sleep(PEAK_EVERY)

    threading.Thread(target=watch, name="peak-watch", daemon=True).start()


def _signal_name(number: int) -> str:
    import signal
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def limit_worker(max_memory: int | None) -> None:
    """In a child: die with the parent (a kill -9 of the run must not leave workers running without
    their time limit), and allocate at most `max_memory` bytes of address space — past it an
    allocation fails in the child (`too_large`) instead of the kernel's OOM killer picking a victim."""
    if sys.platform.startswith("linux"):
        import ctypes
        import os
        import signal
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:       # the parent died before the line above: follow it now
            os._exit(1)
    if max_memory:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))


def default_max_memory(jobs: int = 1) -> int:
    """The machine's memory (its cgroup limit when lower) shared by `jobs` workers, at least 2 GiB
    (a worker maps ~1.6 GiB of address space for ~0.3 GiB resident) and at most 8 GiB."""
    import os
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if text.isdigit():
            total = min(total, int(text))
    except OSError:
        pass
    return max(2 << 30, min(8 << 30, total // max(1, jobs)))


def run_isolated(work: Work, task: FileTask, timeout: float | None, method: str | None = None, threads: int = 1,
                 page_time: float = PAGE_TIME, on_progress: Callable[[str, int], None] | None = None) -> Summary:
    """Run one task in a child process and wait for it: its Summary, `timeout` or `crashed`."""
    child = _Child(multiprocessing.get_context(method or start_method()), work, task, threads, page_time, on_progress)
    while True:
        limit = child.limit(timeout)
        left = None if limit is None else limit - (time.monotonic() - child.started)
        if timeout and left is not None and left <= 0:     # (a limit is set only with a timeout)
            return child.stop(timeout)
        if child.conn.poll(left):
            summary = child.receive()
            if summary is not None:
                return summary


def _retry(summary: Summary, attempts: int, retries: int) -> bool:
    return summary.error_kind == "crashed" and attempts <= retries


class LocalExecutor:
    """`jobs` child processes at a time on this machine."""

    def __init__(self, jobs: int = 1, timeout: float | None = 300.0, retries: int = 2, method: str | None = None,
                 page_time: float = PAGE_TIME, on_progress: Callable[[str, int], None] | None = None):
        self.jobs, self.timeout, self.retries = max(1, jobs), timeout, retries
        self.method = method or start_method()
        self.page_time, self.on_progress = page_time, on_progress

    def run(self, work: Work, tasks: Iterable[FileTask]) -> Iterator[Summary]:
        ctx = multiprocessing.get_context(self.method)
        pending = deque(tasks)
        attempts: Counter = Counter()
        running: dict = {}          # connection → _Child
        while pending or running:
            while pending and len(running) < self.jobs:
                task = pending.popleft()
                attempts[task] += 1
                # the last files of a batch share the cores left free (one scanned notice, --jobs 2:
                # two of its pages read at a time); before that each file has one
                free = 1 if pending else self.jobs - len(running)
                child = _Child(ctx, work, task, free, self.page_time, self.on_progress)
                running[child.conn] = child
            for conn in multiprocessing.connection.wait(list(running), timeout=0.2):
                summary = running[conn].receive()
                if summary is None:             # a progress report
                    continue
                child = running.pop(conn)
                if _retry(summary, attempts[child.task], self.retries):
                    pending.appendleft(child.task)
                else:
                    yield summary
            now = time.monotonic()
            for conn, child in list(running.items()):
                if child.overdue(self.timeout, now):
                    del running[conn]
                    yield child.stop(self.timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


def _on_worker(work: Work, task: FileTask, timeout: float | None, warm_up: Callable[[], None] | None,
               page_time: float = PAGE_TIME, page_topic: str | None = None) -> Summary:
    """A Dask task: the same child process as a local run, started on the worker that took the task.
    Dask starts its workers as daemonic processes, which multiprocessing forbids to have children;
    this worker waits for every child it starts, so it may. The child may use the worker's threads
    that no other task holds. Each page it reads by OCR is logged as an event under `page_topic`,
    which the client that submitted the task listens to (its page bar)."""
    multiprocessing.current_process().daemon = False
    if warm_up:
        warm_up()
    on_progress = partial(_log_pages, page_topic) if page_topic else None
    return run_isolated(work, task, timeout, threads=_free_threads(), page_time=page_time, on_progress=on_progress)


def _log_pages(topic: str, pdf: str, n: int) -> None:
    from distributed import get_worker
    get_worker().log_event(topic, {"pdf": pdf, "pages": n})    # (safe from a task's thread: Dask queues it)


def _free_threads() -> int:
    """The threads of this Dask worker that run no task but this one."""
    try:
        from distributed import get_worker
        state = get_worker().state
        return max(1, state.nthreads - len(state.executing) + 1)
    except Exception:       # not on a worker, or a Dask without these attributes
        return 1


class DaskExecutor:
    """Each file a Dask task on the cluster at `address` (`tcp://host:8786`), or on a LocalCluster
    of N single-threaded worker processes started here (`local:N`)."""

    def __init__(self, address: str, timeout: float | None = 300.0, retries: int = 2,
                 warm_up: Callable[[], None] | None = None, page_time: float = PAGE_TIME,
                 on_progress: Callable[[str, int], None] | None = None):
        import dask
        from distributed import Client, LocalCluster
        self.timeout, self.retries, self.warm_up, self.page_time = timeout, retries, warm_up, page_time
        self.cluster = None
        if address.startswith("local:"):
            # The scheduler runs in this process: a worker's death fails its task at once, so that
            # `retries` alone counts the attempts; one task at a time per single-threaded worker.
            with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                                  "distributed.scheduler.worker-saturation": 1.0}):
                self.cluster = LocalCluster(n_workers=int(address.split(":", 1)[1]), threads_per_worker=1,
                                            processes=True, dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            self.client = Client(address)
        # the workers log each page they read by OCR under a topic of this executor's own (a cluster
        # may serve other clients); `on_progress` is called from the client's event thread
        self.page_topic = f"notice-extract-pages-{uuid.uuid4().hex}" if on_progress else None
        if on_progress:
            self.client.subscribe_topic(self.page_topic, lambda event: on_progress(event[1]["pdf"], event[1]["pages"]))

    def run(self, work: Work, tasks: Iterable[FileTask]) -> Iterator[Summary]:
        from distributed import KilledWorker, as_completed
        attempts: Counter = Counter()
        of_future: dict = {}

        def submit(task: FileTask):
            attempts[task] += 1
            future = self.client.submit(_on_worker, work, task, self.timeout, self.warm_up, self.page_time,
                                        self.page_topic, pure=False)
            of_future[future] = task
            return future

        done = as_completed([submit(t) for t in tasks])
        for future in done:
            task = of_future.pop(future)
            try:
                summary = future.result()
            except KilledWorker as e:
                summary = failed(task, "crashed", f"the Dask worker running it died ({e})")
            except Exception as e:  # the task itself failed on the worker (a bug, a worker without the package)
                summary = failed(task, "internal", f"{type(e).__name__}: {e}")
            future.release()
            if _retry(summary, attempts[task], self.retries):
                done.add(submit(task))
            else:
                yield summary

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor_for(cluster: str | None, jobs: int = 1, timeout: float | None = 300.0, retries: int = 2,
                 warm_up: Callable[[], None] | None = None, page_time: float = PAGE_TIME,
                 on_progress: Callable[[str, int], None] | None = None):
    """The executor the command line asks for: Dask when `cluster` is given, else local processes."""
    if cluster:
        return DaskExecutor(cluster, timeout=timeout, retries=retries, warm_up=warm_up, page_time=page_time,
                            on_progress=on_progress)
    return LocalExecutor(jobs=jobs, timeout=timeout, retries=retries, page_time=page_time, on_progress=on_progress)
