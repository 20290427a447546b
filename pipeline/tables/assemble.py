"""Table fragments on pages → logical tables joined across page breaks."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.layout.lines import line_text
from pipeline.model.problems import Code
from pipeline.model.records import (
    Cell,
    CellMarker,
    Grid,
    Line,
    LogicalTable,
    PageLayout,
    Problem,
    TableCell,
)
from pipeline.model.rows import TableNoteRow
from pipeline.settings import LayoutSettings
from pipeline.vocab import data
from pipeline.vocab.grammar import cn_to_number
from pipeline.vocab.text import compact


@dataclass
class _Open:
    """A logical table being assembled."""
    title: str
    table_no: int | None
    n_cols: int
    header_rows: list[tuple[str, ...]]
    rows: list[list[list[str]]] = field(default_factory=list)   # row → col → shared [text]
    row_sources: list[str] = field(default_factory=list)
    row_confidence: list[float | None] = field(default_factory=list)
    spans: list[list[Cell | None]] = field(default_factory=list)  # row → col → source cell
    row_pages: list[int] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    cells: list[TableCell] = field(default_factory=list)
    printed_rows: int = 0
    last_page: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)   # (page, text) of each 备注/注 line
    unit: str = ""


def assemble_tables(layouts: list[PageLayout],
                    s: LayoutSettings) -> tuple[list[LogicalTable], set[Line], list[Problem]]:
    """Join grids into logical tables; returns the tables, the title/note lines they used, problems."""
    tables: list[_Open] = []
    used: set[Line] = set()
    problems: list[Problem] = []
    between: list[Line] = []          # body lines seen since the last grid
    note: list[Line] = []             # the lines of the table note being read (注：… wrapped)
    for lay in layouts:
        items: list[tuple[float, int, Line | Grid]] = [(ln.top, 0, ln) for ln in lay.body]
        items += [(g.top, 1, g) for g in lay.grids]
        for _, _, item in sorted(items, key=lambda t: (t[0], t[1])):
            if not isinstance(item, Grid):
                if tables and not between and data.regex("table_note").match(line_text(item, s=s)):
                    tables[-1].notes.append((item.page, line_text(item, s=s)))
                    used.add(item)
                    note = [item]
                    continue
                if tables and not between and note and _wraps(note, item, s):
                    page, text = tables[-1].notes[-1]
                    tables[-1].notes[-1] = (page, text + line_text(item, s=s))
                    used.add(item)
                    note.append(item)
                    continue
                note = []
                if tables and not between and data.regex("table_continued").match(line_text(item, s=s)):
                    used.add(item)        # "续表 1" above a continuation: not text between tables
                    continue
                between.append(item)
                continue
            grid = item
            title_lines = _title_lines(between, grid, s)
            if title_lines:
                used.update(title_lines)
                title, unit = _title_text(title_lines, s)
                tables.append(_open(grid, s, title, unit))
            elif tables and not between and tables[-1].last_page < grid.page and tables[-1].n_cols == grid.n_cols:
                _continue(tables[-1], grid)
            else:
                tables.append(_open(grid, s, ""))
                problems.append(Problem("tables", "table without a title 表N", page=grid.page,
                                        code=Code.TABLE_UNTITLED))
            between, note = [], []
    problems.extend(_lost_titles(layouts, used, s))
    closed = [_close(i, t) for i, t in enumerate(tables)]
    problems.extend(Problem("tables", "table without rows", page=t.row_pages[0] if t.row_pages else None,
                            text=t.title, table_no=t.table_no, code=Code.TABLE_EMPTY) for t in closed if not t.rows)
    return closed, used, problems


def _wraps(note: list[Line], line: Line, s: LayoutSettings) -> bool:
    """`line` continues the table note above it: right under its last line at the line pitch, in its
    size, starting no further right than its first line (a paragraph after the note is indented
    from the margin), and no note, title or 续表 line itself."""
    first, last = note[0], note[-1]
    text = line_text(line, s=s)
    return line.page == last.page and line.top - last.bottom < s.note_wrap * last.size \
        and abs(line.size - last.size) < s.aligned_size * last.size and line.x0 < first.x0 + s.flush * first.size \
        and not any(data.regex(n).match(text) for n in ("table_note", "table_title", "table_continued"))


def _lost_titles(layouts: list[PageLayout], used: set[Line], s: LayoutSettings) -> list[Problem]:
    """A printed table title (表N …) that heads no table found on the page."""
    title = data.regex("table_title")
    return [Problem("tables", "table title without a table", page=ln.page, text=line_text(ln, s=s),
                    code=Code.TITLE_WITHOUT_TABLE)
            for lay in layouts for ln in lay.body
            if ln not in used and title.match(line_text(ln, s=s))
            and len(line_text(ln, s=s)) <= data.patterns()["heading_max_chars"]]


def _title_lines(lines: list[Line], grid: Grid, s: LayoutSettings) -> list[Line]:
    """The "表 N：…" line above the grid on its page (the title may wrap onto a second line), or the
    label "附表1" / "表1" on a line of its own above the title, and a "单位：亿元" line between title
    and grid; on the page before when the grid opens its page (a title left at the foot of a page)."""
    on_page = [ln for ln in lines if ln.page == grid.page and ln.bottom <= grid.top + s.title_overlap * ln.size]
    if not on_page:         # the grid opens its page: its title may close the page before
        on_page = [ln for ln in lines if ln.page < grid.page]
    for k in range(len(on_page) - 1, max(-1, len(on_page) - 1 - s.title_lines), -1):
        text = line_text(on_page[k], s=s)
        if data.regex("table_title").match(text) or data.regex("table_label").match(compact(text)):
            return on_page[k:]
    return []


def _title_text(lines: list[Line], s: LayoutSettings) -> tuple[str, str]:
    """Title and the unit printed with it (单位：亿元 → 亿元)."""
    title, unit = [], ""
    for ln in lines:
        text = line_text(ln, s=s)
        m = data.regex("table_unit_line").match(text)
        if m:
            unit = compact(text[m.end():]).strip("（()）")
        elif data.regex("table_label").match(compact(text)):
            title.append(compact(text).rstrip("：:") + "：")     # 附表1 over its title: 附表1：title
        else:
            title.append(text)
    return "".join(title), unit


def _header_count(grid: Grid, s: LayoutSettings) -> int:
    """Leading rows before the first row that opens with a number, spans the whole width or is a
    section row ("（一）区级骨干路网（7项）", which may print its total in another cell)."""
    for r in range(min(s.max_header_rows, grid.n_rows)):
        first = next((c for c in grid.cells if c.row == r and c.col == 0), None)
        if first is None:
            continue
        if re.fullmatch(r"[0-9０-９]+", compact(first.text)) or first.colspan == grid.n_cols or \
                data.regex("section_row").match(compact(first.text)):
            return r
    return 1 if grid.n_rows > 1 else 0


def _row_texts(grid: Grid, r: int) -> tuple[str, ...]:
    """Texts of a header row; a cell spanning columns ("2022年" over 目标 and 完成情况) heads each."""
    out = [""] * grid.n_cols
    for c in grid.cells:
        if c.row == r:
            out[c.col: c.col + c.colspan] = [c.text] * c.colspan
    return tuple(out)


def _open(grid: Grid, s: LayoutSettings, title: str, unit: str = "") -> _Open:
    m = data.regex("table_title").match(compact(title))
    number = (m.group(1) or m.group(3)) if m else None
    table_no = (int(number) if number.isdigit() else cn_to_number(number)) if number else None
    h = grid.header_rows if grid.header_rows is not None else _header_count(grid, s)
    t = _Open(title=(m.group(2) or m.group(4)) if m else title, table_no=table_no, n_cols=grid.n_cols,
              header_rows=[_row_texts(grid, r) for r in range(h)], unit=unit)
    _append_fragment(t, grid, skip=h, header_rows=h)
    return t


def _continue(t: _Open, grid: Grid) -> None:
    h = 0
    while h < min(len(t.header_rows), grid.n_rows) and \
            [compact(x) for x in _row_texts(grid, h)] == [compact(x) for x in t.header_rows[h]]:
        h += 1
    before = len(t.rows)
    _append_fragment(t, grid, skip=h, header_rows=h)
    if before and len(t.rows) > before:
        _carry_merged_cells(t, before)


def _append_fragment(t: _Open, grid: Grid, skip: int, header_rows: int) -> None:
    base = t.printed_rows
    for c in grid.cells:
        t.cells.append(TableCell(grid.page, base + c.row, c.col, c.rowspan, c.colspan, c.row < header_rows, c.text,
                                 c.markers, (c.x0, c.top, c.x1, c.bottom), grid.source, c.confidence))
    t.printed_rows += grid.n_rows
    t.last_page = grid.page
    first_body = len(t.rows)
    for r in range(skip, grid.n_rows):
        t.rows.append([[""] for _ in range(grid.n_cols)])
        t.spans.append([None] * grid.n_cols)
        t.row_pages.append(grid.page)
        t.row_numbers.append(base + r)
        t.row_sources.append(grid.source)
        t.row_confidence.append(None)
    for c in grid.cells:
        if c.row < skip:
            continue
        shared = [c.text]
        for r in range(c.row, min(c.row + c.rowspan, grid.n_rows)):
            if r >= skip:
                t.rows[first_body + r - skip][c.col] = shared
                if c.confidence is not None:
                    k = first_body + r - skip
                    before = t.row_confidence[k]
                    t.row_confidence[k] = min(c.confidence, before if before is not None else 1.0)
                t.spans[first_body + r - skip][c.col] = c


def _carry_merged_cells(t: _Open, first_new: int) -> None:
    """A merged cell cut by the page break shows its text on one side only: share it."""
    prev, new = first_new - 1, first_new
    for col in range(t.n_cols):
        a, b = t.spans[prev][col], t.spans[new][col]
        if a is None or b is None or (a.rowspan == 1 and b.rowspan == 1) or a.colspan > 1 or b.colspan > 1:
            continue
        ta, tb = t.rows[prev][col], t.rows[new][col]
        if ta[0] and not tb[0]:
            tb[0] = ta[0]
        elif tb[0] and not ta[0]:
            ta[0] = tb[0]


def _close(index: int, t: _Open) -> LogicalTable:
    header = []
    for col in range(t.n_cols):
        parts: list[str] = []
        for row in t.header_rows:
            if row[col] and (not parts or parts[-1] != row[col]):
                parts.append(row[col])
        header.append("".join(parts))
    return LogicalTable(
        index=index, title=t.title, table_no=t.table_no, header=tuple(header),
        rows=tuple(tuple(cell[0] for cell in row) for row in t.rows),
        row_pages=tuple(t.row_pages), cells=tuple(t.cells), notes=tuple(t.notes), unit=t.unit,
        row_numbers=tuple(t.row_numbers), row_sources=tuple(t.row_sources),
        row_confidence=tuple(t.row_confidence),
    )


def table_note_rows(notice_id: str, tables: list[LogicalTable]) -> list[TableNoteRow]:
    """The notes printed under each table (备注：…), as printed."""
    return [TableNoteRow(notice_id=notice_id, table_no=t.table_no, table_index=t.index, note_no=k,
                         text=text, page=page)
            for t in tables for k, (page, text) in enumerate(t.notes, start=1)]


def cell_markers(tables: list[LogicalTable]) -> list[CellMarker]:
    """Footnote markers printed in table cells, for the narrative stage to pair with their notes."""
    return [CellMarker(number=n, page=c.page, table_no=t.table_no, row=c.row, col=c.col, anchor=a, bbox=c.bbox)
            for t in tables for c in t.cells for n, a in c.markers]
