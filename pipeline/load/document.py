"""Load a PDF into pages of chars and ruling lines: the load stage's entry point.

The load package is the only place that imports a PDF library. `load_pdf` reads the file (refusing
what is not a PDF, truncated, or a decompression bomb under the worker's memory limit), hands it to
one backend (`pdfium_backend`, default and fast, or `pdfplumber_backend`, pdfminer.six underneath),
both giving the same records, screens the text layer (`textcheck`), and sends every page whose text
must be read from its image to the OCR backend (`pipeline.ocr`), which gives the same records.
"""
from __future__ import annotations

import errno
import hashlib
import math
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

from pipeline.load.backend import InputError, repaired
from pipeline.load.inflation import check_streams
from pipeline.load.pdfium_backend import read_pdfium
from pipeline.load.pdfplumber_backend import read_pdfplumber
from pipeline.load.textcheck import screen_text
from pipeline.model.problems import Code
from pipeline.model.records import Document, Page, Problem
from pipeline.progress import PAGE_DONE, QUIET, SLOW_PAGES, Progress
from pipeline.settings import LoadSettings, Settings

BACKENDS = ("pdfium", "pdfplumber")
def load_pdf(path: str | Path, settings: Settings, backend: str | None = None, progress: Progress = QUIET) -> Document:
    """`backend` None means $NOTICE_EXTRACT_BACKEND, else pdfium. The text layer is screened
    (`textcheck`), then every page whose text must be read from its image — a scan, text drawn as
    outlines, a text layer that does not decode — is read by OCR, unless $NOTICE_EXTRACT_OCR is
    `off` (then such pages are only named, as are the pages OCR finds nothing on)."""
    backend = backend or os.environ.get("NOTICE_EXTRACT_BACKEND") or "pdfium"
    path = Path(path)
    raw = read_checked(path)
    if backend == "pdfium":
        metadata, pages, problems = read_pdfium(raw, settings.load)
    elif backend == "pdfplumber":
        metadata, pages, problems = read_pdfplumber(raw, settings.load)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    doc, unreadable = screen_text(Document(notice_id=path.stem, source_file=path.name,
                                           sha256=hashlib.sha256(raw).hexdigest(), metadata=metadata,
                                           pages=tuple(pages), problems=tuple(problems)), settings.load)
    pages, ocr_problems = _read_scans(raw, list(doc.pages), unreadable, settings, progress) if ocr_on() \
        else (list(doc.pages), [])
    empty = _empty_pages(pages, unreadable, settings.load)
    return replace(doc, pages=tuple(pages), problems=(*doc.problems, *ocr_problems, *empty))


def ocr_on() -> bool:
    """$NOTICE_EXTRACT_OCR `off` (or 0, no): pages without usable text are named, not read (fast triage)."""
    return os.environ.get("NOTICE_EXTRACT_OCR", "on").strip().lower() not in ("off", "0", "no", "false")


OUTLINED = "no usable text layer (text drawn as outlines?): needs OCR"
UNREADABLE = "unreadable text layer: needs OCR"


def _empty_pages(pages: list[Page], unreadable: dict[int, str], s: LoadSettings) -> list[Problem]:
    """The pages left without text that OCR did not read (or OCR is off): a text layer that does not
    decode, text drawn as outlines, a scan; blank pages between pages with text may be damaged ones."""
    out = []
    for p in pages:
        if p.chars:
            continue
        if p.number in unreadable:
            out.append(Problem("load", UNREADABLE, page=p.number, text=unreadable[p.number], code=Code.UNREADABLE_PAGE))
        elif drawn_as_outlines(p, s):
            out.append(Problem("load", OUTLINED, page=p.number, text=f"{p.outlines} curved paths, no text",
                               code=Code.UNREADABLE_PAGE))
        elif not p.rules:
            out.append(Problem("load", "image-only page: OCR found no text on it" if p.images else
                               "page has no text or rules (blank or damaged)", page=p.number,
                               code=Code.UNREADABLE_PAGE))
    return out


def check_text(doc: Document) -> None:
    """When no page of `doc` has text, raise InputError saying why and naming the pages: its text
    layer does not decode (`unreadable_text`), its text is drawn as outlines or it is scanned and OCR
    read nothing (`no_text`), or every page is blank (`not_a_notice`)."""
    if any(p.chars for p in doc.pages):
        return
    after = "and OCR found no text on them" if ocr_on() else "needs OCR (OCR is off: NOTICE_EXTRACT_OCR)"
    pages_of = {reason: [p.page for p in doc.problems if p.reason == reason and p.page is not None]
                for reason in (UNREADABLE, OUTLINED)}
    if pages_of[UNREADABLE]:
        raise InputError("unreadable_text", "the text layer does not decode to text (a font without a ToUnicode "
                                            f"map?), {after}: pages {_ranges(pages_of[UNREADABLE])}")
    if pages_of[OUTLINED]:
        raise InputError("no_text", f"no usable text layer (text drawn as outlines?), {after}: "
                                    f"pages {_ranges(pages_of[OUTLINED])}")
    scanned = [p.number for p in doc.pages if p.images]
    if scanned:
        raise InputError("no_text", f"no text layer, only page images, {after}: pages {_ranges(scanned)}")
    raise InputError("not_a_notice", f"every page is blank ({len(doc.pages)} pages)")


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return ",".join(out)


def drawn_as_outlines(page: Page, s: LoadSettings) -> bool:
    return page.source == "text" and not page.chars and page.outlines >= s.outline_paths


def needs_ocr(page: Page, s: LoadSettings) -> bool:
    """A page whose text must be read from its image: no text layer, but an image (a scan) or glyph
    outlines drawn on it."""
    return page.source == "text" and not page.chars and (page.images > 0 or drawn_as_outlines(page, s))


def _read_scans(raw: bytes, pages: list[Page], unreadable: dict[int, str],
                settings: Settings, progress: Progress) -> tuple[list[Page], list[Problem]]:
    """Every page that needs OCR (and every page whose text layer is `unreadable`), rendered by pdfium
    at its scan's resolution and read by `ocr`; the other pages are left as their backend read them
    (a text PDF with one scanned page pays for one). A page OCR finds nothing on stays as it was.

    Pages are read side by side on as many cores as the file may use (`progress.threads`: --jobs
    left free, a Dask worker's threads), each page by a recogniser of its own: the result is the
    serial one. pdfium is not thread-safe, so pages are rendered one at a time here, a few ahead of
    the readers. The executor is told how many pages there are to read (each adds to the file's
    time limit) and each one read (the page progress bar)."""
    todo = sorted({p.number for p in pages if needs_ocr(p, settings.load)} | set(unreadable))
    if not todo:
        return pages, []
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    import pypdfium2 as pdfium

    from pipeline.ocr import page as ocr
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError:
        pdf = pdfium.PdfDocument(repaired(raw))
    progress.report(SLOW_PAGES, len(todo))
    pages, problems = list(pages), []
    found: dict[int, list[Problem]] = {}
    threads = min(progress.threads, len(todo))

    def done(number: int, future) -> None:
        try:
            read, found[number] = future.result()
            if read.chars or read.rules:
                pages[number - 1] = read
        except Exception as e:  # one unreadable scan never loses the rest
            found[number] = [Problem("load", f"scanned page could not be read by OCR: {e}", page=number,
                                     code=Code.OCR_FAILED)]
        progress.report(PAGE_DONE, 1)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr") as pool:
        running: dict = {}
        for number in todo:
            if len(running) >= 2 * threads:         # a few rendered pages ahead, not the whole scan in memory
                for future in wait(running, return_when=FIRST_COMPLETED).done:
                    done(running.pop(future), future)
            try:
                image, dpi = _rendered(pdf, number, pdfium)
            except InputError:
                pdf.close()
                raise
            except Exception as e:
                found[number] = [Problem("load", f"scanned page could not be read by OCR: {e}", page=number,
                                         code=Code.OCR_FAILED)]
                continue
            running[pool.submit(ocr.read_page, image, number, dpi, settings.ocr)] = number
        for future in wait(running).done:
            done(running.pop(future), future)
    pdf.close()
    for number in todo:                             # in page order, whatever order the pages were read in
        problems.extend(found.get(number, []))
    return pages, problems


def memory_budget() -> int:
    """Bytes one buffer may take: a quarter of the worker's address-space limit (--max-memory), or of
    the machine's memory when the process has no limit (the library called directly)."""
    import resource
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return limit // 4


def check_drawing(number: int, width: float, height: float, scale: float, purpose: str) -> None:
    """A page drawn at `scale` pixels a point takes 4 bytes a pixel (pdfium's bitmaps): past the memory
    budget it is `too_large` before pdfium is asked (it fails the allocation and the page would be read
    as blank, or aborts the process)."""
    need = math.ceil(width * scale) * math.ceil(height * scale) * 4
    if need > memory_budget():
        raise InputError("too_large", f"page {number} is {width:.0f} × {height:.0f} pt: drawn at {scale * 72:.0f} dpi "
                                      f"to {purpose} it would take {need / 2**30:.1f} GiB, more than a quarter of "
                                      "the worker's memory limit (--max-memory)")
def _rendered(pdf, number: int, pdfium):
    """The page's image (RGB) at its scan's resolution, and that resolution."""
    import numpy as np
    page = pdf[number - 1]
    dpi = _scan_dpi(page, pdfium)
    width, height = page.get_size()
    check_drawing(number, width, height, dpi / 72, "be read by OCR")
    image = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"))
    page.close()
    return image, dpi


def _scan_dpi(page, pdfium, lowest: float = 100.0, highest: float = 300.0) -> float:
    """The resolution of the page's largest image (pixels per inch as drawn), within lowest..highest;
    rendering finer than the scan adds nothing, coarser loses detail."""
    best, dpi = 0.0, 200.0
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        w_px, h_px = obj.get_px_size()
        drawn = max(x1 - x0, y1 - y0)
        if drawn > best and drawn > 0:
            best, dpi = drawn, 72.0 * max(w_px, h_px) / drawn
    return min(max(dpi, lowest), highest)


def not_a_file(path: str | Path) -> InputError | None:
    """Why `path` is no regular file to read, told without opening it (opening a FIFO blocks until a
    writer comes, a device may never end), or None: only regular files are read."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return InputError("missing", "no such file" if not os.path.islink(path) else
                          "a symbolic link to no file")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return InputError("not_a_file", "a loop of symbolic links, which leads to no file")
        if e.errno == errno.ENAMETOOLONG:
            return InputError("missing", "no such file (the name is longer than a file name may be)")
        return None         # e.g. no permission to look: reading it says why
    for test, what in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return InputError("not_a_file", f"{what}, not a regular file: only regular files are read")
    return None if stat.S_ISREG(mode) else InputError("not_a_file", "not a regular file")


def read_regular(path: str | Path) -> bytes:
    """The bytes of a regular file; InputError for anything else. Opened without blocking and checked
    again on the open file, so a file swapped for a FIFO after the check cannot block the read."""
    problem = not_a_file(path)
    if problem:
        raise problem
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("not_a_file", "not a regular file: only regular files are read")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read()
    finally:
        os.close(fd)


def read_checked(path: Path) -> bytes:
    raw = read_regular(path)
    if not raw:
        raise InputError("empty", "the file is empty (0 bytes)")
    if b"%PDF-" not in raw[:1024]:
        raise InputError("not_pdf", "not a PDF: no %PDF- header")
    if _cut(raw):
        raise InputError("truncated", f"the PDF is truncated: no %%EOF at its end ({len(raw)} bytes)")
    _check_inflation(raw)
    return raw


def _check_inflation(raw: bytes) -> None:
    """Under a memory limit (the worker's RLIMIT_AS), a stream whose filters would decode it past a
    quarter of it (a Flate, LZW, RunLength … bomb, or a chain of them), or an image declaring more
    pixels than that, is `too_large` before a PDF library decodes it whole (inflation.py): pdfium
    aborts the process when an allocation fails. Without a limit nothing is checked."""
    import resource
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit != resource.RLIM_INFINITY:
        check_streams(raw, limit // 4)


def _cut(raw: bytes) -> bool:
    """No %%EOF at all, or what follows the last one is the start of a further revision (objects, a
    cross-reference table) cut short. Padding after %%EOF (NULs, blanks, a mail gateway's footer)
    is not a cut: the parser reads such a file."""
    end = raw.rfind(b"%%EOF")
    if end < 0:
        return True
    tail = raw[end + 5:]
    return bool(re.search(rb"\d+\s+\d+\s+obj\b|\bxref\b|\btrailer\b|\bstartxref\b", tail))


def page_count(pdf: Path) -> int:
    """For the page progress bar's total: pdfium reads only the page tree, a few ms a file (0 for a
    file it cannot open: the extraction says why)."""
    if not_a_file(pdf):
        return 0
    try:
        import pypdfium2 as pdfium
        with pdfium.PdfDocument(str(pdf)) as doc:
            return len(doc)
    except Exception:
        return 0


def preload() -> None:
    """Import the default backend's PDF library now (a batch does it once before its workers fork)."""
    import pypdfium2  # noqa: F401
