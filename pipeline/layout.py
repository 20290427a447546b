"""Pages → layout: table grids, body lines, the footnote area and the page-number footer."""
from __future__ import annotations

import re
from collections import Counter

from . import data
from .grids import find_grids
from .lines import build_lines, line_text
from .records import Line, Page, PageLayout, Rule

FOOTER_ZONE = 0.12      # share of the page height, at the bottom, where page numbers live
HEADER_ZONE = 0.08


def layout_document(pages: tuple[Page, ...]) -> list[PageLayout]:
    body_size = _body_size(pages)
    layouts = [_layout_page(p, body_size) for p in pages]
    return _drop_running_headers(layouts)


def furniture_rows(layouts: list[PageLayout]) -> list[dict]:
    """The page furniture left out of the text (page numbers, running headers), with its box."""
    return [{"page": ln.page, "bbox": (ln.x0, ln.top, ln.x1, ln.bottom), "text": line_text(ln)}
            for lay in layouts for ln in lay.furniture]


def _body_size(pages) -> float:
    sizes = Counter(round(c.size) for p in pages for c in p.chars)
    return float(sizes.most_common(1)[0][0]) if sizes else 12.0


def _layout_page(page: Page, body_size: float) -> PageLayout:
    grids, table_rules = find_grids(page)

    def in_grid(c) -> bool:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        return any(g.x0 - 1 <= cx <= g.x1 + 1 and g.top - 1 <= cy <= g.bottom + 1 for g in grids)

    free = [c for c in page.chars if not in_grid(c)]
    lines = build_lines(free, page.number)
    footer = None
    kept: list[Line] = []
    furniture: list[Line] = []
    for ln in lines:
        text = line_text(ln)
        in_margin = ln.top > page.height * (1 - FOOTER_ZONE) or ln.bottom < page.height * HEADER_ZONE
        if in_margin and any(p.match(text) for p in data.regex_list("page_number")):
            footer = text
            furniture.append(ln)
        else:
            kept.append(ln)
    separator = _footnote_separator(page, table_rules, kept)
    if separator is not None:
        notes = [ln for ln in kept if ln.top >= separator]
        kept = [ln for ln in kept if ln.top < separator]
    else:
        notes = _small_bottom_block(kept, body_size)
        kept = kept[: len(kept) - len(notes)]
    return PageLayout(page=page, body=tuple(kept), footnote_lines=tuple(notes), grids=tuple(grids), footer=footer,
                      furniture=tuple(furniture))


def _footnote_separator(page: Page, table_rules: set[Rule], lines: list[Line]) -> float | None:
    """y of a short horizontal rule in the lower half with only smaller text below it."""
    if not lines:
        return None
    text_x0 = min(ln.x0 for ln in lines)
    for r in sorted(page.rules, key=lambda r: r.top):
        if r in table_rules or not r.horizontal or r.top < page.height * 0.4:
            continue
        if (r.x1 - r.x0) > 0.45 * page.width or r.x0 > text_x0 + 20:
            continue
        above = [ln for ln in lines if ln.bottom <= r.top]
        below = [ln for ln in lines if ln.top >= r.top]
        if below and above and max(ln.size for ln in below) < 0.9 * max(ln.size for ln in above):
            return r.top
    return None


def _small_bottom_block(lines: list[Line], body_size: float) -> list[Line]:
    """Without a separator: the run of smaller lines at the page bottom that opens with a note number."""
    block: list[Line] = []
    for ln in reversed(lines):
        if ln.size < 0.85 * body_size:
            block.insert(0, ln)
        else:
            break
    if block and data.regex("note_block_start").match(line_text(block[0])):
        return block
    return []


def _drop_running_headers(layouts: list[PageLayout]) -> list[PageLayout]:
    """A line at the page top whose text (digits aside) repeats on most pages is a running header."""
    def key(ln: Line) -> str:
        return re.sub(r"[0-9０-９]+", "#", line_text(ln))

    tops = Counter()
    for lay in layouts:
        for ln in lay.body[:2]:
            if ln.top < lay.page.height * HEADER_ZONE:
                tops[key(ln)] += 1
    repeated = {k for k, n in tops.items() if n >= 3 and n >= 0.5 * len(layouts)}
    if not repeated:
        return layouts
    out = []
    for lay in layouts:
        header = {ln for i, ln in enumerate(lay.body)
                  if i < 2 and ln.top < lay.page.height * HEADER_ZONE and key(ln) in repeated}
        body = tuple(ln for ln in lay.body if ln not in header)
        out.append(PageLayout(lay.page, body, lay.footnote_lines, lay.grids, lay.footer,
                              lay.furniture + tuple(ln for ln in lay.body if ln in header)))
    return out
