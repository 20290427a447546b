"""The pdfplumber backend (pdfminer.six underneath): the same records as the pdfium backend, kept as a
tested alternative."""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.load.backend import Library, clean_font, is_bold, make_char, open_pdf, read_pages, rules_from_box
from pipeline.model.records import Char, Page, Problem, Rule
from pipeline.settings import LoadSettings
from pipeline.vocab.text import nfc


def read_pdfplumber(raw: bytes, s: LoadSettings) -> tuple[dict[str, str], list[Page], list[Problem]]:
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    def open_(data: bytes):
        pdf = pdfplumber.open(io.BytesIO(data))
        len(pdf.pages)                  # finds every page now, so a broken page tree fails here
        return pdf

    lib = Library(
        errors=(PdfminerException, PSException), open=open_,
        password_needed=lambda e: isinstance(e, PDFPasswordIncorrect) or bool(e.args) and
        isinstance(e.args[0], PDFPasswordIncorrect),
        xref_rebuilt=lambda pdf: any(type(x).__name__ == "PDFXRefFallback" for x in pdf.doc.xrefs))
    pdf, problems = open_pdf(raw, lib)
    pdf.rsrcmgr = _pdfminer_resources()()
    metadata = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                for k, v in (pdf.metadata or {}).items() if v and isinstance(v, (str, bytes))}
    pages, page_problems = read_pages(len(pdf.pages), lambda i: _pdfplumber_page(pdf.pages[i], i + 1, s), lib)
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


def _pdfplumber_page(page, number: int, s: LoadSettings) -> Page:
    p = page.dedupe_chars(tolerance=1)      # text drawn twice (a fake bold) is read once, as by pdfium
    height = float(p.height)
    page_ = Page(number, round(float(p.width), 2), round(height, 2),
                 tuple(_pdfplumber_chars(p, height, s, _synthetic_bold(page))),
                 tuple(_pdfplumber_rules(p, s)), len(p.images), outlines=_pdfplumber_curved(p))
    p.close()
    return page_


def _pdfplumber_chars(p, height: float, s: LoadSettings, synthetic_bold: frozenset[str] = frozenset()) -> list[Char]:
    out = []
    for c in p.chars:
        if c["text"].strip() and 0.5 <= c["size"] <= 500:
            font = clean_font(c["fontname"])
            out.append(make_char(nfc(c["text"]), c["x0"], c["x1"], height - c["matrix"][5], c["size"],
                             font, is_bold(font) or c["fontname"] in synthetic_bold, s))
    return out


def _synthetic_bold(page) -> frozenset[str]:
    """The fonts (as pdfminer names them) that are a Type 3 copy of a face the page also sets as a real
    font: a browser's print-to-PDF (Skia) draws the bold it makes up for a face that has none as Type 3
    glyphs named after the regular face, which pdfium reads as heavier and pdfminer cannot tell by name."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral, literal_name

    def name(value) -> str:
        # a name not in UTF-8 (宋体 in GBK) as pdfminer names its font: never bytes
        value = resolve1(value)
        return literal_name(value) if isinstance(value, PSLiteral) else str(value or "")

    type3: set[str] = set()
    real: set[str] = set()
    try:
        fonts = resolve1((page.page_obj.resources or {}).get("Font")) or {}
        for ref in fonts.values():
            spec = resolve1(ref) or {}
            if name(spec.get("Subtype")) == "Type3":
                type3.add(name((resolve1(spec.get("FontDescriptor")) or {}).get("FontName", "unknown")))
            else:
                real.add(clean_font(name(spec.get("BaseFont"))))
    except Exception:       # a damaged resource dictionary: no synthetic bold told, the text is read as it is
        return frozenset()
    return frozenset(f for f in type3 if clean_font(f) in real)


def _pdfplumber_curved(p) -> int:
    """Paths with curves. pdfminer splits a path object at each moveto, so a glyph of several strokes
    counts once per stroke with a curve (pdfium counts path objects: more here, never fewer)."""
    return sum(any(seg[0] == "c" for seg in c.get("path") or ()) for c in p.curves)


def _pdfplumber_rules(p, s: LoadSettings) -> list[Rule]:
    """Stroked lines and rectangles (pdfminer has placed those of form XObjects already)."""
    out: list[Rule] = []
    for obj in (*p.lines, *p.rects):
        out.extend(rules_from_box(obj["x0"], obj["top"], obj["x1"], obj["bottom"], s))
    return out


