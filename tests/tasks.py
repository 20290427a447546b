"""Work functions and tasks for the executor tests (local processes and the Dask cluster): each
counts its attempts in a file beside its PDF, as the processes that run them share no memory."""
import os
import shutil
import signal
import time
from pathlib import Path

from pipeline import api
from pipeline.batch.executors import FileTask
from pipeline.progress import PAGE_DONE, SLOW_PAGES, Progress

from conftest import ROOT

GOOD = ROOT / "raw" / "baoshan-2022.pdf"
TIME_LIMIT = 10      # seconds: ten times what the good notice takes after warm_up, all the test waits


def attempt(task: FileTask) -> int:
    """Counts the attempts at a task in a file beside its PDF (children share no memory)."""
    log = Path(task.pdf + ".attempts")
    with log.open("a") as f:
        f.write("x")
    return len(log.read_text())


def dies_always(task: FileTask, progress: Progress):
    attempt(task)
    os.kill(os.getpid(), signal.SIGKILL)


def dies_first_time(task: FileTask, progress: Progress):
    if attempt(task) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return api.extract_task(task, progress)


def hangs_if_slow(task: FileTask, progress: Progress):
    if Path(task.pdf).stem == "slow":
        attempt(task)
        time.sleep(600)
    return api.extract_task(task, progress)


def file_task(tmp_path, name: str) -> FileTask:
    pdf = tmp_path / f"{name}.pdf"
    shutil.copy(GOOD, pdf)
    return FileTask(str(pdf), str(tmp_path / "out"))


def attempts(task: FileTask) -> int:
    return len(Path(task.pdf + ".attempts").read_text())


def reads_three_slow_pages(task: FileTask, progress: Progress):
    """Reports three pages read by OCR, one at a time, as a scanned notice does, then extracts."""
    progress.report(SLOW_PAGES, 3)
    for _ in range(3):
        progress.report(PAGE_DONE, 1)
    return api.extract_task(task, progress)
