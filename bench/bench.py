"""`make bench`: seconds per stage, pages per second, peak memory, and the pipeline against bare
pdfplumber parsing and the pypdfium2 char-reading floor (medians of several runs, warm process)."""
from __future__ import annotations

import ctypes
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def bare_pdfplumber(pdf: Path) -> None:
    import pdfplumber
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            page.chars, page.lines, page.rects  # noqa: B018 - parsing is the work measured


def pdfium_chars(pdf: Path) -> list:
    """The floor: every char's text and box read into Python with pypdfium2's own API."""
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(pdf))
    out = []
    for page in doc:
        tp = page.get_textpage()
        out.extend((tp.get_text_range(i, 1), tp.get_charbox(i)) for i in range(tp.count_chars()))
        tp.close()
        page.close()
    doc.close()
    return out


def pdfium_raw_calls(pdf: Path) -> None:
    """A lower bound below any real reader: two raw calls per char, nothing kept."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pr
    doc = pdfium.PdfDocument(str(pdf))
    left, r, b, t = (ctypes.c_double() for _ in range(4))
    for page in doc:
        tp = page.get_textpage()
        for i in range(tp.count_chars()):
            pr.FPDFText_GetUnicode(tp.raw, i)
            pr.FPDFText_GetCharBox(tp.raw, i, left, r, b, t)
        tp.close()
        page.close()
    doc.close()


def median_seconds(fn, *args) -> float:
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def executors():
    """--jobs 1, --jobs 2, then a LocalCluster of 2 workers, started (and its workers warmed up)
    before the clock starts, as a long-running cluster would be."""
    from pipeline import api
    from pipeline.batch.executors import DaskExecutor, LocalExecutor
    yield "--jobs 1", LocalExecutor(jobs=1)
    yield "--jobs 2", LocalExecutor(jobs=2)
    t = time.perf_counter()
    cluster = DaskExecutor("local:2", warm_up=api.warm_up)
    cluster.client.run(api.warm_up)
    print(f"LocalCluster of 2 workers started in {time.perf_counter() - t:.2f} s")
    yield "--cluster local:2", cluster


# Before issue 25 (rapidocr on onnxruntime, detection at the full 200 dpi, pages one after another):
# the figures, measured from a fresh clone, and this bench's own on the loaded machine.
OCR_BEFORE = {"cpu_per_page": "5.2 (issue 25); 7.8 measured here under load 10",
              "notice_wall": "199 s for the 36-page scan (issue 25)"}


def cpu_seconds(fn, *args) -> float:
    """CPU seconds of this process (all its threads) spent in fn(*args)."""
    t = time.process_time()
    fn(*args)
    return time.process_time() - t


def ocr_figures(pdf: Path, folder: Path) -> None:
    """CPU seconds per OCR'd page on one core (one inference thread, pages one after another, best of
    BENCH_OCR_RUNS runs: CPU time, not wall time, so that other work on the machine counts little),
    then the wall time of a whole scanned notice with --jobs 2 (its pages read two at a time), and
    the peak memory of an OCR worker; beside the figures before issue 25."""
    from pipeline import api
    sys.path.insert(0, str(ROOT / "tests"))
    from scans import Scan, scan_pages

    runs = int(os.environ.get("BENCH_OCR_RUNS", "3"))
    specs = {2: Scan(dpi=200, angle=0.7, blur=0.5, noise=5), 3: Scan(dpi=150, angle=-1.1, blur=0.4, noise=4),
             10: Scan(dpi=300, colour=True, angle=0.4, blur=0.6, noise=6)}
    scan = scan_pages(pdf, specs, folder / "scan.pdf")
    first = cpu_seconds(api.extract, scan)              # loads the OCR models once, as a worker would
    text = min(cpu_seconds(api.extract, pdf) for _ in range(runs))
    ocr = [cpu_seconds(api.extract, scan) for _ in range(runs)]
    per_page = [(t - text) / len(specs) for t in ocr]
    print(f"\nOCR, one core: {min(per_page):.2f} CPU-s a scanned page, best of {runs} (before: "
          f"{OCR_BEFORE['cpu_per_page']}; {len(specs)} scanned pages of {pdf.name}: {min(ocr):.1f} CPU-s against "
          f"{text:.2f} as text; {(first - text) / len(specs):.2f} a page in a fresh process, the models loaded "
          "and every shape new to the inference engine)")
    if os.environ.get("BENCH_OCR_NOTICE", "1") != "0":
        rng = np.random.default_rng(25)
        from pipeline.load.document import page_count
        n = page_count(pdf)
        whole = {k: Scan(dpi=int(rng.choice([150, 200, 300])), colour=bool(rng.integers(2)),
                         angle=round(float(rng.uniform(-1.5, 1.5)), 2), blur=0.5, noise=5) for k in range(1, n + 1)}
        (folder / "whole").mkdir(exist_ok=True)
        scanned = scan_pages(pdf, whole, folder / "whole" / pdf.name)
        t = time.perf_counter()
        [result] = list(api.extract_many([scanned], folder / "out-whole", jobs=2))
        dt = time.perf_counter() - t
        print(f"OCR, a whole scanned notice with --jobs 2: {dt:.1f} s wall for {n} pages ({n / dt:.2f} pages/s, "
              f"{'ok' if result.ok else result.error_kind}; before: {OCR_BEFORE['notice_wall']})")
        if os.environ.get("BENCH_OCR_LONG", "1") != "0":
            long_scan(scanned, folder)
    copies = []
    for i in range(4):
        copies.append(folder / f"scan-{i}.pdf")
        shutil.copy(scan, copies[-1])
    t = time.perf_counter()
    results = list(api.extract_many(copies, folder / "out-ocr", jobs=2, timeout=None))
    dt = time.perf_counter() - t
    print(f"OCR, --jobs 2: {60 * len(copies) * len(specs) / dt:.1f} scanned pages/min "
          f"({len(copies)} files, {sum(r.ok for r in results)} ok, {dt:.1f} s)")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"OCR: peak memory per worker process: {peak:.0f} MiB")


def long_scan(scanned: Path, folder: Path, pages: int = 120) -> None:
    """A scan of `pages` pages (the whole scanned notice's pages over and over) extracted with --jobs 2
    and the default time limit (--timeout and --page-time): its wall time, its status, and the limit
    it was given (issue 25: a 120-page scan succeeds with the defaults)."""
    from pipeline import api
    from pipeline.batch.executors import LocalExecutor

    from scans import repeated

    (folder / "long").mkdir(exist_ok=True)
    big = repeated(scanned, pages, folder / "long" / f"{scanned.stem}-{pages}.pdf")
    executor = LocalExecutor(jobs=2)                    # the defaults of `extract --jobs 2`
    limit = (executor.timeout or 0.0) + pages * executor.page_time
    t = time.perf_counter()
    with executor:
        [result] = list(api.extract_many([big], folder / "out-long", executor=executor))
    dt = time.perf_counter() - t
    print(f"OCR, a {pages}-page scan with --jobs 2 and the default time limit ({limit:.0f} s): {dt:.1f} s wall "
          f"({pages / dt:.2f} pages/s), {'ok' if result.ok else result.error_kind}")


def main() -> int:
    from pipeline import api
    from pipeline.load.render import render_pages
    from pipeline.output.review import review_html
    from pipeline.output.write import write_extraction

    api.warm_up()
    pdfs = sorted((ROOT / "raw").glob("*.pdf"))
    if "--ocr" in sys.argv:                 # only the OCR figures (`bench.py --ocr`)
        folder = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
        ocr_figures(pdfs[0], folder)
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"notice-extract benchmark: {RUNS} runs each, medians, warm process\n")
    for pdf in pdfs:
        stages: dict[str, list[float]] = {}
        pages = 0

        def pipeline_once():
            nonlocal pages
            ex = api.extract(pdf)
            pages = ex.tables["notices"][0].page_count
            t = time.perf_counter()
            write_extraction(ex, out)
            for k, v in {**ex.timings, "write": time.perf_counter() - t}.items():
                stages.setdefault(k, []).append(v)
            return ex

        ours = median_seconds(pipeline_once)
        ex = pipeline_once()
        render = median_seconds(render_pages, pdf)
        review = median_seconds(lambda: review_html(ex, render_pages(pdf), pdf.name))
        plumber = median_seconds(bare_pdfplumber, pdf)
        floor = median_seconds(pdfium_chars, pdf)
        raw_calls = median_seconds(pdfium_raw_calls, pdf)
        print(f"{pdf.name}: {pages} pages")
        for k, v in stages.items():
            print(f"  stage {k:<11} {statistics.median(v):7.3f} s")
        print(f"  pipeline            {ours:7.3f} s   {pages / ours:6.1f} pages/s")
        print(f"  bare pdfplumber     {plumber:7.3f} s   ratio pipeline/pdfplumber = {ours / plumber:.2f}")
        print(f"  pypdfium2 chars     {floor:7.3f} s   ratio pipeline/pypdfium2 = {ours / floor:.2f}")
        print(f"  raw pdfium calls    {raw_calls:7.3f} s   (two ctypes calls a char, nothing kept: {ours / raw_calls:.1f} x)")
        print(f"  review page         {review:7.3f} s   (of which drawing the pages with pdfium: {render:.3f} s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:.0f} MiB")
    batch = [pdfs[i % len(pdfs)] for i in range(16)]
    folder = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    copies = []
    for i, p in enumerate(batch):
        dst = folder / f"{p.stem}-copy{i}.pdf"
        shutil.copy(p, dst)
        copies.append(dst)
    rates = {}
    for label, executor in executors():
        with executor:
            # best of two runs: the first also pays for what a long-running engine has done once
            # (its workers' first fork, the scheduler's first tasks); a fresh output folder each
            # time, since the manifest would skip notices already done
            dt = math.inf
            for run in range(2):
                t = time.perf_counter()
                results = list(api.extract_many(copies, folder / f"out-{len(rates)}-{run}", executor=executor))
                dt = min(dt, time.perf_counter() - t)
        ok = sum(r.ok for r in results)
        rates[label] = 60 * len(copies) / dt
        print(f"batch of {len(copies)} notices, {label:<16} {dt:6.2f} s, {rates[label]:6.1f} notices/min ({ok} ok)")
    overhead = 1 - rates["--cluster local:2"] / rates["--jobs 2"]
    print(f"Dask overhead against --jobs 2: {100 * overhead:.1f} % (started cluster, workers warm)")
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory per worker process: {peak_child:.0f} MiB")
    ocr_figures(pdfs[0], folder)
    if "--profile" in sys.argv:
        from pyinstrument import Profiler
        prof = Profiler()
        prof.start()
        api.extract(pdfs[0])
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
