"""Load a PDF into pages of chars and ruling lines.

The only module that imports a PDF library, and the only one that decides which backend reads a
page. Two backends read the text layer and give the same records: pypdfium2 (default, fast) and
pdfplumber (pdfminer.six underneath). A page without a text layer (a scan) is rendered by pdfium
and read by the OCR backend (`ocr.py`) into the same records.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from . import data
from .records import Char, Document, Page, Problem, Rule
from .text import nfc
from .textcheck import screen_text

BACKENDS = ("pdfium", "pdfplumber")
ASCENT, DESCENT = 0.88, 0.12     # share of the font size above and below the baseline
THIN = 2.5                        # a path thinner than this (pt) is a ruling line


class InputError(Exception):
    """The file cannot be read as a notice at all. `kind` is a short machine-readable reason."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def load_pdf(path: str | Path, backend: str | None = None) -> Document:
    """`backend` None means $NOTICE_EXTRACT_BACKEND, else pdfium. The text layer is screened
    (`textcheck`), then every page whose text must be read from its image — a scan, text drawn as
    outlines, a text layer that does not decode — is read by OCR, unless $NOTICE_EXTRACT_OCR is
    `off` (then such pages are only named, as are the pages OCR finds nothing on)."""
    backend = backend or os.environ.get("NOTICE_EXTRACT_BACKEND") or "pdfium"
    path = Path(path)
    raw = _read_checked(path)
    if backend == "pdfium":
        metadata, pages, problems = _load_pdfium(raw)
    elif backend == "pdfplumber":
        metadata, pages, problems = _load_pdfplumber(raw)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    doc, unreadable = screen_text(Document(notice_id=path.stem, source_file=path.name,
                                           sha256=hashlib.sha256(raw).hexdigest(), metadata=metadata,
                                           pages=tuple(pages), problems=tuple(problems)))
    pages, ocr_problems = _read_scans(raw, list(doc.pages), unreadable) if ocr_on() else (list(doc.pages), [])
    return replace(doc, pages=tuple(pages), problems=(*doc.problems, *ocr_problems, *_empty_pages(pages, unreadable)))


def ocr_on() -> bool:
    """$NOTICE_EXTRACT_OCR `off` (or 0, no): pages without usable text are named, not read (fast triage)."""
    return os.environ.get("NOTICE_EXTRACT_OCR", "on").strip().lower() not in ("off", "0", "no", "false")


OUTLINED = "no usable text layer (text drawn as outlines?): needs OCR"
UNREADABLE = "unreadable text layer: needs OCR"


def _empty_pages(pages: list[Page], unreadable: dict[int, str]) -> list[Problem]:
    """The pages left without text that OCR did not read (or OCR is off): a text layer that does not
    decode, text drawn as outlines, a scan; blank pages between pages with text may be damaged ones."""
    out = []
    for p in pages:
        if p.chars:
            continue
        if p.number in unreadable:
            out.append(Problem("load", UNREADABLE, page=p.number, text=unreadable[p.number]))
        elif drawn_as_outlines(p):
            out.append(Problem("load", OUTLINED, page=p.number, text=f"{p.outlines} curved paths, no text"))
        elif not p.rules:
            out.append(Problem("load", "image-only page: OCR found no text on it" if p.images else
                               "page has no text or rules (blank or damaged)", page=p.number))
    return out


def check_text(doc: Document) -> None:
    """When no page of `doc` has text, raise InputError saying why and naming the pages: its text
    layer does not decode (`unreadable_text`), its text is drawn as outlines or it is scanned and OCR
    read nothing (`no_text`), or every page is blank (`not_a_notice`)."""
    if any(p.chars for p in doc.pages):
        return
    after = "and OCR found no text on them" if ocr_on() else "needs OCR (OCR is off: NOTICE_EXTRACT_OCR)"
    pages_of = {reason: [p.page for p in doc.problems if p.reason == reason] for reason in (UNREADABLE, OUTLINED)}
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


# A page without text that draws at least this many curved paths draws its text as glyph outlines
# (a path a glyph or a word); a logo, a seal or a chart alone draws fewer.
OUTLINE_PATHS = 10


def drawn_as_outlines(page: Page) -> bool:
    return page.source == "text" and not page.chars and page.outlines >= OUTLINE_PATHS


def needs_ocr(page: Page) -> bool:
    """A page whose text must be read from its image: no text layer, but an image (a scan) or glyph
    outlines drawn on it."""
    return page.source == "text" and not page.chars and (page.images > 0 or drawn_as_outlines(page))


def _read_scans(raw: bytes, pages: list[Page], unreadable: dict[int, str]) -> tuple[list[Page], list[Problem]]:
    """Every page that needs OCR (and every page whose text layer is `unreadable`), rendered by pdfium
    at its scan's resolution and read by `ocr`; the other pages are left as their backend read them
    (a text PDF with one scanned page pays for one). A page OCR finds nothing on stays as it was."""
    todo = sorted({p.number for p in pages if needs_ocr(p)} | set(unreadable))
    if not todo:
        return pages, []
    import numpy as np
    import pypdfium2 as pdfium

    from . import ocr
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError:
        pdf = pdfium.PdfDocument(_repaired(raw))
    pages, problems = list(pages), []
    for number in todo:
        try:
            page = pdf[number - 1]
            dpi = _scan_dpi(page, pdfium)
            image = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            page.close()
            read, found = ocr.read_page(image, number, dpi)
            if read.chars or read.rules:
                pages[number - 1] = read
            problems.extend(found)
        except Exception as e:  # one unreadable scan never loses the rest
            problems.append(Problem("load", f"scanned page could not be read by OCR: {e}", page=number))
    pdf.close()
    return pages, problems


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


def _read_checked(path: Path) -> bytes:
    if not path.exists():
        raise InputError("missing", "no such file")
    raw = path.read_bytes()
    if not raw:
        raise InputError("empty", "the file is empty (0 bytes)")
    if b"%PDF-" not in raw[:1024]:
        raise InputError("not_pdf", "not a PDF: no %PDF- header")
    if _cut(raw):
        raise InputError("truncated", f"the PDF is truncated: no %%EOF at its end ({len(raw)} bytes)")
    _check_inflation(raw)
    return raw


def _check_inflation(raw: bytes) -> None:
    """Under a memory limit (the worker's RLIMIT_AS), a compressed stream that would inflate past a
    quarter of it (a Flate bomb) is `too_large` before a PDF library inflates it whole: pdfium aborts
    the process when an allocation fails. The streams are inflated piecewise and thrown away."""
    import resource
    import zlib
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:
        return
    view = memoryview(raw)
    for m in re.finditer(rb"stream\r?\n", raw):
        end = raw.find(b"endstream", m.end())
        if 0 <= end and (end - m.end()) * 1032 <= limit // 4:     # deflate inflates at most ~1032:1
            continue
        d = zlib.decompressobj()
        size, data = 0, view[m.end():end if end >= 0 else len(raw)]
        try:
            while data and size <= limit // 4:
                size += len(d.decompress(data, 16 << 20))
                data = d.unconsumed_tail
        except zlib.error:
            continue
        if size > limit // 4:
            raise InputError("too_large", f"a compressed stream inflates past {limit // 4 >> 20} MiB, a quarter "
                                          "of the worker's memory limit (--max-memory)")

def _cut(raw: bytes) -> bool:
    """No %%EOF at all, or what follows the last one is the start of a further revision (objects, a
    cross-reference table) cut short. Padding after %%EOF (NULs, blanks, a mail gateway's footer)
    is not a cut: the parser reads such a file."""
    end = raw.rfind(b"%%EOF")
    if end < 0:
        return True
    tail = raw[end + 5:]
    return bool(re.search(rb"\d+\s+\d+\s+obj\b|\bxref\b|\btrailer\b|\bstartxref\b", tail))


@dataclass(frozen=True)
class _Library:
    """What the shared open/repair/page code needs to know of one PDF library."""
    errors: tuple[type[BaseException], ...]      # what it raises for a file or a page it cannot parse
    open: Callable[[bytes], object]              # bytes → an open document, every page's place known
    password_needed: Callable[[BaseException], bool]
    xref_rebuilt: Callable[[object], bool]       # it repaired a damaged cross-reference table itself


def _open(raw: bytes, lib: _Library) -> tuple[object, list[Problem]]:
    """Open the PDF; a file the library cannot open is rebuilt by qpdf and opened again."""
    try:
        doc = lib.open(raw)
    except lib.errors as e:
        if lib.password_needed(e):
            raise InputError("encrypted", "the PDF is encrypted with a password") from e
        fixed = _repaired(raw)
        if fixed is None:
            raise InputError("damaged", f"the PDF is damaged and could not be repaired: {e}") from e
        return lib.open(fixed), [Problem("load", "damaged PDF: cross-reference table rebuilt by qpdf")]
    return doc, ([Problem("load", "damaged cross-reference table: repaired on opening")]
                 if lib.xref_rebuilt(doc) else [])


def _repaired(raw: bytes) -> bytes | None:
    """A copy with its cross-reference table rebuilt by qpdf (pikepdf), or None."""
    import io

    import pikepdf
    try:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()
    except pikepdf.PasswordError:
        raise InputError("encrypted", "the PDF is encrypted with a password") from None
    except pikepdf.PdfError:
        return None


def _pages_that_exist(raw: bytes, declared: int) -> tuple[int, list[Problem]]:
    """How many pages the page tree holds. pdfium takes the tree's /Count on trust when it rebuilt a
    damaged file (a /Count of 999999 over 36 pages); qpdf walks the tree's /Kids."""
    import io

    import pikepdf
    try:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            found = len(pdf.pages)
    except Exception:       # qpdf cannot tell (a password, a tree it cannot walk): pdfium's count stands
        return declared, []
    if found >= declared:
        return declared, []
    return found, [Problem("load", f"the page tree declares {declared} pages where {found} exist: {found} read")]


def _read_pages(n_pages: int, read: Callable[[int], Page], lib: _Library) -> tuple[list[Page], list[Problem]]:
    """Every page by `read(index)`; a page the library cannot parse is named and left blank, and the
    rest of the notice is read. Any other error (a bug, a missing data file) is not a bad page: it
    propagates."""
    pages, problems = [], []
    for i in range(n_pages):
        try:
            pages.append(read(i))
        except lib.errors as e:
            problems.append(Problem("load", f"page could not be parsed: {e}", page=i + 1))
            pages.append(Page(i + 1, 595.0, 842.0, (), ()))
    return pages, problems


@lru_cache(maxsize=4096)
def is_bold(font: str) -> bool:
    return bool(data.regex("bold_font").search(font)) and not data.regex("bold_font_not").search(font)


def _char(text: str, x0: float, x1: float, baseline: float, size: float, font: str, bold: bool) -> Char:
    return Char(text=text, x0=x0, x1=x1, top=baseline - ASCENT * size, bottom=baseline + DESCENT * size,
                baseline=baseline, size=size, font=font, bold=bold)


@lru_cache(maxsize=4096)
def _clean_font(name: str) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", name)


def _rules_from_box(x0: float, top: float, x1: float, bottom: float) -> list[Rule]:
    """A thin box is one ruling line; a larger box contributes its four edges."""
    w, h = x1 - x0, bottom - top
    if w < THIN and h < THIN:
        return []
    if h < THIN:
        mid = (top + bottom) / 2
        return [Rule(round(x0, 2), round(mid, 2), round(x1, 2), round(mid, 2))]
    if w < THIN:
        mid = (x0 + x1) / 2
        return [Rule(round(mid, 2), round(top, 2), round(mid, 2), round(bottom, 2))]
    r = lambda v: round(v, 2)  # noqa: E731
    return [Rule(r(x0), r(top), r(x1), r(top)), Rule(r(x0), r(bottom), r(x1), r(bottom)),
            Rule(r(x0), r(top), r(x0), r(bottom)), Rule(r(x1), r(top), r(x1), r(bottom))]


# ---------------------------------------------------------------- pypdfium2

def _load_pdfium(raw: bytes):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pr

    lib = _Library(
        errors=(pdfium.PdfiumError,), open=pdfium.PdfDocument,
        password_needed=lambda e: "password" in str(e).lower(),
        xref_rebuilt=lambda pdf: not pr.FPDF_DocumentHasValidCrossReferenceTable(pdf.raw))
    pdf, problems = _open(raw, lib)
    metadata = {k: v for k, v in pdf.get_metadata_dict().items() if v}
    buf = ctypes.create_string_buffer(512)
    flags = ctypes.c_int()
    n_pages, count_problems = _pages_that_exist(raw, len(pdf))
    problems.extend(count_problems)

    def read(i: int) -> Page:
        page = pdf[i]
        try:
            return _pdfium_page(page, i + 1, pr, buf, flags)
        finally:
            page.close()

    pages, page_problems = _read_pages(n_pages, read, lib)
    pdf.close()
    return metadata, pages, problems + page_problems


@lru_cache(maxsize=1)
def _pdfium_calls():
    """Per-char pdfium functions re-declared with plain pointer arguments: the hot loop calls them
    ~20,000 times a notice, and pypdfium2's own argument conversion would double the load time."""
    import pypdfium2.raw as pr

    P, I, D = ctypes.c_void_p, ctypes.c_int, ctypes.c_double

    def fn(f, restype, *args):
        return ctypes.CFUNCTYPE(restype, *args)(ctypes.cast(f, P).value)

    return SimpleNamespace(
        unicode=fn(pr.FPDFText_GetUnicode, ctypes.c_uint, P, I),
        size=fn(pr.FPDFText_GetFontSize, D, P, I),
        text_object=fn(pr.FPDFText_GetTextObject, P, P, I),
        origin=fn(pr.FPDFText_GetCharOrigin, I, P, I, P, P),
        loose_box=fn(pr.FPDFText_GetLooseCharBox, I, P, I, P),
        font_info=fn(pr.FPDFText_GetFontInfo, ctypes.c_ulong, P, I, P, ctypes.c_ulong, P),
        weight=fn(pr.FPDFText_GetFontWeight, I, P, I),
        render_mode=fn(pr.FPDFTextObj_GetTextRenderMode, I, P),
        is_hyphen=fn(pr.FPDFText_IsHyphen, I, P, I),
        fill_stroke=pr.FPDF_TEXTRENDERMODE_FILL_STROKE,
    )


def _display_transform(rotation: int, width: float, height: float):
    """Page space (y up, as pdfium reports it) → display space (y down, as the page is shown and as
    pdfminer reports it) for a page shown with /Rotate; width and height are the displayed size."""
    w0, h0 = (height, width) if rotation in (90, 270) else (width, height)
    return {
        0: lambda x, y: (x, h0 - y),
        90: lambda x, y: (y, x),
        180: lambda x, y: (w0 - x, y),
        270: lambda x, y: (h0 - y, w0 - x),
    }[rotation % 360]


HYPHEN_MARK = 0x02     # pdfium's code for a hyphen that ends a line (it takes it for a hyphenation)


def _pdfium_page(page, number: int, pr, buf, flags) -> Page:
    width, height = page.get_size()
    to_display = _display_transform(page.get_rotation(), width, height)
    rotated = page.get_rotation() % 360 != 0
    tp = page.get_textpage()
    handle = ctypes.cast(tp.raw, ctypes.c_void_p).value
    f = _pdfium_calls()
    ox, oy, rect = ctypes.c_double(), ctypes.c_double(), pr.FS_RECTF()
    p_ox, p_oy, p_rect = ctypes.addressof(ox), ctypes.addressof(oy), ctypes.addressof(rect)
    p_buf, p_flags = ctypes.addressof(buf), ctypes.addressof(flags)
    style: dict[int, tuple[str, bool, float]] = {}     # text object → font, bold, size
    chars = []
    for i in range(tp.count_chars()):
        code = f.unicode(handle, i)
        if code == HYPHEN_MARK and f.is_hyphen(handle, i):
            code = ord("-")
        text = chr(code)
        if code in (0, 0xFFFE, 0xFFFF) or text.isspace():
            continue
        obj = f.text_object(handle, i) or 0
        st = style.get(obj) if obj else None
        if st is None:
            n = f.font_info(handle, i, p_buf, len(buf), p_flags)
            font = _clean_font(buf.raw[: max(0, n - 1)].decode("utf-8", "replace"))
            bold = is_bold(font) or f.weight(handle, i) >= 600 or \
                bool(obj) and f.render_mode(obj) == f.fill_stroke
            st = (font, bold, f.size(handle, i))
            if obj:
                style[obj] = st
        font, bold, size = st
        if not 0.5 <= size <= 500:       # invisible or absurd text is not content
            continue
        f.origin(handle, i, p_ox, p_oy)
        f.loose_box(handle, i, p_rect)
        if rotated:
            x0, baseline = to_display(ox.value, oy.value)
            x1 = max(to_display(rect.left, rect.bottom)[0], to_display(rect.right, rect.top)[0])
        else:
            x0, x1, baseline = ox.value, rect.right, height - oy.value
        chars.append(_char(nfc(text), x0, max(x1, x0 + 0.1), baseline, size, font, bold))
    tp.close()
    rules: list[Rule] = []
    images, outlines = _pdfium_paths(page.raw, pr, to_display, rules)
    return Page(number, round(width, 2), round(height, 2), tuple(chars), tuple(rules), images, outlines=outlines)


Matrix = tuple[float, float, float, float, float, float]     # a b c d e f, as in a PDF `cm`
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _then(m: Matrix, n: Matrix) -> Matrix:
    """The matrix that applies `m`, then `n` (PDF row-vector convention: m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _object_matrix(obj, pr) -> Matrix:
    m = pr.FS_MATRIX()
    pr.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _pdfium_paths(container, pr, to_display, out: list[Rule], form=None,
                  placed: Matrix = IDENTITY) -> tuple[int, int]:
    """Ruling lines of the page's path objects into `out`; returns how many images it draws and how
    many of its paths have curves. The objects of a form XObject are in the form's space: `placed`
    maps it to page space (nested forms compose their matrices)."""
    images = curved = 0
    count = pr.FPDFFormObj_CountObjects(form) if form else pr.FPDFPage_CountObjects(container)
    for j in range(count):
        obj = pr.FPDFFormObj_GetObject(form, j) if form else pr.FPDFPage_GetObject(container, j)
        kind = pr.FPDFPageObj_GetType(obj)
        if kind == pr.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif kind == pr.FPDF_PAGEOBJ_FORM:
            i, c = _pdfium_paths(container, pr, to_display, out, form=obj,
                                 placed=_then(_object_matrix(obj, pr), placed))
            images, curved = images + i, curved + c
        elif kind == pr.FPDF_PAGEOBJ_PATH:
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            pr.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
            if not fill.value and not stroke.value:
                continue
            boxes, has_curve = _pdfium_subpath_boxes(obj, pr, _then(_object_matrix(obj, pr), placed))
            curved += has_curve
            for x0, y0, x1, y1 in boxes:
                (a, b), (c, d) = to_display(x0, y0), to_display(x1, y1)
                out.extend(_rules_from_box(min(a, c), min(b, d), max(a, c), max(b, d)))
    return images, curved


def _pdfium_subpath_boxes(obj, pr, m: Matrix) -> tuple[list[tuple[float, float, float, float]], bool]:
    """Bounding boxes (page space, y up) of each subpath of a path object, `m` mapping its points
    there; and whether the path has a curve (a Bézier segment)."""
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths, pts, curved = [], [], False
    for k in range(pr.FPDFPath_CountSegments(obj)):
        seg = pr.FPDFPath_GetPathSegment(obj, k)
        kind = pr.FPDFPathSegment_GetType(seg)
        curved = curved or kind == pr.FPDF_SEGMENT_BEZIERTO
        if kind == pr.FPDF_SEGMENT_MOVETO and pts:
            subpaths.append(pts)
            pts = []
        pr.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        pts.append((a * x.value + c * y.value + e, b * x.value + d * y.value + f))
    if pts:
        subpaths.append(pts)
    boxes = [(min(q[0] for q in p), min(q[1] for q in p), max(q[0] for q in p), max(q[1] for q in p))
             for p in subpaths if len(p) >= 2]
    return boxes, curved


# ---------------------------------------------------------------- pdfplumber

def _load_pdfplumber(raw: bytes):
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    def open_(data: bytes):
        pdf = pdfplumber.open(io.BytesIO(data))
        len(pdf.pages)                  # finds every page now, so a broken page tree fails here
        return pdf

    lib = _Library(
        errors=(PdfminerException, PSException), open=open_,
        password_needed=lambda e: isinstance(e, PDFPasswordIncorrect) or bool(e.args) and
        isinstance(e.args[0], PDFPasswordIncorrect),
        xref_rebuilt=lambda pdf: any(type(x).__name__ == "PDFXRefFallback" for x in pdf.doc.xrefs))
    pdf, problems = _open(raw, lib)
    pdf.rsrcmgr = _pdfminer_resources()()
    metadata = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                for k, v in (pdf.metadata or {}).items() if v and isinstance(v, (str, bytes))}
    pages, page_problems = _read_pages(len(pdf.pages), lambda i: _pdfplumber_page(pdf.pages[i], i + 1), lib)
    pdf.close()
    return metadata, pages, problems + page_problems


UNMAPPED = 0x10000      # CIDs from here on stand for a UCS2 code the bundled CMap lacks (CIDs stop at 65535)


@lru_cache(maxsize=1)
def _pdfminer_resources():
    """pdfminer's resource manager, except that a CID font encoded by a Unicode CMap (Uni…-UCS2-H/V:
    the code of each char *is* its Unicode, UCS-2) keeps every char: pdfminer's bundled copy of such
    a CMap lacks some codes (UniGB-UCS2-H has no ² or ·), and a code it cannot map yields no char at
    all, not even its advance. Such a code becomes a CID of its own (UNMAPPED + code) whose text is
    the code's Unicode and whose width is the font's default width, as a viewer without the glyph
    in its CMap would set it."""
    from pdfminer.cmapdb import CMapBase, UnicodeMap
    from pdfminer.pdffont import PDFCIDFont
    from pdfminer.pdfinterp import PDFResourceManager

    class UCS2CMap(CMapBase):
        def __init__(self, cmap: CMapBase):
            super().__init__(**cmap.attrs)
            self.cmap = cmap

        def decode(self, code: bytes):
            for i in range(0, len(code) - 1, 2):
                unit = code[i:i + 2]
                yield from tuple(self.cmap.decode(unit)) or (UNMAPPED + int.from_bytes(unit, "big"),)

    class UCS2UnicodeMap(UnicodeMap):
        def __init__(self, unicode_map: UnicodeMap | None):
            super().__init__()
            self.unicode_map = unicode_map

        def get_unichr(self, cid: int) -> str:
            if cid >= UNMAPPED:
                return chr(cid - UNMAPPED)
            if self.unicode_map is None:
                raise KeyError(cid)
            return self.unicode_map.get_unichr(cid)

    class Resources(PDFResourceManager):
        def get_font(self, objid, spec):
            font = super().get_font(objid, spec)
            if isinstance(font, PDFCIDFont) and not isinstance(font.cmap, UCS2CMap) and \
                    re.fullmatch(r"Uni[\w]+-UCS2-[HV]", str(font.cmap.attrs.get("CMapName", ""))):
                font.cmap = UCS2CMap(font.cmap)
                font.unicode_map = UCS2UnicodeMap(font.unicode_map)
            return font

    return Resources


def _pdfplumber_page(page, number: int) -> Page:
    p = page.dedupe_chars(tolerance=1)      # text drawn twice (a fake bold) is read once, as by pdfium
    height = float(p.height)
    page_ = Page(number, round(float(p.width), 2), round(height, 2), tuple(_pdfplumber_chars(p, height)),
                 tuple(_pdfplumber_rules(p)), len(p.images), outlines=_pdfplumber_curved(p))
    p.close()
    return page_


def _pdfplumber_chars(p, height: float) -> list[Char]:
    out = []
    for c in p.chars:
        if c["text"].strip() and 0.5 <= c["size"] <= 500:
            font = _clean_font(c["fontname"])
            out.append(_char(nfc(c["text"]), c["x0"], c["x1"], height - c["matrix"][5], c["size"],
                             font, is_bold(font)))
    return out


def _pdfplumber_curved(p) -> int:
    """Paths with curves. pdfminer splits a path object at each moveto, so a glyph of several strokes
    counts once per stroke with a curve (pdfium counts path objects: more here, never fewer)."""
    return sum(any(seg[0] == "c" for seg in c.get("path") or ()) for c in p.curves)


def _pdfplumber_rules(p) -> list[Rule]:
    """Stroked lines and rectangles (pdfminer has placed those of form XObjects already)."""
    out: list[Rule] = []
    for obj in (*p.lines, *p.rects):
        out.extend(_rules_from_box(obj["x0"], obj["top"], obj["x1"], obj["bottom"]))
    return out


# ---------------------------------------------------------------- page images (the review page)

GREYS = [v // 17 * 17 for v in range(256)]     # 16 grey levels: a 4-bit PNG, crisp text, fast to write


def render_pages(path: str | Path, scale: float = 1.5) -> list[tuple[int, float, float, bytes]]:
    """Every page drawn by pdfium as it is shown (its /Rotate applied), in 16 greys, as PNG:
    (page number, displayed width and height in PDF points, image bytes)."""
    import io

    import pypdfium2 as pdfium

    raw = _read_checked(Path(path))
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError:
        pdf = pdfium.PdfDocument(_repaired(raw) or raw)
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width
        image = page.render(scale=scale, grayscale=True).to_pil().point(GREYS)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1, bits=4)
        out.append((i + 1, width, height, buf.getvalue()))
        page.close()
    pdf.close()
    return out
