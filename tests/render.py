"""A typesetter of our own: a ground-truth notice (tests/fixtures/*.golden.json) set as a complete
notice PDF in a chosen `Style`, and the ground truth that style implies.

The notice: a cover (title, addressee, body, the attachment list, issuer and date), 附件1 with the
indicator and project tables (titles 表N, headers repeated on every page a table continues onto,
table notes), 附件2 the report (title, numbered headings, bold leads, paragraphs broken across
pages, footnote markers with their notes at the page foot) and a page number on every page.

Each axis of `Style` varies one thing a typesetter chooses; `derive` gives the golden dict and the
expected values (same formats as the fixtures) of what a style prints, e.g. a 单位 column moves the
unit out of "25家" so the cell reads "25".
"""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from pdfs import REGULAR, Doc

A4 = (595.28, 841.89)
MM = 72 / 25.4

# Embedded TrueType faces (Debian fonts-arphic-uming, fonts-arphic-ukai, fonts-wqy-microhei; the
# Makefile installs them): name → (file, index in the collection). "stsong" is the CID font every
# PDF reader knows, not embedded.
FONT_FILES = {
    "serif": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),      # AR PL UMing CN
    "sans": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),   # WenQuanYi Micro Hei
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),         # AR PL UKai CN
}
CN_DIGITS = "一二三四五六七八九十"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
NO_BREAK_BEFORE = set("，。、；：！？）》」』”’%．,.;:!?)]}…·")
NO_BREAK_AFTER = set("（《「『“‘([{")
LATIN = re.compile(r"[A-Za-z0-9.%+\-/:²³_]+")


@dataclass(frozen=True)
class Style:
    """One typesetter's choices; every axis is independent of the others."""
    name: str = "plain"
    rules: str = "grid"             # grid (line segments) | cells (a rectangle per cell) | three_line | none
    category: str = "merged"        # 类别 column with a merged cell | first_row (printed once) | group_rows (一、…)
    units: str = "cell"             # in the cell | column (a 单位 column, bare numbers) | header (总投资（万元）)
    header_rows: int = 1            # 1 | 2 (a year cell spanning 目标 and 完成情况)
    marker: str = "superscript"     # superscript (smaller digit) | circled (①, body size, raised) | bracketed ([1])
    orientation: str = "portrait"   # of the table pages: portrait | landscape (wide MediaBox) | rotate (/Rotate 90)
    page_numbers: str = "dash"      # dash ("— N —" centred) | alternate (outer corner) | chinese ("第 N 页")
    body_size: float = 16.0
    table_size: float = 12.0
    margins: tuple[float, float, float, float] = (37 * MM, 35 * MM, 28 * MM, 26 * MM)   # top, bottom, left, right
    justify: bool = True            # justified lines, or ragged right
    font: str = "serif"             # serif | sans | kai (embedded TrueType) | stsong (the CID font)
    extra_columns: bool = False     # project tables with a 建设单位 column no output has a field for
    bold_ink: bool = False          # bold also drawn heavier (filled and stroked): a bold face's look, which
                                    # a scan keeps (the bold face is otherwise the regular glyphs renamed)

    def __post_init__(self):
        choices = {"rules": ("grid", "cells", "three_line", "none"),
                   "category": ("merged", "first_row", "group_rows"), "units": ("cell", "column", "header"),
                   "header_rows": (1, 2), "marker": ("superscript", "circled", "bracketed"),
                   "orientation": ("portrait", "landscape", "rotate"),
                   "page_numbers": ("dash", "alternate", "chinese"), "font": ("stsong", *FONT_FILES)}
        for axis, allowed in choices.items():
            if getattr(self, axis) not in allowed:
                raise ValueError(f"style {self.name}: {axis} must be one of {allowed}")


def missing_fonts(style: Style) -> list[str]:
    if style.font == "stsong":
        return []
    path = FONT_FILES[style.font][0]
    return [] if Path(path).exists() else [path]


# ------------------------------------------------------------------ what a style prints

@dataclass
class Printed:
    """The derived ground truth and what the tables print beyond it."""
    golden: dict
    values: list[dict]
    units: dict[tuple[int, int], str] = field(default_factory=dict)   # (table_no, seq) → 单位 column


def derive(golden: dict, values: list[dict], style: Style) -> Printed:
    """The ground truth of `golden` typeset in `style`. Only a 单位 column changes printed cell text:
    a row whose every measure cell states one quantity ("增长6.5%", "达到25家") prints it bare
    ("增长6.5", "达到25") with the unit in the column, and the indicator's texts are those printed;
    the quantities (values) are the same. Group rows keep the category without its list number,
    money in 万元 keeps investment_yi, so neither changes the ground truth."""
    g = copy.deepcopy(golden)
    out = Printed(g, copy.deepcopy(values))
    if style.units != "column" or is_corpus(golden):     # a corpus notice prints the columns it lists
        return out
    by_cell: dict[tuple, list[dict]] = {}
    for v in values:
        by_cell.setdefault((v["table_no"], v["seq"], v["measure"]), []).append(v)
    for t in g["tables"]:
        if t["kind"] != "indicators":
            continue
        measures = [("target", "target_text")] + ([("actual", "actual_text")] if _has_actual(t) else [])
        for row in t["rows"]:
            split = [_bare(row[f], by_cell.get((t["table_no"], row["seq"], m), [])) for m, f in measures]
            if all(split) and len({norm(u) for _, u in split}) == 1:
                for (_, f), (bare, _) in zip(measures, split, strict=True):
                    row[f] = bare
                out.units[(t["table_no"], row["seq"])] = split[0][1]
    return out


def _bare(text: str | None, quantities: list[dict]) -> tuple[str, str] | None:
    """"达到25家" with its one quantity 25 家 → ("达到25", "家"); None when the cell is not one quantity."""
    if not text or len(quantities) != 1:
        return None
    q = quantities[0]
    m = re.fullmatch(r"(\D*?)(\d+(?:\.\d+)?)(\D+)", text)
    if not m or norm(m.group(3)) != norm(q["unit"]) or float(m.group(2)) != abs(q["value"]):
        return None
    return m.group(1) + m.group(2), m.group(3)


def _has_actual(t: dict) -> bool:
    return any(r.get("actual_text") is not None or r.get("progress_text") is not None for r in t["rows"])


def norm(s: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


# ------------------------------------------------------------------ tables as printed

@dataclass
class Box:
    """A printed cell: rows r0..r1 and columns c0..c1 inclusive (within its band), text, look."""
    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    bold: bool = False
    center: bool = False


@dataclass
class Row:
    cells: list[str]                # one per column ("" for an empty cell)
    span: str | None = None         # a full-width row (group / section) with this text
    group: int | None = None        # the category group of an indicator row (merged / first_row)
    category: str = ""


@dataclass
class TableSpec:
    table_no: int
    title: str
    widths: list[float]             # shares of the table width
    header: list[Box]               # in header-row coordinates
    header_rows: int
    rows: list[Row]
    category_col: int | None        # the 类别 column (merged / first_row)
    center_cols: set[int]
    note: str | None = None
    label: str | None = None        # None: "表N：title" on one line; else this line (may be "") above the title


def table_spec(t: dict, p: Printed, style: Style) -> TableSpec:
    note = next((n["text"] for n in p.golden.get("table_notes", []) if n["table_no"] == t["table_no"]), None)
    if t["kind"] == "indicators":
        return _indicator_spec(t, p, style, note)
    return _project_spec(t, style, note)


def _indicator_spec(t: dict, p: Printed, style: Style, note) -> TableSpec:
    actual = _has_actual(t)
    group_rows = style.category == "group_rows"
    cols = [("序号", 0.08), ("类别", 0.13), ("指标内容", 0.29)]
    if group_rows:
        cols.pop(1)
    if style.units == "column":
        cols.append(("单位", 0.07))
    year = f"{t['year']}年"
    measures = [(t["header"][3], "预期目标", 0.22)] + ([(t["header"][4], "完成情况", 0.26)] if actual else [])
    header = _header(cols, measures, year, style)
    widths = [w for _, w in cols] + [w for _, _, w in measures]
    rows, groups = [], []
    for r in t["rows"]:
        if r["category"] not in groups:
            groups.append(r["category"])
            if group_rows:
                rows.append(Row([], span=f"{CN_DIGITS[len(groups) - 1]}、{r['category']}"))
        cells = [str(r["seq"])] + ([] if group_rows else [""]) + [r["indicator"]]
        if style.units == "column":
            cells.append(p.units.get((t["table_no"], r["seq"]), ""))
        cells += [r["target_text"]] + ([r["actual_text"] or ""] if actual else [])
        rows.append(Row(cells, group=len(groups) - 1, category=r["category"]))
    return TableSpec(t["table_no"], t["title"], _shares(widths), header, style.header_rows, rows,
                     None if group_rows else 1, {0} if group_rows else {0, 1}, note)


def _project_spec(t: dict, style: Style, note) -> TableSpec:
    actual = _has_actual(t)
    money = "总投资（万元）" if style.units == "header" else t["header"][2]
    cols = [("序号", 0.08), ("项目名称", 0.41), (money, 0.13)]
    year = f"{t['year']}年"
    measures = [(t["header"][3], "目标", 0.1)] + ([(t["header"][4], "完成情况", 0.28)] if actual else [])
    extra = [("建设单位", 0.14)] if style.extra_columns else []
    header = _header(cols, measures, year, style, extra)
    widths = [w for _, w in cols] + [w for _, _, w in measures] + [w for _, w in extra]
    rows, section = [], None
    for k, r in enumerate(t["rows"]):
        key = (r["section_no"], r["section"])
        if key != section:
            section = key
            count = f"（{r['section_declared_count']}项）" if r["section_declared_count"] is not None else ""
            rows.append(Row([], span=f"（{r['section_no']}）{r['section']}{count}"))
        money_text = _money(r["investment_yi"], "万元" if style.units == "header" else "亿元")
        cells = [str(r["seq"]), r["name"], money_text, r["target_stage"]]
        cells += [r["progress_text"] or ""] if actual else []
        cells += [BUILDERS[k % len(BUILDERS)]] if extra else []
        rows.append(Row(cells))
    return TableSpec(t["table_no"], t["title"], _shares(widths), header, style.header_rows, rows, None,
                     {0, 2, 3}, note)


BUILDERS = ("区建设管理委", "区交通委", "区教育局", "区卫生健康委", "区城投集团")


def _money(yi: float, unit: str) -> str:
    v = Decimal(str(yi)) * (10_000 if unit == "万元" else 1)
    text = format(v.normalize(), "f")
    return text


def _shares(widths: list[float]) -> list[float]:
    total = sum(widths)
    return [w / total for w in widths]


def _header(cols, measures, year: str, style: Style, extra=()) -> list[Box]:
    """One header row with the printed texts, or two: a year cell spanning the measure columns
    (目标 / 完成情况 under it), the other columns spanning both rows."""
    n = len(cols)
    if style.header_rows == 1:
        texts = [c for c, _ in cols] + [m for m, _, _ in measures] + [c for c, _ in extra]
        return [Box(0, j, 0, j, s, bold=True, center=True) for j, s in enumerate(texts)]
    boxes = [Box(0, j, 1, j, c, bold=True, center=True) for j, (c, _) in enumerate(cols)]
    boxes.append(Box(0, n, 0, n + len(measures) - 1, year, bold=True, center=True))
    boxes += [Box(1, n + k, 1, n + k, short, bold=True, center=True) for k, (_, short, _) in enumerate(measures)]
    e0 = n + len(measures)
    boxes += [Box(0, e0 + k, 1, e0 + k, c, bold=True, center=True) for k, (c, _) in enumerate(extra)]
    return boxes


# ------------------------------------------------------------------ the typesetter

class Setter:
    def __init__(self, style: Style):
        self.s = style
        self.font = _register(style.font)
        self.doc = Doc(font=self.font)
        self.c = self.doc.c
        self._widths: dict[str, float] = {}
        self.page_no = 1
        self.landscape = False
        self.notes: list[tuple[int, str]] = []       # footnotes whose markers are on this page
        self._geometry()
        self.y = self.top

    # ---- pages

    def _geometry(self):
        self.W, self.H = (A4[1], A4[0]) if self.landscape else A4
        top, bottom, left, right = self.s.margins
        if self.landscape:
            top, bottom, left, right = 28 * MM, 28 * MM, 30 * MM, 30 * MM
        self.top, self.bottom_limit = top, self.H - bottom
        self.left, self.right = left, self.W - right
        self.c.setPageSize((self.W, self.H))

    def new_page(self, landscape: bool | None = None):
        self._finish_page()
        self.doc.new_page()
        self.page_no += 1
        if landscape is not None:
            self.landscape = landscape
        self._geometry()
        if self.landscape and self.s.orientation == "rotate":
            self.doc.rotated.add(self.page_no)
        self.y = self.top
        self.notes = []

    def _finish_page(self):
        if self.notes:
            self._draw_notes()
        size = 14.0 if self.s.page_numbers != "chinese" else 10.5
        text = f"第 {self.page_no} 页" if self.s.page_numbers == "chinese" else f"— {self.page_no} —"
        w = self.width(text, size)
        margin = self.H - self.bottom_limit
        top = self.bottom_limit + margin / 2 - size / 2
        if self.s.page_numbers == "alternate":
            x = self.right - size - w if self.page_no % 2 else self.left + size
        else:
            x = (self.W - w) / 2
        self.draw(x, top, text, size)

    def save(self, path: Path) -> Path:
        self._finish_page()
        return self.doc.save(path)

    # ---- text primitives

    def width(self, text: str, size: float) -> float:
        """Advance of `text` (char widths add up: no kerning here), from a per-char cache."""
        cache = self._widths
        total = 0.0
        for ch in text:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = self.c.stringWidth(ch, self.font, 1000) / 1000
            total += w
        return total * round(size, 1)

    def draw(self, x: float, top: float, text: str, size: float, face: str | None = None, rise: float = 0.0,
             char_space: float = 0.0) -> float:
        self.doc.text(x, top, text, size=size, face=face, rise=rise, char_space=char_space,
                      stroke=self.s.bold_ink and face == "bold")
        return x + self.width(text, size) + char_space * len(text)

    # ---- footnotes

    def note_size(self) -> float:
        return max(8.0, round(0.65 * self.s.body_size * 2) / 2)

    def _note_lines(self, no: int, text: str) -> list[tuple[str, float]]:
        size = self.note_size()
        label = self._note_label(no)
        indent = self._label_width(label) + 0.3 * size
        return _wrap(text, lambda s: self.width(s, size), self.right - self.left - indent)

    def _note_label(self, no: int) -> str:
        return {"superscript": str(no), "circled": CIRCLED[no - 1], "bracketed": f"[{no}]"}[self.s.marker]

    def _label_width(self, label: str) -> float:
        size = self.note_size()
        return self.width(label, size * (0.62 if self.s.marker == "superscript" else 1))

    def _notes_block(self, notes: list[tuple[int, str]]) -> float:
        """Height the notes take at the page foot: their lines, and above them the separator rule."""
        lines = sum(len(self._note_lines(no, text)) for no, text in notes)
        return (self.s.body_size + lines * 1.45 * self.note_size()) if notes else 0.0

    def _draw_notes(self):
        size = self.note_size()
        pitch = 1.45 * size
        y = self.bottom_limit - self._notes_block(self.notes) + self.s.body_size
        self.doc.hline(self.left, self.left + 0.3 * (self.right - self.left), y - 0.5 * self.s.body_size, width=0.5)
        for no, text in self.notes:
            label = self._note_label(no)
            if self.s.marker == "superscript":
                self.draw(self.left, y + 0.88 * size - 0.88 * 0.62 * size, label, 0.62 * size, rise=0.35 * size)
            else:
                self.draw(self.left, y, label, size)
            indent = self._label_width(label) + 0.3 * size
            for line, _ in self._note_lines(no, text):
                self.draw(self.left + indent, y, line, size)
                y += pitch

    # ---- paragraphs

    def paragraph(self, runs: list[tuple[str, str | None]], size: float | None = None, indent: float = 2,
                  hang: float = 0, align: str = "justify", notes: dict[int, str] | None = None,
                  pitch: float | None = None):
        """Set runs [(text, face)] (face None, "bold", "kai" or "marker:N") as lines: `indent` and `hang`
        in chars for the first and the following lines; align justify | left | center | right."""
        size = size or self.s.body_size
        pitch = pitch or 1.75 * size
        notes = notes or {}
        atoms = _atoms(runs)
        widths = [sum(self._atom_width(piece, size) for piece in atom) for atom in atoms]
        lines = _break(atoms, widths, (self.right - self.left) - indent * size, (self.right - self.left) - hang * size)
        for k, line in enumerate(lines):
            new_notes = [(int(f[7:]), notes[int(f[7:])]) for _, f in line
                         if f and f.startswith("marker:") and int(f[7:]) in notes]
            if self.y + size > self.bottom_limit - self._notes_block(self.notes + new_notes):
                self.new_page()
            self.notes += new_notes
            x0 = self.left + (indent if k == 0 else hang) * size
            natural = sum(self._atom_width(a, size) for a in line)
            room = self.right - x0
            cs = 0.0
            if align == "justify" and self.s.justify and k < len(lines) - 1:
                chars = sum(len(a[0]) for a in line)
                cs = (room - natural) / max(1, chars - 1)
            elif align == "center":
                x0 = self.left + (self.right - self.left - natural) / 2
            elif align == "right":
                x0 = self.right - natural - indent * size
            x = x0
            for text, face in _merge(line):
                if face and face.startswith("marker:"):
                    x = self._marker(x, text, size, cs)
                else:
                    x = self.draw(x, self.y, text, size, face=face, char_space=cs)
            self.y += pitch

    def _atom_width(self, atom: tuple[str, str | None], size: float) -> float:
        text, face = atom
        if face and face.startswith("marker:"):
            return self.width(text, self._marker_size(size))
        return self.width(text, size)

    def _marker_size(self, size: float) -> float:
        return size if self.s.marker == "circled" else round(0.58 * size, 1)

    def _marker(self, x: float, text: str, size: float, cs: float) -> float:
        msize = self._marker_size(size)
        rise = 0.3 * size if self.s.marker == "circled" else 0.35 * size
        return self.draw(x, self.y + 0.88 * (size - msize), text, msize, rise=rise, char_space=cs)

    def marker_text(self, no: int) -> str:
        return self._note_label(no)

    def skip(self, lines: float):
        self.y += lines * self.s.body_size

    # ---- tables

    def table(self, spec: TableSpec):
        ts = self.s.table_size
        pad, lh = 0.4 * ts, 1.3 * ts
        xs = [self.left]
        for w in spec.widths:
            xs.append(xs[-1] + w * (self.right - self.left))
        n = len(spec.widths)

        def cell_lines(text: str, c0: int, c1: int) -> list[str]:
            return [s for s, _ in _wrap(text, lambda s: self.width(s, ts), xs[c1 + 1] - xs[c0] - 2 * pad,
                                        anywhere=True)] if text else []

        def height(lines_per_cell: list[int]) -> float:
            return max([1, *lines_per_cell]) * lh + 2 * pad

        head_h = [height([len(cell_lines(b.text, b.c0, b.c1)) for b in spec.header if b.r0 == b.r1 == r])
                  for r in range(spec.header_rows)]
        firsts = {next(k for k, r in enumerate(spec.rows) if r.group == g and not r.span)
                  for g in {r.group for r in spec.rows if r.group is not None}}
        row_h = [height([len(cell_lines(row.span, 0, n - 1))] if row.span else
                        [len(cell_lines(row.category if k in firsts else s, j, j)) if j == spec.category_col
                         else len(cell_lines(s, j, j)) for j, s in enumerate(row.cells)])
                 for k, row in enumerate(spec.rows)]
        title = f"表{spec.table_no}：{spec.title}" if spec.label is None else spec.title
        title_size = 14.0
        first_rows = sum(row_h[:3])
        label_h = 1.75 * self.s.body_size if spec.label else 0.0
        if self.y + label_h + 2.2 * title_size + sum(head_h) + first_rows > self.bottom_limit:
            self.new_page()
        if spec.label:
            self.paragraph([(spec.label, "bold")], indent=0, align="left")
        self.paragraph([(title, "bold")], size=title_size, indent=0, align="center", pitch=1.6 * title_size)
        self.y += 0.3 * title_size
        # the note under the table stays with its last row (as a typesetter's "keep with next" does): a
        # note's line alone at the top of the next page is no table note any reader would see
        note_h = (0.4 * self.s.body_size + 1.75 * 10.5 * len(_wrap(spec.note, lambda s: self.width(s, 10.5),
                                                                      self.right - self.left))) if spec.note else 0.0
        i = 0
        seen_groups: set[int] = set()
        while i < len(spec.rows):
            top = self.y
            boxes = [replace(b) for b in spec.header]
            ys = [top]
            for h in head_h:
                ys.append(ys[-1] + h)
            band = spec.header_rows
            start = i
            while i < len(spec.rows) and ys[-1] + row_h[i] + (note_h if i == len(spec.rows) - 1 else 0) <= self.bottom_limit:
                ys.append(ys[-1] + row_h[i])
                i += 1
            if i == start:
                raise ValueError(f"a row of table {spec.table_no} is taller than a page")
            frag = spec.rows[start:i]
            for k, row in enumerate(frag):
                r = band + k
                if row.span:
                    boxes.append(Box(r, 0, r, n - 1, row.span, bold=True))
                    continue
                for j, text in enumerate(row.cells):
                    if j != spec.category_col:
                        boxes.append(Box(r, j, r, j, text, center=j in spec.center_cols))
            if spec.category_col is not None:
                boxes += self._category_boxes(frag, band, spec.category_col, seen_groups)
            self._draw_fragment(boxes, xs, ys, band, spec, cell_lines, pad, lh)
            self.y = ys[-1]
            if i < len(spec.rows):
                self.new_page()
        self.y += 0.4 * self.s.body_size
        if spec.note:
            self.paragraph([(spec.note, None)], size=10.5, indent=0, align="left")
        self.y += 1.2 * self.s.body_size

    def _category_boxes(self, frag: list[Row], band: int, col: int, seen: set[int]) -> list[Box]:
        """The 类别 cells of one page's rows: a merged cell per group (its text in the part where the
        group starts), or the category printed in the group's first row only."""
        boxes = []
        k = 0
        while k < len(frag):
            row = frag[k]
            if row.span:
                k += 1
                continue
            end = k
            while end + 1 < len(frag) and frag[end + 1].group == row.group and not frag[end + 1].span:
                end += 1
            first = row.group not in seen
            seen.add(row.group)
            if self.s.category == "merged":
                boxes.append(Box(band + k, col, band + end, col, row.category if first else "", center=True))
            else:
                for m in range(k, end + 1):
                    boxes.append(Box(band + m, col, band + m, col, row.category if first and m == k else "",
                                     center=True))
            k = end + 1
        return boxes

    def _draw_fragment(self, boxes: list[Box], xs, ys, band: int, spec: TableSpec, cell_lines, pad, lh):
        ts = self.s.table_size
        for b in boxes:
            lines = cell_lines(b.text, b.c0, b.c1)
            x0, x1 = xs[b.c0] + pad, xs[b.c1 + 1] - pad
            top = (ys[b.r0] + ys[b.r1 + 1]) / 2 - len(lines) * lh / 2 + (lh - ts) / 2
            for k, line in enumerate(lines):
                x = x0 + (x1 - x0 - self.width(line, ts)) / 2 if b.center else x0
                self.draw(x, top + k * lh, line, ts, face="bold" if b.bold else None)
        rules = self.s.rules
        if rules == "cells":
            for b in boxes:
                self.doc.rect(xs[b.c0], ys[b.r0], xs[b.c1 + 1], ys[b.r1 + 1])
        elif rules == "grid":
            for x0, top, x1, bottom in _segments(boxes, xs, ys):
                if top == bottom:
                    self.doc.hline(x0, x1, top)
                else:
                    self.doc.vline(x0, top, bottom)
        elif rules == "three_line":
            self.doc.hline(xs[0], xs[-1], ys[0], width=1.5)
            self.doc.hline(xs[0], xs[-1], ys[band], width=0.75)
            self.doc.hline(xs[0], xs[-1], ys[-1], width=1.5)
            for b in boxes:              # the short rule under a spanning header cell
                if b.r1 < band - 1 and b.c1 > b.c0:
                    self.doc.hline(xs[b.c0] + 2, xs[b.c1 + 1] - 2, ys[b.r1 + 1], width=0.5)


def _segments(boxes: list[Box], xs, ys) -> list[tuple[float, float, float, float]]:
    """The ruling of a grid as long lines: every box edge, joined where edges continue."""
    hs: dict[float, set[int]] = {}
    vs: dict[float, set[int]] = {}
    for b in boxes:
        for y in (b.r0, b.r1 + 1):
            hs.setdefault(y, set()).update(range(b.c0, b.c1 + 1))
        for x in (b.c0, b.c1 + 1):
            vs.setdefault(x, set()).update(range(b.r0, b.r1 + 1))
    out = []
    for r, cols in hs.items():
        for a, b in _runs(cols):
            out.append((xs[a], ys[r], xs[b + 1], ys[r]))
    for c, rows in vs.items():
        for a, b in _runs(rows):
            out.append((xs[c], ys[a], xs[c], ys[b + 1]))
    return out


def _runs(ids: set[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


# ------------------------------------------------------------------ line breaking

def _atoms(runs: list[tuple[str, str | None]]) -> list[list[tuple[str, str | None]]]:
    """Unbreakable groups of (text, face): a Chinese char, a Latin/number word, with the closing
    punctuation and markers after them and the opening punctuation before them glued on."""
    pieces: list[tuple[str, str | None]] = []
    for text, face in runs:
        if face and face.startswith("marker:"):
            pieces.append((text, face))
            continue
        k = 0
        while k < len(text):
            m = LATIN.match(text, k)
            end = m.end() if m else k + 1
            pieces.append((text[k:end], face))
            k = end
    groups: list[list[tuple[str, str | None]]] = []
    glue_next = False
    for text, face in pieces:
        glue_prev = (face or "").startswith("marker:") or text[0] in NO_BREAK_BEFORE
        if groups and (glue_prev or glue_next):
            groups[-1].append((text, face))
        else:
            groups.append([(text, face)])
        glue_next = text[-1] in NO_BREAK_AFTER and not (face or "").startswith("marker:")
    return groups


def _break(atoms, widths_of_atom, first: float, rest: float):
    """Greedy lines of atoms (each a group of (text, face)), flattened back to (text, face) pieces."""
    lines: list[list[tuple[str, str | None]]] = [[]]
    used = 0.0
    for atom, w in zip(atoms, widths_of_atom, strict=True):
        room = first if len(lines) == 1 else rest
        if lines[-1] and used + w > room + 0.01:
            lines.append([])
            used = 0.0
        lines[-1].extend(atom)
        used += w
    return [ln for ln in lines if ln]


def _merge(line: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    out: list[list] = []
    for text, face in line:
        if out and out[-1][1] == face and not (face or "").startswith("marker:"):
            out[-1][0] += text
        else:
            out.append([text, face])
    return [(t, f) for t, f in out]


def _wrap(text: str, width_of, room: float, anywhere: bool = False) -> list[tuple[str, float]]:
    """Plain text broken into lines no wider than `room` (in table cells: between any two chars)."""
    if anywhere:
        atoms = [[(ch, None)] for ch in text]
    else:
        atoms = _atoms([(text, None)])
    widths = [width_of("".join(t for t, _ in a)) for a in atoms]
    lines = _break(atoms, widths, room, room)
    return [("".join(t for t, _ in ln), width_of("".join(t for t, _ in ln))) for ln in lines]


def _register(font: str) -> str:
    if font == "stsong":
        return REGULAR
    name = {"serif": "UMingCN", "sans": "WenQuanYiMicroHei", "kai": "UKaiCN"}[font]
    if name not in pdfmetrics.getRegisteredFontNames():
        path, index = FONT_FILES[font]
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


# ------------------------------------------------------------------ the notice

def render(golden: dict, values: list[dict], style: Style, path: Path) -> Printed:
    """Typeset the notice `golden` in `style` into `path`; returns the ground truth of what it prints."""
    if is_corpus(golden):
        return render_corpus(golden, values, style, path)
    p = derive(golden, values, style)
    g = p.golden
    s = Setter(style)
    notice = g["notice"]
    body = style.body_size
    _cover(s, g, notice)
    s.new_page(landscape=style.orientation != "portrait")
    s.paragraph([("附件1", None)], indent=0, align="left")
    s.skip(0.5)
    s.paragraph([(notice["attachments"][0], "bold")], size=22, indent=0, align="center", pitch=1.6 * 22)
    s.skip(1)
    for t in g["tables"]:
        s.table(table_spec(t, p, style))
    s.new_page(landscape=False)
    s.paragraph([("附件2", None)], indent=0, align="left")
    s.skip(0.5)
    _report(s, g, body)
    s.save(path)
    return p


def _cover(s: Setter, g: dict, notice: dict):
    s.skip(1)
    s.paragraph([(notice["title"], "bold")], size=22, indent=0, align="center", pitch=1.55 * 22)
    s.skip(1.5)
    paras = [b for b in g["narrative"] if b["part"] == "notice"]
    for k, b in enumerate(paras):
        text = b["text"]
        if k == 0 and text.endswith("："):
            s.paragraph([(text, None)], indent=0, align="left")
        elif k >= len(paras) - 2:                     # issuer, then date, flush right
            if k == len(paras) - 2:
                s.skip(2)
            s.paragraph([(text, None)], indent=2 if k == len(paras) - 2 else 3, align="right")
        elif re.match(r"^\d+、", text):                 # an attachment item, wrapped under its text
            label = re.match(r"^\d+、", text).group(0)
            hang = 3 + s.width(label, s.s.body_size) / s.s.body_size
            s.paragraph([(text, None)], indent=3, hang=hang)
        else:
            if text == "附件：":
                s.skip(0.75)
            s.paragraph([(text, None)], indent=2, align="left" if len(text) < 20 else "justify")


# 一、 黑体 (bold), （一） 楷体, 1. the body face in bold, （1） the body face (GB/T 9704 habits)
HEADING_FACES = {1: "bold", 2: "kai", 3: "bold", 4: None}


def _report(s: Setter, g: dict, body: float, at_foot: bool = True, after=None):
    """The report's narrative items; `at_foot`: each note at the foot of its marker's page (else the
    markers only); `after(item)` is called after each item is set (tables inside the report)."""
    paras = [b for b in g["narrative"] if b["part"] == "report"]
    notes = {f["no"]: f["text"] for f in g["footnotes"]}
    anchors = {f["no"]: f["anchor"] for f in g["footnotes"]}
    first_heading = next((k for k, b in enumerate(paras) if b["kind"] == "heading"), len(paras))
    for k, b in enumerate(paras):
        text = b["text"]
        if k == 0:                                      # the report's title
            s.paragraph([(text, "bold")], size=22, indent=0, align="center", pitch=1.6 * 22)
            s.skip(0.5)
        elif k < first_heading and under_title(text):
            s.skip(0 if text.startswith(("——", "（")) else 1)      # subtitle or approval line, the issuer apart
            s.paragraph([(text, "kai")], indent=0, align="center")
        elif k < first_heading and text.endswith("：") and len(text) <= 10:
            s.skip(1)
            s.paragraph([(text, None)], indent=0, align="left")
        elif b["kind"] == "heading":
            s.paragraph([(text, HEADING_FACES[b["level"]])], indent=2, align="left")
        else:
            runs = _with_markers(text, b.get("lead"), b["footnote_refs"], anchors, s)
            s.paragraph(runs, indent=2, notes={no: notes[no] for no in b["footnote_refs"] if at_foot})
        if after:
            after(b)


def under_title(text: str) -> bool:
    """A line set centred under the report's title: `——2024年1月9日在…会议上`, the approval line in
    brackets `（2024年1月12日…审议批准）`, or the issuer's name."""
    return (text.startswith("——") or (text.startswith("（") and text.endswith("）"))
            or (len(text) <= 20 and not re.search(r"[，。：]", text)))


def _with_markers(text: str, lead: str | None, refs: list[int], anchors: dict[int, str], s: Setter):
    """The paragraph as runs: its bold lead, its text, a marker after each footnote's anchor."""
    cuts: list[tuple[int, int]] = []
    at = 0
    for no in refs:
        k = text.find(anchors[no], at)
        if k < 0:
            raise ValueError(f"anchor of footnote {no} not in its paragraph: {anchors[no]!r}")
        at = k + len(anchors[no])
        cuts.append((at, no))
    runs: list[tuple[str, str | None]] = []
    start = 0
    lead_end = len(lead) if lead and text.startswith(lead) else 0
    for pos in sorted({0, lead_end, len(text), *(c for c, _ in cuts)}):
        if pos > start:
            runs.append((text[start:pos], "bold" if start < lead_end else None))
            start = pos
        for c, no in cuts:
            if c == pos:
                runs.append((s.marker_text(no), f"marker:{no}"))
    return runs


# ------------------------------------------------------------------ corpus notices (tests/corpus/)
# A corpus golden (format: /work/corpus-format.md, kept in tests/corpus/README.md) says what it prints
# beyond the shared goldens: its `layout` and each table's printed `header` and `columns`. Its ground
# truth is the golden itself whatever the style: a style chooses the rules, fonts, sizes, margins,
# page numbers, orientation and markers; the columns, categories, money unit and placement are the
# notice's own.

LAYOUT_DEFAULTS = {"tables_at": "front", "table_label": "表", "notes_at": "page_foot", "marker": "superscript",
                   "producer": "reportlab", "label_at": "own_line"}
LAYOUT_CHOICES = {"tables_at": ("front", "end", "body"), "table_label": ("表", "附表", ""),
                  "notes_at": ("page_foot", "end_of_report"), "marker": ("superscript", "circled", "bracketed"),
                  "producer": ("reportlab", "browser"), "label_at": ("own_line", "title_line")}
# label_at "title_line": the label opens the title line, parted by an ideographic space (表1　某县2024年…)
LABEL_GAP = "\u3000"
# the output field a printed column feeds → its share of the table width, and whether it is centred
COLUMN_LOOK = {"seq": (0.06, True), "category": (0.1, True), "indicator": (0.24, False), "unit": (0.08, True),
               "attribute": (0.08, True), "target_text": (0.18, False), "actual_text": (0.2, False),
               "name": (0.22, False), "investment_yi": (0.12, True), "plan_investment_yi": (0.12, True),
               "target_stage": (0.11, True), "progress_text": (0.2, False), "content": (0.22, False),
               "period": (0.1, True), "builder": (0.11, True), None: (0.1, False)}
MONEY_FIELDS = ("investment_yi", "plan_investment_yi")


def is_corpus(golden: dict) -> bool:
    return "layout" in golden


def layout_of(golden: dict) -> dict:
    lay = {**LAYOUT_DEFAULTS, **golden.get("layout", {})}
    for key, allowed in LAYOUT_CHOICES.items():
        if lay[key] not in allowed:
            raise ValueError(f"layout {key} must be one of {allowed}: {lay[key]!r}")
    return lay


@dataclass
class PrintedTable:
    """A corpus table as printed: the copies of a several-measure table merged back into one."""
    table_no: int
    title: str
    kind: str
    header: list[str]
    fields: list[tuple[str | None, int | None]]      # per column: output field, year of a measure column
    rows: list[dict]                                 # the first copy's rows (seq, category, section …)
    cells: list[list[str]]                           # per row: the printed text of each column
    category_style: str
    section_count_word: str | None
    after_para: int | None
    note: str | None


def _column(entry: str | None) -> tuple[str | None, int | None]:
    if entry is None:
        return None, None
    field_name, _, year = entry.partition("@")
    if field_name not in COLUMN_LOOK:
        raise ValueError(f"unknown column field {entry!r}")
    return field_name, int(year) if year else None


def printed_tables(golden: dict) -> list[PrintedTable]:
    """The tables as printed, in order: the copies of one table_no (one per year a several-measure
    table covers) give one table whose measure columns take their year's copy."""
    copies: dict[int, list[dict]] = {}
    for t in golden["tables"]:
        copies.setdefault(t["table_no"], []).append(t)
    out = []
    for no, group in copies.items():
        first = group[0]
        if len(first["header"]) != len(first["columns"]):
            raise ValueError(f"table {no}: {len(first['header'])} header texts, {len(first['columns'])} columns")
        fields = [_column(c) for c in first["columns"]]
        by_year = {t["year"]: {r["seq"]: r for r in t["rows"]} for t in group}
        money = first.get("money_unit", "亿元")
        per_column = first.get("money_units", {})      # a money column printed in another unit (总投资（亿元） | 2024年计划投资（万元）)
        cells = []
        for r in first["rows"]:
            row = []
            for f, year in fields:
                src = by_year[year][r["seq"]] if year is not None else r
                row.append(_printed_cell(src, f, per_column.get(f, money)))
            cells.append(row)
        note = next((n["text"] for n in golden.get("table_notes", []) if n["table_no"] == no), None)
        style = first.get("category_style", "merged" if first["kind"] == "indicators" else "none")
        out.append(PrintedTable(no, first["title"], first["kind"], list(first["header"]), fields, first["rows"],
                                cells, style, first.get("section_count_word", "项"), first.get("after_para"), note))
    return out


def _printed_cell(row: dict, f: str | None, money: str) -> str:
    if f is None or f == "category":          # a column no field takes; the 类别 is set per group
        return ""
    if f == "seq":
        return str(row["seq"])
    v = row.get(f)
    if v is None:
        return ""
    return _money(v, money) if f in MONEY_FIELDS else str(v)


def section_text(row: dict, count_word: str | None) -> str | None:
    """（一）交通基础设施（5个）: the section row above the first project of a section."""
    if not row.get("section"):
        return None
    count = row.get("section_declared_count")
    tail = f"（{count}{count_word}）" if count is not None and count_word else ""
    no = f"（{row['section_no']}）" if row.get("section_no") else ""
    return f"{no}{row['section']}{tail}"


def rows_as_printed(pt: PrintedTable):
    """Each row of `pt` with its cells, the full-width row printed above it or None (a project
    section's row at its first project; a group row 一、经济发展 at a group's first indicator where
    the table prints group rows) and the index of its indicator group: what both producers print."""
    section, groups = None, []
    for r, cells in zip(pt.rows, pt.cells, strict=True):
        above = None
        if pt.kind == "projects":
            key = (r.get("section_no"), r.get("section"))
            if key != section:
                section = key
                above = section_text(r, pt.section_count_word)
        else:
            cat = r.get("category") or ""
            if cat not in groups:
                groups.append(cat)
                if pt.category_style == "group_rows" and cat:
                    above = f"{CN_DIGITS[len(groups) - 1]}、{cat}"
        yield r, cells, above, len(groups) - 1


def table_label(pt: PrintedTable, lay: dict) -> str:
    return f"{lay['table_label']}{pt.table_no}" if lay["table_label"] else ""


def label_and_title(pt: PrintedTable, lay: dict) -> tuple[str, str]:
    """The line printed above the title ("" for none) and the title line: the label on a line of its
    own, or opening the title line (layout label_at "title_line")."""
    label = table_label(pt, lay)
    if label and lay["label_at"] == "title_line":
        return "", f"{label}{LABEL_GAP}{pt.title}"
    return label, pt.title


def corpus_spec(pt: PrintedTable, lay: dict) -> TableSpec:
    widths = [COLUMN_LOOK[f][0] for f, _ in pt.fields]
    centre = {j for j, (f, _) in enumerate(pt.fields) if COLUMN_LOOK[f][1]}
    header = [Box(0, j, 0, j, h, bold=True, center=True) for j, h in enumerate(pt.header)]
    cat_col = next((j for j, (f, _) in enumerate(pt.fields) if f == "category"), None)
    rows: list[Row] = []
    for r, cells, above, group in rows_as_printed(pt):
        if above:
            rows.append(Row([], span=above))
        if pt.kind == "projects":
            rows.append(Row(cells))
        else:
            rows.append(Row(cells, group=group if cat_col is not None else None, category=r.get("category") or ""))
    label, title = label_and_title(pt, lay)
    return TableSpec(pt.table_no, title, _shares(widths), header, 1, rows, cat_col, centre, pt.note, label=label)


def render_corpus(golden: dict, values: list[dict], style: Style, path: Path) -> Printed:
    """A corpus notice typeset by reportlab: the cover, then the tables and the report where its layout
    puts them, the notes at the page foot or gathered under 注释： after the report."""
    lay = layout_of(golden)
    g = copy.deepcopy(golden)
    s = Setter(style)
    notice = g["notice"]
    tables = printed_tables(g)
    _cover(s, g, notice)
    turned = style.orientation != "portrait"

    def table_block(heading: str | None, title: str | None):
        s.new_page(landscape=turned)
        if heading:
            s.paragraph([(heading, None)], indent=0, align="left")
            s.skip(0.5)
        if title:
            s.paragraph([(title, "bold")], size=22, indent=0, align="center", pitch=1.6 * 22)
            s.skip(1)
        for pt in tables:
            s.table(corpus_spec(pt, lay))

    attachments = notice.get("attachments") or []
    if lay["tables_at"] == "front":
        table_block("附件1", attachments[0] if attachments else None)
        report_label = "附件2"
    else:
        report_label = "附件1" if len(attachments) > 1 else ("附件" if attachments else None)
    s.new_page(landscape=False)
    if report_label:
        s.paragraph([(report_label, None)], indent=0, align="left")
        s.skip(0.5)
    index = {id(b): k for k, b in enumerate(g["narrative"])}
    inside = {pt.after_para: pt for pt in tables} if lay["tables_at"] == "body" else {}

    def after(b):
        pt = inside.get(index[id(b)])
        if pt is not None:
            s.skip(0.5)
            s.table(corpus_spec(pt, lay))

    at_foot = lay["notes_at"] == "page_foot"
    _report(s, g, style.body_size, at_foot=at_foot, after=after)
    if not at_foot and g["footnotes"]:
        end_notes(s, g["footnotes"])
    if lay["tables_at"] == "end":
        table_block("附件2" if len(attachments) > 1 else None, attachments[1] if len(attachments) > 1 else None)
    s.save(path)
    return Printed(g, copy.deepcopy(values))


def end_notes(s: Setter, notes: list[dict]):
    """The notes gathered after the report: a line 注释： then one paragraph `1．text` per note."""
    size = round(0.875 * s.s.body_size, 1)
    s.skip(0.5)
    s.paragraph([("注释：", None)], size=size, indent=0, align="left")
    for n in notes:
        s.paragraph([(f"{n['no']}．{n['text']}", None)], size=size, indent=2)
