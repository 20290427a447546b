"""The pypdfium2 backend: every char with its box, size, font name and weight, and the page's path
objects (ruling lines and rectangles, inside form XObjects too), in display space (/Rotate applied).

pdfium names no Type 3 font (a browser's print-to-PDF draws every glyph of a CFF face that way, named
after its face: `NotoSerifCJKsc-Bold`): the name is read from the font's descriptor by pikepdf, the
text objects paired with the content stream's show-text operators in order. Bold no name tells
(Skia's synthetic bold) is told by the glyphs' ink (`weight`)."""
from __future__ import annotations

import ctypes
import io
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from pipeline.load.backend import (
    Library,
    clean_font,
    is_bold,
    make_char,
    open_pdf,
    pages_that_exist,
    read_pages,
    rules_from_box,
)
from pipeline.load.weight import Image, bold_by_ink, page_ink
from pipeline.model.records import Page, Problem, Rule
from pipeline.settings import LoadSettings
from pipeline.vocab.text import nfc


def read_pdfium(raw: bytes, s: LoadSettings) -> tuple[dict[str, str], list[Page], list[Problem]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pr

    lib = Library(
        errors=(pdfium.PdfiumError,), open=pdfium.PdfDocument,
        password_needed=lambda e: "password" in str(e).lower(),
        xref_rebuilt=lambda pdf: not pr.FPDF_DocumentHasValidCrossReferenceTable(pdf.raw))
    pdf, problems = open_pdf(raw, lib)
    metadata = {k: v for k, v in pdf.get_metadata_dict().items() if v}
    buf = ctypes.create_string_buffer(512)
    flags = ctypes.c_int()
    n_pages, count_problems = pages_that_exist(raw, len(pdf))
    problems.extend(count_problems)

    names = _Type3Names(raw)
    programs_of_page: list[tuple[int, list[str], Page]] = []

    def read(i: int) -> Page:
        page = pdf[i]
        try:
            result, programs = _pdfium_page(page, i + 1, pr, buf, flags, names, s)
            programs_of_page.append((i, programs, result))
            return result
        finally:
            page.close()

    pages, page_problems = read_pages(n_pages, read, lib)

    def ink(i: int) -> Image:
        page = pdf[i]
        try:
            return page_ink(page, s.ink_scale)
        finally:
            page.close()

    if _face_drawn_by_several_programs(programs_of_page):
        drawn = [(program, i, c) for i, programs, page in programs_of_page
                 for program, c in zip(programs, page.chars, strict=True)]
        pages = bold_by_ink(pages, drawn, ink, s)
    pdf.close()
    return metadata, pages, problems + page_problems


def _face_drawn_by_several_programs(programs_of_page: list[tuple[int, list[str], Page]]) -> bool:
    """Whether some face is drawn by two font programs: only then can weighing their ink tell a bold
    (a cheap test first — most notices draw each face with one program)."""
    program_of_face: dict[str, str] = {}
    for _, programs, page in programs_of_page:
        for font, program in set(zip((c.font for c in page.chars), programs, strict=True)):
            if program_of_face.setdefault(font, program) != program:
                return True
    return False


@lru_cache(maxsize=1)
def _pdfium_calls():
    """Per-char pdfium functions re-declared with plain pointer arguments: the hot loop calls them
    ~20,000 times a notice, and pypdfium2's own argument conversion would double the load time."""
    import pypdfium2.raw as pr

    P, I, D = ctypes.c_void_p, ctypes.c_int, ctypes.c_double  # noqa: E741  (ctypes' own letters)

    def fn(f, restype, *args):
        address = ctypes.cast(f, P).value
        if address is None:
            raise RuntimeError(f"pdfium has no function behind {f!r}")
        return ctypes.CFUNCTYPE(restype, *args)(address)

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
        matrix=fn(pr.FPDFPageObj_GetMatrix, I, P, P),
        matrix_type=pr.FS_MATRIX,
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


def _scale(f, obj) -> float:
    """How much the text object's matrix scales its glyphs: pdfium reports the size the font is set
    in, and a browser's print-to-PDF sets 16 pt text as 21.33 under a 0.75 matrix (its px → pt)."""
    if not obj:
        return 1.0
    m = f.matrix_type()
    if not f.matrix(obj, ctypes.addressof(m)):
        return 1.0
    det = abs(m.a * m.d - m.b * m.c)
    return 1.0 if abs(det - 1.0) < 1e-6 or det == 0 else det ** 0.5


HYPHEN_MARK = 0x02     # pdfium's code for a hyphen that ends a line (it takes it for a hyphenation)


class _Type3Names:
    """The names of the fonts pdfium does not name (Type 3), per page: the top-level text objects in
    the order the content stream shows text, each with the font set for it (Tf, saved and restored
    with the graphics state) and named by its descriptor's FontName, else its /Name. Unmapped (empty)
    when the counts of text objects and show-text operators disagree."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.pdf: Any = None

    def of_page(self, page: Any, index: int, pr: Any) -> dict[int, str]:
        import pikepdf
        if self.pdf is None:
            self.pdf = pikepdf.open(io.BytesIO(self.raw))
        try:
            shown = _shown_fonts(self.pdf.pages[index], pikepdf)
        except (pikepdf.PdfError, IndexError, KeyError, AttributeError, TypeError):
            return {}
        objects = []
        for j in range(pr.FPDFPage_CountObjects(page.raw)):
            obj = pr.FPDFPage_GetObject(page.raw, j)
            if pr.FPDFPageObj_GetType(obj) == pr.FPDF_PAGEOBJ_TEXT:
                objects.append(ctypes.cast(obj, ctypes.c_void_p).value or 0)
        return dict(zip(objects, shown, strict=True)) if len(objects) == len(shown) else {}


def _shown_fonts(page: Any, pikepdf: Any) -> list[str]:
    """For each show-text operator drawing at least one string, the name of its font ("T3:" + the
    descriptor's FontName for a Type 3 font, whose programs must not pass for another kind's)."""
    fonts = page.obj.get("/Resources", {}).get("/Font", {})

    def name(resource: str | None) -> str:
        font = fonts.get(resource) if resource else None
        if font is None:
            return ""
        descriptor = font.get("/FontDescriptor")
        label = descriptor.get("/FontName") if descriptor is not None else None
        label = label if label is not None else font.get("/Name", font.get("/BaseFont", ""))
        return ("T3:" if font.get("/Subtype") == "/Type3" else "") + str(label).lstrip("/")

    out: list[str] = []
    current: str | None = None
    saved: list[str | None] = []
    for operands, op in pikepdf.parse_content_stream(page, "q Q Tf Tj TJ ' \""):
        o = str(op)
        if o == "q":
            saved.append(current)
        elif o == "Q":
            current = saved.pop() if saved else current
        elif o == "Tf":
            current = str(operands[0])
        elif o == "TJ":
            if any(isinstance(x, pikepdf.String) for x in operands[0]):
                out.append(name(current))
        elif operands and len(bytes(operands[-1])):
            out.append(name(current))
    return out


def _pdfium_page(page, number: int, pr, buf, flags, names: _Type3Names, s: LoadSettings) -> tuple[Page, list[str]]:
    width, height = page.get_size()
    to_display = _display_transform(page.get_rotation(), width, height)
    rotated = page.get_rotation() % 360 != 0
    tp = page.get_textpage()
    handle = ctypes.cast(tp.raw, ctypes.c_void_p).value
    f = _pdfium_calls()
    ox, oy, rect = ctypes.c_double(), ctypes.c_double(), pr.FS_RECTF()
    p_ox, p_oy, p_rect = ctypes.addressof(ox), ctypes.addressof(oy), ctypes.addressof(rect)
    p_buf, p_flags = ctypes.addressof(buf), ctypes.addressof(flags)
    style: dict[int, tuple[str, str, bool, float]] = {}     # text object → program, font, bold, size
    unnamed: dict[int, str] | None = None                  # text object → font name pdfium does not give
    chars = []
    programs: list[str] = []
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
            program = buf.raw[: max(0, n - 1)].decode("utf-8", "replace")
            if not program and obj:
                unnamed = names.of_page(page, number - 1, pr) if unnamed is None else unnamed
                program = unnamed.get(obj, "")
            font = clean_font(program.removeprefix("T3:"))
            bold = is_bold(font) or f.weight(handle, i) >= 600 or \
                bool(obj) and f.render_mode(obj) == f.fill_stroke
            st = (program, font, bold, f.size(handle, i) * _scale(f, obj))
            if obj:
                style[obj] = st
        program, font, bold, size = st
        if not 0.5 <= size <= 500:       # invisible or absurd text is not content
            continue
        f.origin(handle, i, p_ox, p_oy)
        f.loose_box(handle, i, p_rect)
        if rotated:
            x0, baseline = to_display(ox.value, oy.value)
            x1 = max(to_display(rect.left, rect.bottom)[0], to_display(rect.right, rect.top)[0])
        else:
            x0, x1, baseline = ox.value, rect.right, height - oy.value
        text = text if "\u4e00" <= text <= "\u9fff" else nfc(text)      # (an ideograph is NFC already)
        chars.append(make_char(text, x0, max(x1, x0 + 0.1), baseline, size, font, bold, s))
        programs.append(program)
    tp.close()
    rules: list[Rule] = []
    images, outlines = _pdfium_paths(page.raw, pr, to_display, rules, s)
    return Page(number, round(width, 2), round(height, 2), tuple(chars), tuple(rules), images,
                outlines=outlines), programs


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


def _pdfium_paths(container, pr, to_display, out: list[Rule], s: LoadSettings, form=None,
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
            i, c = _pdfium_paths(container, pr, to_display, out, s, form=obj,
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
                out.extend(rules_from_box(min(a, c), min(b, d), max(a, c), max(b, d), s))
    return images, curved


def _pdfium_subpath_boxes(obj, pr, m: Matrix) -> tuple[list[tuple[float, float, float, float]], bool]:
    """Bounding boxes (page space, y up) of each subpath of a path object, `m` mapping its points
    there; and whether the path has a curve (a Bézier segment)."""
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    pts: list[tuple[float, float]] = []
    curved = False
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
