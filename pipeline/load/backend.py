"""What the PDF backends share: opening a file (rebuilt by qpdf when damaged), reading every page
while naming the ones that fail, and making chars and ruling lines from what a library reports."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from pipeline.model.problems import Code
from pipeline.model.records import Char, Page, Problem, Rule
from pipeline.settings import LoadSettings
from pipeline.vocab import data


class InputError(Exception):
    """The file cannot be read as a notice at all. `kind` is a short machine-readable reason."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


Doc = TypeVar("Doc")   # the library's open document


@dataclass(frozen=True)
class Library(Generic[Doc]):
    """What the shared open/repair/page code needs to know of one PDF library."""
    errors: tuple[type[BaseException], ...]      # what it raises for a file or a page it cannot parse
    open: Callable[[bytes], Doc]                 # bytes → an open document, every page's place known
    password_needed: Callable[[BaseException], bool]
    xref_rebuilt: Callable[[Doc], bool]          # it repaired a damaged cross-reference table itself


def open_pdf(raw: bytes, lib: Library[Doc]) -> tuple[Doc, list[Problem]]:
    """Open the PDF; a file the library cannot open is rebuilt by qpdf and opened again."""
    try:
        doc = lib.open(raw)
    except lib.errors as e:
        if lib.password_needed(e):
            raise InputError("encrypted", "the PDF is encrypted with a password") from e
        fixed = repaired(raw)
        if fixed is None:
            raise InputError("damaged", f"the PDF is damaged and could not be repaired: {e}") from e
        return lib.open(fixed), [Problem("load", "damaged PDF: cross-reference table rebuilt by qpdf",
                                         code=Code.DAMAGED_PDF)]
    return doc, ([Problem("load", "damaged cross-reference table: repaired on opening", code=Code.DAMAGED_PDF)]
                 if lib.xref_rebuilt(doc) else [])


def repaired(raw: bytes) -> bytes | None:
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


def pages_that_exist(raw: bytes, declared: int) -> tuple[int, list[Problem]]:
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
    return found, [Problem("load", f"the page tree declares {declared} pages where {found} exist: {found} read",
                           code=Code.PAGES_MISSING)]


def read_pages(n_pages: int, read: Callable[[int], Page], lib: Library[Doc]) -> tuple[list[Page], list[Problem]]:
    """Every page by `read(index)`; a page the library cannot parse is named and left blank, and the
    rest of the notice is read. Any other error (a bug, a missing data file) is not a bad page: it
    propagates."""
    pages, problems = [], []
    for i in range(n_pages):
        try:
            pages.append(read(i))
        except lib.errors as e:
            problems.append(Problem("load", f"page could not be parsed: {e}", page=i + 1, code=Code.PAGE_UNPARSED))
            pages.append(Page(i + 1, 595.0, 842.0, (), ()))
    return pages, problems


@lru_cache(maxsize=4096)
def is_bold(font: str) -> bool:
    return bool(data.regex("bold_font").search(font)) and not data.regex("bold_font_not").search(font)


def make_char(text: str, x0: float, x1: float, baseline: float, size: float, font: str, bold: bool,
              s: LoadSettings) -> Char:
    # positional: a call per char of every notice, and keywords cost a third more
    return Char(text, x0, x1, baseline - s.ascent * size, baseline + s.descent * size, baseline, size, font, bold)


@lru_cache(maxsize=4096)
def clean_font(name: str) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", name)


def rules_from_box(x0: float, top: float, x1: float, bottom: float, s: LoadSettings) -> list[Rule]:
    """A thin box is one ruling line; a larger box contributes its four edges."""
    w, h = x1 - x0, bottom - top
    if w < s.thin_rule and h < s.thin_rule:
        return []
    if h < s.thin_rule:
        mid = (top + bottom) / 2
        return [Rule(round(x0, 2), round(mid, 2), round(x1, 2), round(mid, 2))]
    if w < s.thin_rule:
        mid = (x0 + x1) / 2
        return [Rule(round(mid, 2), round(top, 2), round(mid, 2), round(bottom, 2))]
    r = lambda v: round(v, 2)  # noqa: E731
    return [Rule(r(x0), r(top), r(x1), r(top)), Rule(r(x0), r(bottom), r(x1), r(bottom)),
            Rule(r(x0), r(top), r(x0), r(bottom)), Rule(r(x1), r(top), r(x1), r(bottom))]


