"""Ruling lines and chars of one page → table grids (cells with spans and text).

Two kinds of table: ruled (horizontal and vertical rules, spans found from the
missing rule segments) and rule-only "three-line" tables (horizontal rules only:
columns come from the vertical gaps in the text).
"""
from __future__ import annotations

from bisect import bisect_right

from pipeline.layout.aligned import ends_table, implied_rules
from pipeline.layout.lines import build_lines, confidence, marked_text, runs, split_runs
from pipeline.model.records import Cell, Char, Grid, Line, Page, Rule
from pipeline.settings import LayoutSettings
from pipeline.vocab.headers import map_columns


def find_grids(page: Page, body_size: float, s: LayoutSettings) -> tuple[list[Grid], set[Rule]]:
    grids: list[Grid] = []
    used: set[Rule] = set()
    snap = s.snap * body_size
    for group in _connected(page.rules, snap):
        hs = [r for r in group if r.horizontal]
        vs = [r for r in group if not r.horizontal]
        if len(hs) >= 2 and len(vs) >= 2:
            grid = _ruled_grid(page, hs, vs, snap, s)
            if grid is not None:
                grids.append(grid)
                used.update(group)
    rest = [r for r in page.rules if r not in used and r.horizontal and (r.x1 - r.x0) > s.long_rule * page.width]
    for stack in _stacks(rest, snap, s.stack_ends * body_size, s.min_three_line):
        for part in _parts(page, stack, snap, s.min_three_line, s):
            grid = _three_line_grid(page, part, snap, s)
            if grid is not None:
                grids.append(grid)
                used.update(part)
    grids.sort(key=lambda g: g.top)
    return grids, used


def rule_less_grids(page: Page, lines: list[Line], body_size: float, s: LayoutSettings) -> list[Grid]:
    """Tables printed without any rule among `lines` (the page's lines outside its ruled grids): read
    as three-line tables under the rules their text implies (aligned.py)."""
    grids = (_three_line_grid(page, stack, s.snap * body_size, s) for stack in implied_rules(page, lines, s))
    return [g for g in grids if g is not None]


def _groups(keys, links) -> dict:
    """Union-find: `keys` joined by the (a, b) pairs of `links`, as {root: [its keys, in key order]}."""
    parent = {k: k for k in keys}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in links:
        parent[find(a)] = find(b)
    groups: dict = {}
    for k in parent:
        groups.setdefault(find(k), []).append(k)
    return groups


def _connected(rules, snap: float) -> list[list[Rule]]:
    """The rules in groups that touch (within `snap`)."""
    rules = list(rules)
    links = ((i, j) for i, a in enumerate(rules) for j, b in enumerate(rules[i + 1:], start=i + 1)
             if a.x0 - snap <= b.x1 and b.x0 - snap <= a.x1 and a.top - snap <= b.bottom and b.top - snap <= a.bottom)
    return [[rules[i] for i in group] for group in _groups(range(len(rules)), links).values()]


def _snap(values: list[float], snap: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= snap:
            continue
        out.append(v)
    return out


def _covers(rules: list[Rule], at: float, lo: float, hi: float, horizontal: bool, snap: float,
            inset: float) -> bool:
    """Is the span lo..hi along position `at` drawn by one of the rules?"""
    mid_lo, mid_hi = lo + inset * (hi - lo), hi - inset * (hi - lo)
    for r in rules:
        pos = r.top if horizontal else r.x0
        a, b = (r.x0, r.x1) if horizontal else (r.top, r.bottom)
        if abs(pos - at) <= snap and a <= mid_lo + snap and b >= mid_hi - snap:
            return True
    return False


def _chars_in(page: Page, x0, top, x1, bottom) -> list[Char]:
    return [c for c in page.chars
            if x0 <= (c.x0 + c.x1) / 2 <= x1 and top <= (c.top + c.bottom) / 2 <= bottom]


def cell_text(chars: list[Char], page: int, s: LayoutSettings) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Cell text with footnote markers taken out, and the markers as (number, text before them)."""
    text, markers = marked_text(build_lines(chars, page, s), s=s)
    return text, tuple((m.number, m.before) for m in markers)


def _ruled_grid(page: Page, hs: list[Rule], vs: list[Rule], snap: float, s: LayoutSettings) -> Grid | None:
    ys = _snap([r.top for r in hs], snap)
    xs = _snap([r.x0 for r in vs], snap)
    if len(ys) < 2 or len(xs) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    slots = [(i, j) for i in range(n_rows) for j in range(n_cols)]

    def unruled():          # two neighbouring slots with no rule drawn between them are one cell
        for i, j in slots:
            if i + 1 < n_rows and not _covers(hs, ys[i + 1], xs[j], xs[j + 1], True, snap, s.cover_inset):
                yield (i, j), (i + 1, j)
            if j + 1 < n_cols and not _covers(vs, xs[j + 1], ys[i], ys[i + 1], False, snap, s.cover_inset):
                yield (i, j), (i, j + 1)

    spans = _groups(slots, unruled())
    span_of = {k: r for r, members in spans.items() for k in members}
    region = _chars_in(page, xs[0], ys[0], xs[-1], ys[-1])
    if not region:
        return None
    by_span: dict[tuple, list[Char]] = {}
    for c in region:
        i = min(max(bisect_right(ys, (c.top + c.bottom) / 2) - 1, 0), n_rows - 1)
        j = min(max(bisect_right(xs, (c.x0 + c.x1) / 2) - 1, 0), n_cols - 1)
        by_span.setdefault(span_of[(i, j)], []).append(c)
    cells = []
    for root, members in spans.items():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        box = (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        text, markers = cell_text(by_span.get(root, []), page.number, s)
        cells.append(Cell(*box, row=r0, col=c0, rowspan=r1 - r0 + 1, colspan=c1 - c0 + 1, text=text,
                          markers=markers, confidence=confidence(by_span.get(root, []))))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(xs[0], ys[0], xs[-1], ys[-1], page=page.number, n_rows=n_rows, n_cols=n_cols, cells=tuple(cells),
                source=page.source)


def _stacks(rules: list[Rule], snap: float, ends: float, min_rules: int) -> list[list[Rule]]:
    """Long horizontal rules that share their left and right ends (within `ends`), top to bottom."""
    stacks: list[list[Rule]] = []
    for r in sorted(rules, key=lambda r: r.top):
        for st in stacks:
            if abs(st[0].x0 - r.x0) <= ends and abs(st[0].x1 - r.x1) <= ends:
                st.append(r)
                break
        else:
            stacks.append([r])
    return [st for st in stacks if len(_snap([r.top for r in st], snap)) >= min_rules]


def _parts(page: Page, stack: list[Rule], snap: float, min_rules: int, s: LayoutSettings) -> list[list[Rule]]:
    """A stack of rules cut into tables: two tables set one under the other share their rules' ends,
    so the band between the first's bottom rule and the second's top rule holds text that is no
    table row (the second's title 表N … or its 附表N label, 续表, or the first's note 注：…) and parts them."""
    ys = _snap([r.top for r in stack], snap)
    cuts = [(top, bottom) for top, bottom in zip(ys, ys[1:], strict=False)
            if any(ends_table(ln, s)
                   for ln in build_lines(_chars_in(page, stack[0].x0, top, stack[0].x1, bottom), page.number, s))]
    parts, start = [], ys[0] - snap
    for top, bottom in [*cuts, (ys[-1] + snap, None)]:
        part = [r for r in stack if start <= r.top <= top + snap]
        if len(_snap([r.top for r in part], snap)) >= min_rules:
            parts.append(part)
        start = (bottom or 0) - snap
    return parts


def _three_line_grid(page: Page, stack: list[Rule], snap: float, s: LayoutSettings) -> Grid | None:
    """A rule-only table: the band above the second rule is the header (one row per printed line,
    so a header wrapped onto two lines or a year spanning two columns stays readable), the bands
    below hold the body; columns come from the gaps between the text runs of the lines."""
    ys = _snap([r.top for r in stack], snap)
    x0, x1 = min(r.x0 for r in stack), max(r.x1 for r in stack)
    region = _chars_in(page, x0, ys[0], x1, ys[-1])
    if not region:
        return None
    bands = [build_lines([c for c in region if top <= (c.top + c.bottom) / 2 <= bottom], page.number, s)
             for top, bottom in zip(ys, ys[1:], strict=False)]
    table_size = min(c.size for c in region)
    min_gap = s.column_gap * table_size
    cols = _column_edges(bands[0], [ln for band in bands[1:] for ln in band], x0, x1, min_gap,
                         s.aligned * table_size)
    if len(cols) < 3:
        return None
    header = [[ln] for ln in bands[0]]
    label_col = _label_column(bands[0], cols)

    def in_labels(c: Char) -> bool:
        return _col_of((c.x0 + c.x1) / 2, cols) == label_col

    labels = [c for band in bands[1:] for ln in band for c in ln.chars if in_labels(c)]
    if labels:          # the 类别 texts are placed after the rows are parted: one printed between
        bands[1:] = [build_lines([c for ln in band for c in ln.chars if not in_labels(c)], page.number, s)
                     for band in bands[1:]]        # two rows would otherwise glue them together
    body = [row for band in bands[1:] for row in _body_rows(band, cols, s.row_gap * table_size)]
    cells: list[Cell] = []
    for i, lines in enumerate(header + body):
        top = lines[0].top if i else ys[0]
        bottom = (header + body)[i + 1][0].top if i + 1 < len(header) + len(body) else ys[-1]
        cells.extend(_row_cells(lines, cols, i, top, bottom, min_gap, page.number, s))
    if labels and body and label_col is not None:      # (no label column, no labels)
        cells = _with_labels(cells, labels, label_col, cols, _row_bands(body, ys[1], ys[-1]), len(header),
                             s.row_gap * table_size, page.number, s)
    return Grid(x0, ys[0], x1, ys[-1], page=page.number, n_rows=len(header) + len(body), n_cols=len(cols) - 1,
                cells=tuple(cells), header_rows=len(header), source=page.source)


def _label_column(header: list[Line], cols: list[float]) -> int | None:
    """The column whose header is a 类别 (a category synonym): its texts label groups of rows."""
    texts = ["".join(c.text for ln in header for c in ln.chars if _col_of((c.x0 + c.x1) / 2, cols) == j)
             for j in range(len(cols) - 1)]
    return next(iter(map_columns(tuple(texts), ["category"])), None)


def _with_labels(cells: list[Cell], labels: list[Char], col: int, cols: list[float], rows: list[tuple[float, float]],
                 first_row: int, row_gap: float, page: int, s: LayoutSettings) -> list[Cell]:
    """The body's 类别 cells from its label texts. Without rules a label is set in one of two ways:
    in the first row of its group (the rows after it, down to the next label, are its group: filled
    down later, as any empty 类别), or centred on its group's rows, as a merged cell is. Centred
    labels show themselves: groups follow one another, so each group's bottom is its label's centre
    mirrored about its top, and that chain of bottoms runs from the body's top through row
    boundaries to exactly the body's bottom. Then each label is one cell spanning its group."""
    blocks = split_runs(sorted(build_lines(labels, page, s), key=lambda ln: ln.top),
                    lambda blk, ln: ln.top - max(x.bottom for x in blk) > row_gap)
    centres = [(blk[0].top + max(x.bottom for x in blk)) / 2 for blk in blocks]
    groups = _centred_groups(centres, rows, row_gap)
    if groups is None:          # each label in the row its centre falls in
        groups = [(r, r) for r in (_row_at(c, rows) for c in centres)]
    texts = {g: cell_text([c for ln in blk for c in ln.chars], page, s)
             for g, blk in zip(groups, blocks, strict=False)}
    covered = {r for a, b in groups for r in range(a, b + 1)}
    out = [c for c in cells if not (c.col == col and c.colspan == 1 and c.row - first_row in range(len(rows)))]
    starts = {a: b for a, b in groups}
    for a in range(len(rows)):
        if a not in starts and a in covered:       # inside a spanning label's group
            continue
        b = starts.get(a, a)
        text, markers = texts.get((a, b), ("", ()))
        out.append(Cell(cols[col], rows[a][0], cols[col + 1], rows[b][1], row=first_row + a, col=col,
                        rowspan=b - a + 1, colspan=1, text=text, markers=markers))
    return sorted(out, key=lambda c: (c.row, c.col))


def _centred_groups(centres: list[float], rows: list[tuple[float, float]],
                    tolerance: float) -> list[tuple[int, int]] | None:
    """(first row, last row) of each label's group when every label is centred on its group's rows
    (see _with_labels), else None. The first group may start below the body's top: the rows above
    it end a group whose label was printed on the page before."""
    for first in range(len(rows)):
        bounds = [rows[first][0]]
        for c in centres:
            bounds.append(2 * c - bounds[-1])
        found = [next((r for r, (top, _) in enumerate(rows) if abs(top - b) <= tolerance), None) for b in bounds[:-1]]
        starts = [r for r in found if r is not None]
        if len(starts) < len(found) or abs(bounds[-1] - rows[-1][1]) > tolerance or starts != sorted(set(starts)):
            continue
        ends = [nxt - 1 for nxt in starts[1:]] + [len(rows) - 1]
        if all(a == b for a, b in zip(starts, ends, strict=False)):
            return None         # one row each: no different from labels in their rows
        return list(zip(starts, ends, strict=False))
    return None


def _row_bands(rows: list[list[Line]], top: float, bottom: float) -> list[tuple[float, float]]:
    """Each body row's band as printed: from the middle of the padding above its text to the middle
    of the padding below (the first from the rule under the header, the last to the bottom rule)."""
    tops = [min(ln.top for ln in r) for r in rows]
    bottoms = [max(ln.bottom for ln in r) for r in rows]
    cuts = [top, *((b + t) / 2 for b, t in zip(bottoms, tops[1:], strict=False)), bottom]
    return list(zip(cuts, cuts[1:], strict=False))


def _row_at(y: float, rows: list[tuple[float, float]]) -> int:
    return next((r for r, (top, bottom) in enumerate(rows) if y < bottom), len(rows) - 1)


def _column_edges(header: list[Line], body: list[Line], x0: float, x1: float, min_gap: float,
                  aligned: float) -> list[float]:
    """Column boundaries in the vertical gaps no text run crosses. Lines of a single run (a section
    or group row printed across the table, a wrapped cell's line of its own, a year over two
    columns) are left out at first: they may cross the gaps instead of showing them. Then such a
    run is put back unless it crosses a whole gap the other lines show: a wrapped line narrows the
    gap it reaches into, and a header text is a column even when no body text stands under it (a
    类别 printed only in its group's first row leaves the column blank on a continuation page),
    unless it is centred over a gap (a year over 目标 and 完成情况); a body text inside a gap
    makes no column of its own. In each gap the boundary goes next to the
    side whose texts are aligned on it (left-aligned cells start at their cell's edge), else in
    the middle."""
    spans = _text_spans(header, body, min_gap)
    gaps = _gaps(spans, min_gap)
    return [x0, *(_edge_in_gap(gaps, k, spans, x0, x1, min_gap, aligned) for k in range(len(gaps))), x1]


def _text_spans(header: list[Line], body: list[Line], min_gap: float) -> list[tuple[float, float]]:
    """The (x0, x1) of every text run, sorted: the runs of the lines of more than one, then the lines
    of a single run that cross no whole gap those show."""
    lines = header + body
    multi = [ln for ln in lines if len(runs(ln, min_gap)) > 1] or lines
    spans = [(run[0].x0, run[-1].x1) for ln in multi for run in runs(ln, min_gap)]
    shown = _gaps(sorted(spans), min_gap)
    spans += [(ln.chars[0].x0, ln.chars[-1].x1) for is_header, part in ((True, header), (False, body))
              for ln in part if not any(ln is m for m in multi) and not _crosses(ln, is_header, shown)]
    return sorted(spans)


def _crosses(ln: Line, is_header: bool, gaps: list[tuple[float, float]]) -> bool:
    """The line spans one of `gaps`, or (a body text) stands inside one; a header text centred over a
    gap counts as spanning it."""
    a, b = ln.chars[0].x0, ln.chars[-1].x1
    inside = ((a + b) / 2,) * 2 if is_header else (a, b)
    return any(a <= lo and hi <= b or lo < inside[0] and inside[1] < hi for lo, hi in gaps)


def _edge_in_gap(gaps: list[tuple[float, float]], k: int, spans: list[tuple[float, float]], x0: float, x1: float,
                 min_gap: float, aligned: float) -> float:
    """The boundary in gap `k`: next to the side whose texts are aligned on it (the starts of the texts
    after it, else the ends of those before it), else in its middle."""
    lo, hi = gaps[k]
    nxt = gaps[k + 1][0] if k + 1 < len(gaps) else x1
    prv = gaps[k - 1][1] if k else x0
    starts = [a for a, _ in spans if hi <= a < nxt]
    ends = [b for a, b in spans if prv <= a and b <= lo]
    if max(starts) - min(starts) <= aligned:
        return hi - min_gap / 2
    if ends and max(ends) - min(ends) <= aligned:
        return lo + min_gap / 2
    return (lo + hi) / 2


def _gaps(spans: list[tuple[float, float]], min_gap: float) -> list[tuple[float, float]]:
    """The gaps of at least `min_gap` between sorted (start, end) spans that no span crosses."""
    gaps: list[tuple[float, float]] = []
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= min_gap:
            gaps.append((reach, a))
        reach = max(reach, b)
    return gaps


def _col_of(x: float, cols: list[float]) -> int:
    return min(max(bisect_right(cols, x) - 1, 0), len(cols) - 2)


def _body_rows(lines: list[Line], cols: list[float], row_gap: float) -> list[list[Line]]:
    """Printed lines → table rows. Rows are first parted where the text leaves a vertical gap wider
    than `row_gap` (cells are vertically centred in their rows, so a wrapped cell's first line may
    stand above the 序号 of its row); within such a stack a row opens at each line with text in the
    key column (序号 when a column holds row numbers, else the first), the lines after it are its
    wrapped cells."""
    if not lines:
        return []
    key = _key_column(lines, cols)
    stacks = split_runs(sorted(lines, key=lambda ln: ln.top),
                    lambda stack, ln: ln.top - max(x.bottom for x in stack) > row_gap)
    rows: list[list[Line]] = []
    for stack in stacks:          # rows set without padding: split the stack at its 2nd, 3rd … opener
        openers = [k for k, ln in enumerate(stack) if any(_col_of((c.x0 + c.x1) / 2, cols) == key for c in ln.chars)]
        cuts = [0, *openers[1:], len(stack)]
        rows.extend(stack[a:b] for a, b in zip(cuts, cuts[1:], strict=False))
    return rows


def _key_column(lines: list[Line], cols: list[float]) -> int:
    texts: dict[int, list[str]] = {}
    for ln in lines:
        for c in ln.chars:
            texts.setdefault(_col_of((c.x0 + c.x1) / 2, cols), []).append(c.text)
    for j in sorted(texts):
        if all(t.isdigit() for t in texts[j]):
            return j
    return 0


def _row_cells(lines: list[Line], cols: list[float], row: int, top: float, bottom: float, min_gap: float,
               page: int, s: LayoutSettings) -> list[Cell]:
    """One cell per column; a text run that crosses column edges (a section row printed across the
    table, a year over two columns) is one cell spanning them."""
    n_cols = len(cols) - 1
    owner = list(range(n_cols))             # column → first column of the cell it belongs to
    chars: dict[int, list[Char]] = {}
    for ln in lines:
        for run in runs(ln, min_gap):
            first = _col_of((run[0].x0 + run[0].x1) / 2, cols)
            last = _col_of((run[-1].x0 + run[-1].x1) / 2, cols)
            for j in range(first + 1, last + 1):
                owner[j] = owner[first]
            chars.setdefault(owner[first], []).extend(run)
    filled = sorted({owner[j] for j in chars})
    if len(filled) == 1 and owner.count(filled[0]) > 1:      # a row of one text across the table
        owner[filled[0]:] = [filled[0]] * (n_cols - filled[0])
    cells = []
    for j in sorted(set(owner)):
        span = owner.count(j)
        text, markers = cell_text(chars.get(j, []), page, s)
        cells.append(Cell(cols[j], top, cols[j + span], bottom, row=row, col=j, rowspan=1, colspan=span, text=text,
                          markers=markers, confidence=confidence(chars.get(j, []))))
    return cells
