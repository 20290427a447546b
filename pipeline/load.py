"""Load a PDF into pages of chars and ruling lines.

The only module that imports a PDF library. Two backends give the same records:
pypdfium2 (default, fast) and pdfplumber (pdfminer.six underneath).
"""
from __future__ import annotations

import ctypes
import hashlib
import re
import unicodedata
from pathlib import Path

from . import data
from .records import Char, Document, Page, Problem, Rule

BACKENDS = ("pdfium", "pdfplumber")
ASCENT, DESCENT = 0.88, 0.12     # share of the font size above and below the baseline
THIN = 2.5                        # a path thinner than this (pt) is a ruling line


class InputError(Exception):
    """The file cannot be read as a notice at all. `kind` is a short machine-readable reason."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def load_pdf(path: str | Path, backend: str = "pdfium") -> Document:
    path = Path(path)
    raw = _read_checked(path)
    if backend == "pdfium":
        metadata, pages, problems = _load_pdfium(raw, path)
    elif backend == "pdfplumber":
        metadata, pages, problems = _load_pdfplumber(raw, path)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}")
    problems = list(problems) + _empty_pages(pages)
    return Document(
        notice_id=path.stem,
        source_file=path.name,
        sha256=hashlib.sha256(raw).hexdigest(),
        metadata=metadata,
        pages=tuple(pages),
        problems=tuple(problems),
    )


def _empty_pages(pages: list[Page]) -> list[Problem]:
    """Blank pages between pages with text may be damaged ones: name them in the report."""
    if not any(p.chars for p in pages):
        return []
    return [Problem("load", "page has no text or rules (blank or damaged)", page=p.number)
            for p in pages if not p.chars and not p.rules]


def _read_checked(path: Path) -> bytes:
    if not path.exists():
        raise InputError("missing", f"no such file: {path}")
    raw = path.read_bytes()
    if not raw:
        raise InputError("empty", "the file is empty (0 bytes)")
    if b"%PDF-" not in raw[:1024]:
        raise InputError("not_pdf", "not a PDF: no %PDF- header")
    if b"%%EOF" not in raw[-2048:]:
        raise InputError("truncated", f"the PDF is truncated: no %%EOF at its end ({len(raw)} bytes)")
    return raw


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
    except Exception:
        return None


def is_bold(font: str) -> bool:
    return bool(data.regex("bold_font").search(font)) and not data.regex("bold_font_not").search(font)


def _char(text: str, x0: float, x1: float, baseline: float, size: float, font: str, bold: bool) -> Char:
    return Char(
        text=text, x0=round(x0, 2), x1=round(x1, 2),
        top=round(baseline - ASCENT * size, 2), bottom=round(baseline + DESCENT * size, 2),
        baseline=round(baseline, 2), size=round(size, 2), font=font, bold=bold,
    )


def _clean_font(name: str) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", name)


def _rules_from_box(x0: float, top: float, x1: float, bottom: float, stroked: bool) -> list[Rule]:
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


def _normalise_text(t: str) -> str:
    # compatibility ideographs and presentation forms that some producers emit
    return unicodedata.normalize("NFC", t)


# ---------------------------------------------------------------- pypdfium2

def _load_pdfium(raw: bytes, path: Path):
    import pypdfium2 as pdfium
    import pypdfium2.raw as pr

    problems = []
    try:
        pdf = pdfium.PdfDocument(raw)
        if not pr.FPDF_DocumentHasValidCrossReferenceTable(pdf.raw):
            problems.append(Problem("load", "damaged cross-reference table: repaired on opening"))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise InputError("encrypted", "the PDF is encrypted with a password") from e
        fixed = _repaired(raw)
        if fixed is None:
            raise InputError("damaged", f"the PDF is damaged and could not be repaired: {e}") from e
        pdf = pdfium.PdfDocument(fixed)
        problems.append(Problem("load", "damaged PDF: cross-reference table rebuilt by qpdf"))
    metadata = {k: v for k, v in pdf.get_metadata_dict().items() if v}
    pages = []
    buf = ctypes.create_string_buffer(512)
    flags = ctypes.c_int()
    for i in range(len(pdf)):
        try:
            page = pdf[i]
            pages.append(_pdfium_page(page, i + 1, pr, buf, flags))
            page.close()
        except Exception as e:  # one bad page never loses the rest
            problems.append(Problem("load", f"page could not be parsed: {e}", page=i + 1))
            pages.append(Page(i + 1, 595.0, 842.0, (), ()))
    pdf.close()
    return metadata, pages, problems


def _pdfium_page(page, number: int, pr, buf, flags) -> Page:
    width, height = page.get_size()
    tp = page.get_textpage()
    chars = []
    ox, oy = ctypes.c_double(), ctypes.c_double()
    font_cache: dict[int, tuple[str, bool]] = {}
    for i in range(tp.count_chars()):
        if pr.FPDFText_IsGenerated(tp.raw, i):
            continue
        code = pr.FPDFText_GetUnicode(tp.raw, i)
        if code in (0, 0xFFFE, 0xFFFF) or chr(code).isspace():
            continue
        size = pr.FPDFText_GetFontSize(tp.raw, i)
        if not 0.5 <= size <= 500:       # invisible or absurd text is not content
            continue
        obj = pr.FPDFText_GetTextObject(tp.raw, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        if key not in font_cache:
            n = pr.FPDFText_GetFontInfo(tp.raw, i, buf, len(buf), ctypes.byref(flags))
            font = _clean_font(buf.value[: max(0, n - 1)].decode("utf-8", "replace"))
            weight = pr.FPDFText_GetFontWeight(tp.raw, i)
            stroke_bold = bool(obj) and pr.FPDFTextObj_GetTextRenderMode(obj) == pr.FPDF_TEXTRENDERMODE_FILL_STROKE
            font_cache[key] = (font, is_bold(font) or weight >= 600 or stroke_bold)
        font, bold = font_cache[key]
        pr.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(ox), ctypes.byref(oy))
        rect = pr.FS_RECTF()
        pr.FPDFText_GetLooseCharBox(tp.raw, i, ctypes.byref(rect))
        chars.append(_char(_normalise_text(chr(code)), ox.value, max(rect.right, ox.value + 0.1),
                           height - oy.value, size, font, bold))
    tp.close()
    rules: list[Rule] = []
    _pdfium_paths(page.raw, pr, height, rules, form=None)
    return Page(number, round(width, 2), round(height, 2), tuple(chars), tuple(rules))


def _pdfium_paths(container, pr, height: float, out: list[Rule], form) -> None:
    count = pr.FPDFFormObj_CountObjects(form) if form else pr.FPDFPage_CountObjects(container)
    for j in range(count):
        obj = pr.FPDFFormObj_GetObject(form, j) if form else pr.FPDFPage_GetObject(container, j)
        kind = pr.FPDFPageObj_GetType(obj)
        if kind == pr.FPDF_PAGEOBJ_FORM:
            _pdfium_paths(container, pr, height, out, form=obj)
        elif kind == pr.FPDF_PAGEOBJ_PATH:
            fill, stroke = ctypes.c_int(), ctypes.c_int()
            pr.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
            if not fill.value and not stroke.value:
                continue
            for x0, y0, x1, y1 in _pdfium_subpath_boxes(obj, pr):
                out.extend(_rules_from_box(x0, height - y1, x1, height - y0, bool(stroke.value)))


def _pdfium_subpath_boxes(obj, pr):
    """Bounding boxes (page space, y up) of each subpath of a path object."""
    m = pr.FS_MATRIX()
    pr.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
    x, y = ctypes.c_float(), ctypes.c_float()
    boxes, pts = [], []
    for k in range(pr.FPDFPath_CountSegments(obj)):
        seg = pr.FPDFPath_GetPathSegment(obj, k)
        if pr.FPDFPathSegment_GetType(seg) == pr.FPDF_SEGMENT_MOVETO and pts:
            boxes.append(pts)
            pts = []
        pr.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        pts.append((m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f))
    if pts:
        boxes.append(pts)
    for p in boxes:
        xs, ys = [q[0] for q in p], [q[1] for q in p]
        if len(p) == 2 or (len(p) > 2):
            yield min(xs), min(ys), max(xs), max(ys)


# ---------------------------------------------------------------- pdfplumber

def _load_pdfplumber(raw: bytes, path: Path):
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(raw))
        n_pages = len(pdf.pages)
    except PDFPasswordIncorrect as e:
        raise InputError("encrypted", "the PDF is encrypted with a password") from e
    except (PDFSyntaxError, Exception) as e:
        raise InputError("damaged", f"the PDF cannot be opened: {e}") from e
    metadata = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                for k, v in (pdf.metadata or {}).items() if v and isinstance(v, (str, bytes))}
    pages, problems = [], []
    for i in range(n_pages):
        try:
            p = pdf.pages[i]
            height = float(p.height)
            chars = [
                _char(_normalise_text(c["text"]), c["x0"], c["x1"], height - c["matrix"][5], c["size"],
                      _clean_font(c["fontname"]), is_bold(_clean_font(c["fontname"])))
                for c in p.chars if c["text"].strip() and 0.5 <= c["size"] <= 500
            ]
            rules: list[Rule] = []
            for ln in p.lines:
                rules.extend(_rules_from_box(ln["x0"], ln["top"], ln["x1"], ln["bottom"], True))
            for rc in p.rects:
                rules.extend(_rules_from_box(rc["x0"], rc["top"], rc["x1"], rc["bottom"], rc.get("stroke", True)))
            pages.append(Page(i + 1, round(float(p.width), 2), round(height, 2), tuple(chars), tuple(rules)))
            p.close()
        except Exception as e:
            problems.append(Problem("load", f"page could not be parsed: {e}", page=i + 1))
            pages.append(Page(i + 1, 595.0, 842.0, (), ()))
    pdf.close()
    return metadata, pages, problems
