"""Pages → layout: table grids, body lines, the footnote area and the page-number footer."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pipeline.layout.grids import find_grids, rule_less_grids
from pipeline.layout.lines import build_lines, line_text
from pipeline.model.records import Furniture, Line, Page, PageLayout, Problem, Rule
from pipeline.settings import LayoutSettings
from pipeline.vocab import data


def layout_document(pages: tuple[Page, ...], s: LayoutSettings) -> list[PageLayout]:
    body_size = _body_size(pages, s)
    layouts = [_layout_page(p, body_size, s) for p in pages]
    return _drop_running_headers(layouts, s)


def furniture(layouts: list[PageLayout], s: LayoutSettings) -> tuple[Furniture, ...]:
    """The page furniture left out of the text (page numbers, running headers), with its box."""
    return tuple(Furniture(ln.page, (ln.x0, ln.top, ln.x1, ln.bottom), line_text(ln, s=s))
                 for lay in layouts for ln in lay.furniture)


def off_furniture(problems: Sequence[Problem], layouts: list[PageLayout]) -> list[Problem]:
    """`problems` without the OCR problems that sit on page furniture: a page number read with low
    confidence is no number of the outputs, so nobody need review it."""
    boxes = {(ln.page, (ln.x0, ln.top, ln.x1, ln.bottom)) for lay in layouts for ln in lay.furniture}

    def on_furniture(p: Problem) -> bool:
        if p.stage != "ocr" or p.bbox is None:
            return False
        x, y = (p.bbox[0] + p.bbox[2]) / 2, (p.bbox[1] + p.bbox[3]) / 2
        return any(page == p.page and b[0] <= x <= b[2] and b[1] <= y <= b[3] for page, b in boxes)

    return [p for p in problems if not on_furniture(p)]


def _body_size(pages, s: LayoutSettings) -> float:
    sizes = Counter(round(c.size) for p in pages for c in p.chars)
    return float(sizes.most_common(1)[0][0]) if sizes else s.fallback_body_size


def _layout_page(page: Page, body_size: float, s: LayoutSettings) -> PageLayout:
    grids, table_rules = find_grids(page, body_size, s)
    m = s.grid_margin * body_size

    def in_grid(c) -> bool:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        return any(g.x0 - m <= cx <= g.x1 + m and g.top - m <= cy <= g.bottom + m for g in grids)

    free = [c for c in page.chars if not in_grid(c)] if grids else list(page.chars)
    lines = build_lines(free, page.number, s)
    rule_less = rule_less_grids(page, lines, body_size, s)
    if rule_less:
        grids = sorted([*grids, *rule_less], key=lambda g: g.top)
        lines = [ln for ln in lines if not any(in_grid(c) for c in ln.chars)]
    footer = None
    kept: list[Line] = []
    furniture: list[Line] = []
    for ln in lines:
        text = line_text(ln, s=s)
        in_margin = ln.top > page.height * (1 - s.footer_zone) or ln.bottom < page.height * s.header_zone
        if in_margin and any(p.match(text) for p in data.regex_list("page_number")):
            footer = text
            furniture.append(ln)
        else:
            kept.append(ln)
    separator = _footnote_separator(page, table_rules, kept, body_size, s)
    if separator is not None:
        notes = [ln for ln in kept if ln.top >= separator]
        kept = [ln for ln in kept if ln.top < separator]
    else:
        notes = _small_bottom_block(kept, body_size, s)
        kept = kept[: len(kept) - len(notes)]
    return PageLayout(page=page, body=tuple(kept), footnote_lines=tuple(notes), grids=tuple(grids), footer=footer,
                      furniture=tuple(furniture))


def _footnote_separator(page: Page, table_rules: set[Rule], lines: list[Line], body_size: float,
                        s: LayoutSettings) -> float | None:
    """y of a short horizontal rule in the lower half with only smaller text below it."""
    if not lines:
        return None
    text_x0 = min(ln.x0 for ln in lines)
    for r in sorted(page.rules, key=lambda r: r.top):
        if r in table_rules or not r.horizontal or r.top < page.height * s.separator_below:
            continue
        if (r.x1 - r.x0) > s.separator_width * page.width or r.x0 > text_x0 + s.separator_indent * body_size:
            continue
        above = [ln for ln in lines if ln.bottom <= r.top]
        below = [ln for ln in lines if ln.top >= r.top]
        if below and above and max(ln.size for ln in below) < s.note_smaller * max(ln.size for ln in above):
            return r.top
    return None


def _small_bottom_block(lines: list[Line], body_size: float, s: LayoutSettings) -> list[Line]:
    """Without a separator: the run of smaller lines at the page bottom that opens with a note number."""
    block: list[Line] = []
    for ln in reversed(lines):
        if ln.size < s.note_block_size * body_size:
            block.insert(0, ln)
        else:
            break
    if block and data.regex("note_block_start").match(line_text(block[0], s=s)):
        return block
    return []


def _drop_running_headers(layouts: list[PageLayout], s: LayoutSettings) -> list[PageLayout]:
    """A line at the page top whose text (digits aside) repeats on most pages is a running header."""
    def key(ln: Line) -> str:
        return re.sub(r"[0-9０-９]+", "#", line_text(ln, s=s))

    tops: Counter[str] = Counter()
    for lay in layouts:
        for ln in lay.body[:2]:
            if ln.top < lay.page.height * s.header_zone:
                tops[key(ln)] += 1
    repeated = {k for k, n in tops.items()
                if n >= s.running_header_pages and n >= s.running_header_share * len(layouts)}
    if not repeated:
        return layouts
    out = []
    for lay in layouts:
        header = {ln for i, ln in enumerate(lay.body)
                  if i < 2 and ln.top < lay.page.height * s.header_zone and key(ln) in repeated}
        body = tuple(ln for ln in lay.body if ln not in header)
        out.append(PageLayout(lay.page, body, lay.footnote_lines, lay.grids, lay.footer,
                              lay.furniture + tuple(ln for ln in lay.body if ln in header)))
    return out
