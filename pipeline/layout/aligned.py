"""Tables printed without any rule: the rules the text implies.

Some typesetters print a table with no ruling line at all: only the alignment of its text shows
it. Such a table is read as a three-line table (grids.py) whose three rules are implied by the
text: one above its header, one between header and body, one under its last row on the page.

The header anchors it: a line whose text runs (parted by column gaps) are column headers the
header synonyms (schemas/header_synonyms.csv) know: 序号, 指标内容, 项目名称, 2021年预期目标 …
Narrative never has three such runs side by side. A header cell wrapped onto two or three lines
(投资总 / 额(亿元 / )) brings its neighbours into the header: they are set at the line pitch, rows
are parted by their padding as well. The body is the lines of the table's size under the header
until the table visibly ends: a table title or note (表2：…, 续表, 备注：…), a page number in the
margin, text
of another size (the report's body), or a gap wider than any row's padding.
"""
from __future__ import annotations

import itertools

from pipeline.layout.lines import chars_text, line_text, runs
from pipeline.model.records import Line, Page, Rule
from pipeline.settings import LayoutSettings
from pipeline.vocab import data
from pipeline.vocab.headers import map_columns
from pipeline.vocab.text import compact


def implied_rules(page: Page, lines: list[Line], s: LayoutSettings) -> list[list[Rule]]:
    """For each rule-less table among the page's `lines` (those outside its ruled tables, top to
    bottom): its three implied rules, top to bottom."""
    stacks: list[list[Rule]] = []
    taken = 0
    for i, line in enumerate(lines):
        if i < taken or not _is_header(line, s):
            continue
        first, last = _header_band(lines, i, s)
        body = _body(page, lines, last + 1, line.size, s)
        if not body:
            continue
        table = lines[first:last + 1] + body
        x0, x1 = min(ln.x0 for ln in table), max(ln.x1 for ln in table)
        pad = s.snap * line.size            # the rules clear the text (band membership is by char centre)
        header_bottom, body_top = lines[last].bottom, body[0].top
        stacks.append([Rule(x0, y, x1, y) for y in (lines[first].top - pad, (header_bottom + body_top) / 2,
                                                    body[-1].bottom + pad)])
        taken = lines.index(body[-1]) + 1
    return stacks


def _is_header(line: Line, s: LayoutSettings) -> bool:
    """At least three of the line's runs are known column headers, and most of them are (a header
    cell wrapped onto the next line leaves one run that is only a part of its header)."""
    gap = s.column_gap * line.size
    # most lines have no column gap at all: counted first, as this runs for every line of a notice
    if sum(b.x0 - a.x1 >= gap for a, b in itertools.pairwise(line.chars)) + 1 < s.aligned_header_runs:
        return False
    texts = [chars_text(run) for run in runs(line, gap)]      # parted at column gaps
    known = map_columns(tuple(texts), _header_fields())
    return len(known) >= s.aligned_header_runs and 2 * len(known) >= len(texts)


def _header_fields() -> list[str]:
    return sorted({row["field"] for row in data.csv_rows("header_synonyms.csv")})


def _header_band(lines: list[Line], i: int, s: LayoutSettings) -> tuple[int, int]:
    """The header line with the lines set at the line pitch above and below it (a wrapped header
    cell): the first and last index."""
    def close(a: Line, b: Line) -> bool:       # b right under a, no row padding between
        return b.top - a.bottom < s.row_gap * a.size and abs(b.size - a.size) < s.aligned_size * a.size

    first, last = i, i
    while first > 0 and close(lines[first - 1], lines[first]) and not ends_table(lines[first - 1], s):
        first -= 1
    while last + 1 < len(lines) and close(lines[last], lines[last + 1]):
        last += 1
    return first, last


def _body(page: Page, lines: list[Line], start: int, size: float, s: LayoutSettings) -> list[Line]:
    """The lines of the table's body from `start` until the table visibly ends."""
    body: list[Line] = []
    above = lines[start - 1].bottom
    for ln in lines[start:]:
        in_margin = ln.top > page.height * (1 - s.footer_zone) or ln.bottom < page.height * s.header_zone
        page_number = in_margin and any(p.match(line_text(ln, s=s)) for p in data.regex_list("page_number"))
        if ends_table(ln, s) or page_number \
                or abs(ln.size - size) >= s.aligned_size * size or ln.top - above > s.aligned_table_break * size:
            break
        body.append(ln)
        above = max(above, ln.bottom)       # cells of one row are set side by side, their lines interleave
    return body


def ends_table(line: Line, s: LayoutSettings) -> bool:
    """The line is no table row but a table's title (表2：…, or a 附表3 label on a line of its own, its
    title on the next), its 续表 or its note (注：…): a table ends, or another begins, there."""
    text = line_text(line, s=s)
    return any(data.regex(name).match(text) for name in ("table_title", "table_continued", "table_note")) \
        or bool(data.regex("table_label").match(compact(text)))
