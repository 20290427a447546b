"""A scanned notice's pages read side by side (as many at a time as the file may use) give what a
serial read gives, in page order; the executor is told how many pages there are to read and each
one read, and the time limit grows with them. No timing: the limit's arithmetic is checked."""
import pytest

from pipeline.batch.executors import PAGE_TIME, FileTask, LocalExecutor, _Child, start_method
from pipeline.model.records import Summary
from pipeline.progress import PAGE_DONE, SLOW_PAGES, Progress
from pipeline.settings import DEFAULT

from pdfs import Doc
from scans import Scan, scan_pages

pytestmark = pytest.mark.once

LINES = [["宝山区发展和改革委员会", "全年新增企业12家，增长6.5%"], ["重大项目推进有力", "完成投资38.6亿元"],
         ["城市更新持续推进", "改造旧住房2.1万平方米"]]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """Three A4 pages of two lines each, every one scanned (skewed, blurred, noisy): seconds of OCR."""
    folder = tmp_path_factory.mktemp("parallel")
    d = Doc()
    for k, lines in enumerate(LINES):
        if k:
            d.new_page()
        for j, line in enumerate(lines):
            d.text(80, 120 + 40 * j, line, size=16)
    text = d.save(folder / "text.pdf")
    specs = {1: Scan(dpi=200, angle=0.6, blur=0.5, noise=4),
             2: Scan(dpi=150, colour=True, angle=-0.9, blur=0.4, noise=5),
             3: Scan(dpi=300, angle=0.3, blur=0.6, noise=3)}
    return scan_pages(text, specs, folder / "scan.pdf")


def _loaded(pdf, threads):
    from pipeline.load.document import load_pdf
    reports: list = []
    doc = load_pdf(pdf, DEFAULT, progress=Progress(reports.append, threads))
    return doc, reports


def test_pages_read_side_by_side_are_the_serial_read(scanned):
    serial, serial_reports = _loaded(scanned, 1)
    parallel, parallel_reports = _loaded(scanned, 2)
    assert [p.source for p in serial.pages] == ["ocr"] * 3
    assert "".join(c.text for c in serial.pages[1].chars) == "".join(LINES[1])
    assert parallel.pages == serial.pages and parallel.problems == serial.problems
    want = [(SLOW_PAGES, 3)] + [(PAGE_DONE, 1)] * 3
    assert serial_reports == parallel_reports == want


def reports_pages(task: FileTask, progress: Progress) -> Summary:
    """A child that announces 120 pages to OCR, reads two and reports how many cores it was given."""
    progress.report(SLOW_PAGES, 120)
    progress.report(PAGE_DONE, 1)
    progress.report(PAGE_DONE, 1)
    return Summary("x", task.pdf, True, counts={"threads": progress.threads})


def test_a_child_announcing_its_scanned_pages_gets_a_time_limit_that_grows_with_them(tmp_path):
    import multiprocessing
    seen = []
    task = FileTask(str(tmp_path / "x.pdf"), str(tmp_path))
    child = _Child(multiprocessing.get_context(start_method()), reports_pages, task,
                   on_progress=lambda pdf, n: seen.append(n))
    assert child.limit(300.0) == 300.0
    started = child.started
    summary = child.result()
    assert summary.ok and seen == [1, 1]
    assert child.limit(300.0) == 300.0 + 120 * PAGE_TIME
    assert not child.overdue(300.0, started + 300.0 + 119 * PAGE_TIME)
    assert child.overdue(300.0, started + 300.0 + 121 * PAGE_TIME)
    assert child.limit(None) is None                # no limit asked: none given


def test_a_120_page_scan_fits_the_default_time_limit():
    """With the defaults (--timeout 300, --page-time) a 120-page scan is given 17.5 s a page: more
    than ten times the 1.5 s of CPU a page costs on one core (`make bench`), for a loaded machine."""
    executor = LocalExecutor()
    limit = executor.timeout + 120 * executor.page_time
    assert executor.timeout == 300.0 and executor.page_time == PAGE_TIME
    assert limit / 120 >= 10 * 1.5


def test_the_last_file_of_a_batch_gets_the_cores_left_free(tmp_path):
    """One file with --jobs 2 may use both cores; two files get one each; progress reaches the caller."""
    tasks = [FileTask(str(tmp_path / f"{k}.pdf"), str(tmp_path)) for k in range(3)]
    seen = []
    alone = list(LocalExecutor(jobs=2, on_progress=lambda pdf, n: seen.append((pdf, n))).run(reports_pages, tasks[:1]))
    assert [s.counts["threads"] for s in alone] == [2]
    assert seen == [(tasks[0].pdf, 1), (tasks[0].pdf, 1)]
    both = list(LocalExecutor(jobs=2).run(reports_pages, tasks[1:]))
    assert sorted(s.counts["threads"] for s in both) == [1, 1]
