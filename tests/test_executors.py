"""Executors: a file whose worker process dies is tried again (at most --retries times), then
reported `crashed`; a file over the time limit is stopped and not tried again; the rest of the
batch goes on either way."""

import pytest

from pipeline import api
from pipeline.batch.executors import LocalExecutor

from conftest import ROOT
from tasks import GOOD, TIME_LIMIT, attempts, dies_always, dies_first_time, file_task, hangs_if_slow

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


@pytest.mark.once
def test_a_worker_that_keeps_dying_is_retried_then_reported_crashed(tmp_path):
    task = file_task(tmp_path, "crash")
    [s] = LocalExecutor(jobs=2, retries=2).run(dies_always, [task])
    assert (s.ok, s.error_kind, s.source) == (False, "crashed", task.pdf)
    assert "exit code -9" in s.error
    assert attempts(task) == 3


@pytest.mark.once
def test_a_worker_that_dies_once_is_retried_and_the_file_completes(tmp_path):
    task = file_task(tmp_path, "flaky")
    [s] = LocalExecutor(jobs=1, retries=1).run(dies_first_time, [task])
    assert s.ok and s.counts["indicators"] == 50
    assert attempts(task) == 2
    assert (tmp_path / "out" / "flaky" / "indicators.csv").exists()


@pytest.mark.once
def test_a_file_over_the_time_limit_is_not_retried_and_the_rest_completes(tmp_path):
    slow, good = file_task(tmp_path, "slow"), file_task(tmp_path, "good")
    api.warm_up()
    # the limit is what the test waits for the slow file; the good one takes ~1 s after warm_up
    executor = LocalExecutor(jobs=2, timeout=TIME_LIMIT, retries=2)
    summaries = {s.notice_id: s for s in executor.run(hangs_if_slow, [slow, good])}
    assert summaries["slow"].error_kind == "timeout" and attempts(slow) == 1
    assert summaries["good"].ok and summaries["good"].counts["projects"] == 38


@pytest.mark.once
def test_warm_up_loads_what_every_child_would_otherwise_import(tmp_path):
    """A child forked after warm_up imports no library of its own: a Dask worker never writes a
    table itself, so without this each of its children imported pandas (through pyarrow's first
    array) and the PDF library again, ~0.6 s a notice."""
    import subprocess
    import sys
    probe = (
        "import sys; from pipeline import api; from pipeline.output.write import write_extraction\n"
        "api.warm_up(); before = {m.split('.')[0] for m in sys.modules}\n"
        f"write_extraction(api.extract({str(GOOD)!r}, backend='pdfium'), {str(tmp_path)!r})\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} - before))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    imported = set(eval(out.stdout.strip().splitlines()[-1]))
    assert not imported & {"pandas", "pypdfium2", "pyarrow", "jieba", "numpy"}, imported
