"""Small PDFs built by the tests themselves (reportlab + a CID font every PDF reader knows).

Coordinates are given from the top of an A4 page, like the pipeline's records."""
from __future__ import annotations

import io
import zlib
from pathlib import Path

import pikepdf
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

REGULAR = "STSong-Light"
# Other faces are drawn at size + k/100, then pointed at a copy of the font under the face's name.
FACES = {"bold": (1, "STSong-Bold"), "kai": (2, "STKaiti")}
WIDTH, HEIGHT = A4


class Doc:
    def __init__(self):
        if REGULAR not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(REGULAR))
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4)
        self.page = 1

    def text(self, x: float, top: float, s: str, size: float = 16, bold: bool = False, rise: float = 0.0,
             justify_to: float | None = None, face: str | None = None, stroke: bool = False):
        """Draw `s` with its baseline at `top` + 0.88 size from the page top; `justify_to` spreads the
        chars so that the line ends at that x, as a justified line does."""
        c = self.c
        size = round(size, 1)
        t = c.beginText(x, HEIGHT - top - 0.88 * size + rise)
        face = "bold" if bold else face
        t.setFont(REGULAR, size + (FACES[face][0] / 100 if face else 0))
        if stroke:                      # fill and stroke: the heavier stroke of a synthetic bold
            c.setLineWidth(size / 30)
            t.setTextRenderMode(2)
        if justify_to and len(s) > 1:
            natural = c.stringWidth(s, REGULAR, size)
            t.setCharSpace((justify_to - x - natural) / (len(s) - 1))
        t.textOut(s)
        c.drawText(t)
        if justify_to:
            return justify_to
        return x + size * len(s) if not s.isascii() else x + c.stringWidth(s, REGULAR, size)

    def runs(self, x: float, top: float, parts: list[tuple[str, dict]], size: float = 16,
             justify_to: float | None = None):
        """Several runs on one line: [(text, {"bold": True}), (marker, {"sup": True}) ...]."""
        for k, (s, opts) in enumerate(parts):
            if opts.get("sup"):
                x = self.text(x, top, s, size=size * 0.58, rise=size * 0.35)
            else:
                last = k == len(parts) - 1
                x = self.text(x, top, s, size=size, bold=opts.get("bold", False), face=opts.get("face"),
                              justify_to=justify_to if last else None)
        return x

    def hline(self, x0: float, x1: float, top: float, width: float = 0.7):
        self.c.setLineWidth(width)
        self.c.line(x0, HEIGHT - top, x1, HEIGHT - top)

    def vline(self, x: float, top: float, bottom: float, width: float = 0.7):
        self.c.setLineWidth(width)
        self.c.line(x, HEIGHT - top, x, HEIGHT - bottom)

    def rect(self, x0: float, top: float, x1: float, bottom: float):
        self.c.setLineWidth(0.7)
        self.c.rect(x0, HEIGHT - bottom, x1 - x0, bottom - top, stroke=1, fill=0)

    def footer(self, n: int):
        self.text(WIDTH / 2 - 20, HEIGHT - 60, f"— {n} —", size=14)

    def new_page(self):
        self.c.showPage()
        self.page += 1

    def save(self, path: Path) -> Path:
        self.c.save()
        with pikepdf.open(io.BytesIO(self.buf.getvalue())) as pdf:
            _restyle(pdf)
            pdf.save(path, deterministic_id=True)
        return path


def _restyle(pdf: pikepdf.Pdf) -> None:
    """Point the runs drawn at a marked size to a copy of the font named after their face."""
    for page in pdf.pages:
        fonts = page.Resources.Font
        renamed: dict[tuple[str, int], str] = {}
        for name in list(fonts.keys()):
            font = fonts[name]
            if "/DescendantFonts" not in font:
                continue
            for mark, face in FACES.values():
                fonts[f"{name}F{mark}"] = pdf.make_indirect(_font_copy(pdf, font, face))
                renamed[(str(name), mark)] = f"{name}F{mark}"
        out = []
        for operands, op in pikepdf.parse_content_stream(page):
            if str(op) == "Tf":
                size = float(operands[1])
                key = (str(operands[0]), round(size * 100) % 10)
                if key in renamed:
                    operands = [pikepdf.Name(renamed[key]), round(size, 1)]
            out.append(pikepdf.ContentStreamInstruction(operands, op))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def _font_copy(pdf: pikepdf.Pdf, font, face: str) -> pikepdf.Dictionary:
    name = pikepdf.Name("/" + face)
    copy = pikepdf.Dictionary({k: font[k] for k in font.keys()})
    copy.BaseFont = name
    desc = pikepdf.Dictionary({k: font.DescendantFonts[0][k] for k in font.DescendantFonts[0].keys()})
    desc.BaseFont = name
    if "/FontDescriptor" in desc:
        fd = pikepdf.Dictionary({k: desc.FontDescriptor[k] for k in desc.FontDescriptor.keys()})
        fd.FontName = name
        desc.FontDescriptor = pdf.make_indirect(fd)
    copy.DescendantFonts = pikepdf.Array([pdf.make_indirect(desc)])
    return copy


def table(doc: Doc, x: list[float], top: float, rows: list[list[str]], row_h: float = 24, size: float = 11,
          merged: dict[int, tuple[int, int]] | None = None, verticals: bool = True, three_line: bool = False):
    """Draw a table; merged = {col: (first_row, last_row)} leaves the inner rules of that column out."""
    merged = merged or {}
    bottom = top + row_h * len(rows)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell:
                doc.text(x[j] + 3, top + i * row_h + (row_h - size) / 2, cell, size=size)
    if three_line:
        for y in (top, top + row_h, bottom):
            doc.hline(x[0], x[-1], y)
        return bottom
    for i in range(len(rows) + 1):
        y = top + i * row_h
        for j in range(len(x) - 1):
            inside = j in merged and merged[j][0] < i <= merged[j][1]
            if not inside:
                doc.hline(x[j], x[j + 1], y)
    if verticals:
        for xv in x:
            doc.vline(xv, top, bottom)
    return bottom


def encrypt(src: Path, dst: Path, user: str = "secret", owner: str = "owner") -> Path:
    with pikepdf.open(src) as pdf:
        pdf.save(dst, encryption=pikepdf.Encryption(user=user, owner=owner))
    return dst


def flate_blanks(mib: int) -> bytes:
    """A zlib stream of `mib` MiB of blanks (a Flate bomb when large), built without compressing them
    all: after a full flush the same input compresses to the same bytes, so one block is repeated;
    the checksum is summed chunk by chunk."""
    chunk = b" " * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(chunk)
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(mib):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + block * mib + c.flush() + adler.to_bytes(4, "big")
