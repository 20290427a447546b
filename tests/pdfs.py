"""Small PDFs built by the tests themselves (reportlab + a CID font every PDF reader knows).

Coordinates are given from the top of an A4 page, like the pipeline's records."""
from __future__ import annotations

import io
import re
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
    """`font`: a registered font name (the STSong CID font by default, or an embedded TrueType font);
    pages listed in `rotated` are saved turned: portrait MediaBox, /Rotate 90, content drawn landscape."""

    def __init__(self, font: str = REGULAR):
        if REGULAR not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(REGULAR))
        self.font = font
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, pageCompression=0)   # pikepdf compresses on save
        self.page = 1
        self.rotated: set[int] = set()
        self._char_space = 0.0          # the Tc in force on this page

    @property
    def height(self) -> float:
        return self.c._pagesize[1]

    def text(self, x: float, top: float, s: str, size: float = 16, bold: bool = False, rise: float = 0.0,
             justify_to: float | None = None, face: str | None = None, stroke: bool = False,
             char_space: float = 0.0):
        """Draw `s` with its baseline at `top` + 0.88 size from the page top; `justify_to` spreads the
        chars so that the line ends at that x, as a justified line does."""
        c = self.c
        size = round(size, 1)
        t = c.beginText(x, self.height - top - 0.88 * size + rise)
        face = "bold" if bold else face
        t.setFont(self.font, size + (FACES[face][0] / 100 if face else 0))
        if stroke:                      # fill and stroke: the heavier stroke of a synthetic bold; Tr and
            c.saveState()               # the line width are graphics state: restored after this run
            c.setLineWidth(size / 30)
            t.setTextRenderMode(2)
        if justify_to and len(s) > 1:
            char_space = (justify_to - x - c.stringWidth(s, self.font, size)) / (len(s) - 1)
        if char_space or self._char_space:
            # Tc is text state: it outlives the text object that set it, so a line set after a justified
            # one would be spread by the earlier line's spacing and overlap what follows it
            t.setCharSpace(char_space)
            self._char_space = char_space
        t.textOut(s)
        c.drawText(t)
        if stroke:
            c.restoreState()
        if justify_to:
            return justify_to
        return x + size * len(s) if not s.isascii() else x + c.stringWidth(s, self.font, size)

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
        self.c.line(x0, self.height - top, x1, self.height - top)

    def vline(self, x: float, top: float, bottom: float, width: float = 0.7):
        self.c.setLineWidth(width)
        self.c.line(x, self.height - top, x, self.height - bottom)

    def rect(self, x0: float, top: float, x1: float, bottom: float):
        self.c.setLineWidth(0.7)
        self.c.rect(x0, self.height - bottom, x1 - x0, bottom - top, stroke=1, fill=0)

    def footer(self, n: int):
        self.text(WIDTH / 2 - 20, HEIGHT - 60, f"— {n} —", size=14)

    def new_page(self):
        self.c.showPage()
        self.page += 1
        self._char_space = 0.0

    def save(self, path: Path) -> Path:
        self.c.save()
        with pikepdf.open(io.BytesIO(self.buf.getvalue())) as pdf:
            _restyle(pdf)
            for i in self.rotated:
                _turn(pdf, pdf.pages[i - 1])
            pdf.save(path, deterministic_id=True)
        return path


def _restyle(pdf: pikepdf.Pdf) -> None:
    """Point the runs drawn at a marked size to a copy of the font named after their face."""
    faces = {mark: face for mark, face in FACES.values()}
    copies: dict[tuple, pikepdf.Object] = {}        # (font object, mark) → its copy, once per document
    for page in pdf.pages:
        fonts = page.Resources.Font

        def rename(m: re.Match) -> bytes:
            name, size = "/" + m.group(1).decode(), float(m.group(2))
            mark = round(size * 100) % 10
            font = fonts.get(name)
            if mark not in faces or font is None:
                return m.group(0)
            key = (font.objgen, mark)
            if key not in copies:
                copies[key] = pdf.make_indirect(_font_copy(pdf, font, faces[mark], mark))
            fonts[f"{name}F{mark}"] = copies[key]
            return f"{name}F{mark} {round(size, 1):g} Tf".encode()

        content = b"\n".join(c.read_bytes() for c in _streams(page.obj.Contents))
        page.Contents = pdf.make_stream(re.sub(rb"/([A-Za-z0-9+._-]+) ([0-9.]+) Tf", rename, content))


def _streams(contents) -> list:
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def _font_copy(pdf: pikepdf.Pdf, font, face: str, mark: int) -> pikepdf.Dictionary:
    """A copy of `font` named `face`; an embedded TrueType subset keeps its own name, + -Bold / -Kai."""
    if "/DescendantFonts" not in font:
        face = str(font.BaseFont)[1:] + ("-Bold" if mark == 1 else "-Kai")
    name = pikepdf.Name("/" + face)
    copy = pikepdf.Dictionary({k: font[k] for k in font.keys()})
    copy.BaseFont = name
    if "/DescendantFonts" not in font:
        fd = pikepdf.Dictionary({k: font.FontDescriptor[k] for k in font.FontDescriptor.keys()})
        fd.FontName = name
        copy.FontDescriptor = pdf.make_indirect(fd)
        return copy
    desc = pikepdf.Dictionary({k: font.DescendantFonts[0][k] for k in font.DescendantFonts[0].keys()})
    desc.BaseFont = name
    if "/FontDescriptor" in desc:
        fd = pikepdf.Dictionary({k: desc.FontDescriptor[k] for k in desc.FontDescriptor.keys()})
        fd.FontName = name
        desc.FontDescriptor = pdf.make_indirect(fd)
    copy.DescendantFonts = pikepdf.Array([pdf.make_indirect(desc)])
    return copy


def _turn(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    """A page drawn landscape (W x H, W > H) saved as a portrait MediaBox (H x W) with /Rotate 90:
    a viewer turns it clockwise, showing the landscape drawing upright."""
    x0, y0, w, h = (float(v) for v in page.MediaBox)
    page.contents_add(pdf.make_stream(f"q 0 1 -1 0 {h:g} 0 cm\n".encode()), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ"), prepend=False)
    page.MediaBox = pikepdf.Array([0, 0, h, w])
    page.Rotate = 90


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


def ruled_table(d: Doc, x: list[float], top: float, rows: list, h: float = 24, size: float = 11) -> float:
    """A ruled table of rows `h` high; a row given as one string is a group or section row across the
    whole table. Returns its bottom."""
    for i, row in enumerate(rows):
        y = top + i * h
        d.hline(x[0], x[-1], y)
        for xv in (x if not isinstance(row, str) else (x[0], x[-1])):
            d.vline(xv, y, y + h)
        for j, cell in enumerate([row] if isinstance(row, str) else row):
            if cell:
                d.text(x[j] + 3, y + (h - size) / 2, cell, size=size)
    d.hline(x[0], x[-1], top + h * len(rows))
    return top + h * len(rows)


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


PAYLOADS = {            # where in the notice → markup that must show as text on the review page
    "title": "关于<script>alert('title')</script>的通知",
    "heading": "一、<img/src=x/onerror=alert('heading')>",
    "paragraph": "详见<a/href=\"javascript:alert('para')\">链接</a>与</svg><script>alert('svg')</script>。",
    "cell": "<b/onmouseover=alert('cell')>道路</b>",
    "note": "</title><script>alert('note')</script>",
}
HOSTILE_NAME = "evil<img src=x onerror=alert('file')>"      # spaces and all: a file name is taken as it is


def hostile_notice(folder: Path) -> Path:
    """A small notice whose title, heading, paragraph, table cell, footnote and file name are script
    payloads, for the review page's escaping."""
    d = Doc()
    d.text(60, 80, PAYLOADS["title"], size=22)
    d.text(60, 130, "各街镇：现将计划印发给你们。")
    d.text(60, 170, "附件2")
    d.text(92, 200, PAYLOADS["heading"])
    d.text(92, 230, PAYLOADS["paragraph"])
    d.text(92 + d.c.stringWidth(PAYLOADS["paragraph"], REGULAR, 16), 230, "1", size=16 * 0.58, rise=16 * 0.35)
    d.text(60, 280, "表1：2025年主要目标", size=14)
    table(d, [60, 100, 300, 460], 310, [["序号", "指标内容", "2025年预期目标"], ["1", PAYLOADS["cell"], "增长6%"]])
    d.hline(60, 170, 700)
    d.runs(60, 708, [("1", {"sup": True}), (PAYLOADS["note"], {})], size=10.5)
    return d.save(folder / f"{HOSTILE_NAME}.pdf")
