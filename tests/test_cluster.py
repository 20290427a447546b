"""Extraction on a Dask cluster (one LocalCluster of 2 worker processes for the session): the same
outputs, lines, failures and exit code as local processes; a worker killed mid-file; a file over
the time limit; an interrupted run restarted; outputs in S3 (a local moto server)."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pyarrow.parquet as pq
import pytest
from test_bad_input import CASES

from pipeline import api
from pipeline.batch.executors import DaskExecutor, FileTask
from pipeline.cli import main

import tasks
from conftest import NOTICES, ROOT
from s3server import s3_server
from tasks import TIME_LIMIT, attempt, attempts, file_task, hangs_if_slow, reads_three_slow_pages

# one LocalCluster for the module: its tests stay on one pytest-xdist worker
pytestmark = [pytest.mark.once, pytest.mark.xdist_group("cluster")]
BAD = ("zero.pdf", "text.pdf", "truncated.pdf", "encrypted.pdf", "english-table.pdf")
# The work functions below run on the workers, which cannot import the test modules.
cloudpickle.register_pickle_by_value(sys.modules[__name__])
cloudpickle.register_pickle_by_value(tasks)


@pytest.fixture(scope="session")
def s3():
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def cluster(s3):
    """The session's LocalCluster (started after the S3 server, so its workers can reach it)."""
    with DaskExecutor("local:2", timeout=120) as executor:
        yield executor


@pytest.fixture
def address(cluster):
    return cluster.cluster.scheduler_address


def _copies(folder: Path, n: int) -> Path:
    """n copies of the shared notices under other names (notice ids)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        shutil.copy(ROOT / "raw" / f"{NOTICES[i % 2]}.pdf", folder / f"notice-{i + 1:02d}.pdf")
    return folder


@pytest.fixture(scope="session")
def batch(tmp_path_factory):
    folder = _copies(tmp_path_factory.mktemp("batch") / "in", 8)
    for name in BAD:
        CASES[name][0](folder / name)
    return folder


def _extract(capsys, inputs, out, *args) -> tuple[int, list[str]]:
    """The exit code and every line printed, without the seconds taken and with the output folder as OUT."""
    code = main(["extract", str(inputs), "--out", str(out), *args, "--quiet", "--timeout", "120"])
    printed = capsys.readouterr()
    return code, sorted(re.sub(r", [\d.]+s$", "", line).replace(str(out), "OUT")
                        for line in (printed.out + printed.err).splitlines())


def _files(folder: Path) -> dict[str, bytes]:
    """Every output file, report.json without its timings, manifest.parquet without its times."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        rel = str(p.relative_to(folder))
        if p.name == "report.json":
            report = json.loads(p.read_bytes())
            report.pop("timings_s")
            out[rel] = json.dumps(report).encode()
        elif p.name == "manifest.parquet":
            out[rel] = repr(pq.read_table(p).drop(["seconds", "finished_at"]).to_pylist()).encode()
        else:
            out[rel] = p.read_bytes()
    return out


def test_cluster_run_equals_a_local_run(batch, address, tmp_path, capsys):
    local = _extract(capsys, batch, tmp_path / "local", "--jobs", "2")
    clustered = _extract(capsys, batch, tmp_path / "cluster", "--cluster", address)
    assert clustered == local
    code, lines = local
    assert code == 1 and len(lines) == 8 + len(BAD) + 1            # the last line names failures.json
    failures = json.loads((tmp_path / "cluster" / "failures.json").read_text(encoding="utf-8"))
    assert [(Path(f["file"]).name, f["kind"]) for f in failures] == sorted((n, CASES[n][1]) for n in BAD)
    a, b = _files(tmp_path / "local"), _files(tmp_path / "cluster")
    assert sorted({Path(k).parts[0] for k in b}) == sorted(
        [f"notice-{i:02d}" for i in range(1, 9)] + ["failures.json", "manifest.parquet"])
    assert a == b


def kills_its_worker_the_first_time(task: FileTask, progress):
    """Run in the child a Dask worker started for the file: the first time, kill that worker."""
    if attempt(task) == 1:
        os.kill(os.getppid(), signal.SIGKILL)
        os._exit(1)
    return api.extract_task(task, progress)


def test_a_worker_killed_mid_file_is_retried_and_the_file_completes(address, tmp_path):
    task = file_task(tmp_path, "killer")
    with DaskExecutor(address, timeout=120, retries=2) as executor:
        [s] = executor.run(kills_its_worker_the_first_time, [task])
    assert s.ok and s.counts["indicators"] == 50
    assert attempts(task) == 2
    assert (tmp_path / "out" / "killer" / "indicators.csv").exists()


def test_a_hanging_file_times_out_on_the_cluster_and_the_rest_completes(address, tmp_path):
    slow, good = file_task(tmp_path, "slow"), file_task(tmp_path, "good")
    with DaskExecutor(address, timeout=TIME_LIMIT, retries=2, warm_up=api.warm_up) as executor:
        summaries = {s.notice_id: s for s in executor.run(hangs_if_slow, [slow, good])}
    assert summaries["slow"].error_kind == "timeout" and attempts(slow) == 1
    assert summaries["good"].ok and summaries["good"].counts["projects"] == 38


def test_pages_read_on_a_worker_move_the_clients_page_bar(address, tmp_path):
    """A worker's OCR'd pages reach the client as they are read (a Dask event), not only when the
    file is done: `on_progress` hears each, for its own file."""
    task = file_task(tmp_path, "scan")
    heard: list[tuple[str, int]] = []
    with DaskExecutor(address, timeout=120, on_progress=lambda pdf, n: heard.append((pdf, n))) as executor:
        [s] = executor.run(reads_three_slow_pages, [task])
        deadline = time.monotonic() + 30        # the events travel apart from the result: wait for them
        while len(heard) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert s.ok
    assert heard == [(task.pdf, 1)] * 3


def _manifest(out: Path) -> dict[str, dict]:
    path = out / "manifest.parquet"
    return {r["notice_id"]: r for r in pq.read_table(path).to_pylist()} if path.exists() else {}


def test_an_interrupted_run_restarted_does_only_what_was_left(address, tmp_path, capsys):
    folder, out = _copies(tmp_path / "in", 8), tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(folder), "--out", str(out),
                            "--quiet", "--jobs", "1"], start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while len(_manifest(out)) < 3 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    before = _manifest(out)
    assert 3 <= len(before) < 8, "the run was to be interrupted part-way"
    code, lines = _extract(capsys, folder, out, "--cluster", address)
    after = _manifest(out)
    left = sorted(set(after) - set(before))
    assert code == 0 and sorted(after) == [f"notice-{i:02d}" for i in range(1, 9)]
    assert [line.split(":")[0] for line in lines if "skipped" not in line] == left
    assert f"{len(before)} of 8 file(s) unchanged since the last run, skipped (--force redoes them)" in lines
    assert all(after[n]["finished_at"] == before[n]["finished_at"] for n in before)
    assert all(after[n]["status"] == "complete" for n in after)


def test_s3_output_equals_local_output(address, s3, tmp_path, capsys):
    import s3fs
    fs = s3fs.S3FileSystem()
    fs.mkdir("notices")
    folder = _copies(tmp_path / "in", 2)
    CASES["zero.pdf"][0](folder / "zero.pdf")
    local = _extract(capsys, folder, tmp_path / "local", "--jobs", "2")
    remote = _extract(capsys, folder, "s3://notices/run", "--cluster", address)
    assert remote == local and local[0] == 1
    fs.get("notices/run", str(tmp_path / "downloaded"), recursive=True)
    assert _files(tmp_path / "downloaded") == _files(tmp_path / "local")
    again = _extract(capsys, folder, "s3://notices/run", "--jobs", "2")
    assert "2 of 3 file(s) unchanged since the last run, skipped (--force redoes them)" in again[1]
