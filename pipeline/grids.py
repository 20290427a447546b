"""Ruling lines and chars of one page → table grids (cells with spans and text).

Two kinds of table: ruled (horizontal and vertical rules, spans found from the
missing rule segments) and rule-only "three-line" tables (horizontal rules only:
columns come from the vertical gaps in the text).
"""
from __future__ import annotations

from bisect import bisect_right

from . import data
from .lines import SUPERSCRIPT, build_lines, gap_space, is_power, join_lines, marker_number, split_superscripts
from .records import Cell, Char, Grid, Page, Rule

SNAP = 2.0          # rules closer than this (pt) are one edge
MIN_THREE_LINE = 3  # horizontal rules that make a rule-only table


def find_grids(page: Page) -> tuple[list[Grid], set[Rule]]:
    grids: list[Grid] = []
    used: set[Rule] = set()
    for group in _connected(page.rules):
        hs = [r for r in group if r.horizontal]
        vs = [r for r in group if not r.horizontal]
        if len(hs) >= 2 and len(vs) >= 2:
            grid = _ruled_grid(page, hs, vs)
            if grid is not None:
                grids.append(grid)
                used.update(group)
    rest = [r for r in page.rules if r not in used and r.horizontal and (r.x1 - r.x0) > 0.3 * page.width]
    for stack in _stacks(rest):
        grid = _three_line_grid(page, stack)
        if grid is not None:
            grids.append(grid)
            used.update(stack)
    grids.sort(key=lambda g: g.top)
    return grids, used


def _connected(rules) -> list[list[Rule]]:
    rules = list(rules)
    parent = list(range(len(rules)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rules):
        for j in range(i + 1, len(rules)):
            b = rules[j]
            if (a.x0 - SNAP <= b.x1 and b.x0 - SNAP <= a.x1 and a.top - SNAP <= b.bottom and b.top - SNAP <= a.bottom):
                parent[find(i)] = find(j)
    groups: dict[int, list[Rule]] = {}
    for i, r in enumerate(rules):
        groups.setdefault(find(i), []).append(r)
    return list(groups.values())


def _snap(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= SNAP:
            continue
        out.append(v)
    return out


def _covers(rules: list[Rule], at: float, lo: float, hi: float, horizontal: bool) -> bool:
    """Is the span lo..hi along position `at` drawn by one of the rules?"""
    mid_lo, mid_hi = lo + 0.25 * (hi - lo), hi - 0.25 * (hi - lo)
    for r in rules:
        pos = r.top if horizontal else r.x0
        a, b = (r.x0, r.x1) if horizontal else (r.top, r.bottom)
        if abs(pos - at) <= SNAP and a <= mid_lo + SNAP and b >= mid_hi - SNAP:
            return True
    return False


def _chars_in(page: Page, x0, top, x1, bottom) -> list[Char]:
    return [c for c in page.chars
            if x0 <= (c.x0 + c.x1) / 2 <= x1 and top <= (c.top + c.bottom) / 2 <= bottom]


def _cell_text(chars: list[Char], page: int) -> tuple[str, tuple[tuple[int, str], ...]]:
    """Cell text with footnote markers taken out, and the markers as (number, text before them)."""
    pieces: list[str] = []
    markers: list[tuple[int, str]] = []
    for ln in build_lines(chars, page):
        out: list[str] = []
        prev = None
        for kind, item in split_superscripts(ln):
            before = join_lines(pieces + ["".join(out)])
            if kind == "sup":
                number = marker_number(item)
                if number is not None and not is_power(before) and data.regex("footnote_marker").match(item):
                    markers.append((number, before))
                else:
                    out.append(item.translate(SUPERSCRIPT))
                continue
            out.append(gap_space(prev, item, ln) + item.text)
            prev = item
        pieces.append("".join(out))
    return join_lines(pieces), tuple(markers)


def _ruled_grid(page: Page, hs: list[Rule], vs: list[Rule]) -> Grid | None:
    ys = _snap([r.top for r in hs])
    xs = _snap([r.x0 for r in vs])
    if len(ys) < 2 or len(xs) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = {(i, j): (i, j) for i in range(n_rows) for j in range(n_cols)}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i in range(n_rows):
        for j in range(n_cols):
            if i + 1 < n_rows and not _covers(hs, ys[i + 1], xs[j], xs[j + 1], True):
                parent[find((i, j))] = find((i + 1, j))
            if j + 1 < n_cols and not _covers(vs, xs[j + 1], ys[i], ys[i + 1], False):
                parent[find((i, j))] = find((i, j + 1))
    spans: dict[tuple, list[tuple[int, int]]] = {}
    for k in parent:
        spans.setdefault(find(k), []).append(k)
    region = _chars_in(page, xs[0], ys[0], xs[-1], ys[-1])
    if not region:
        return None
    by_span: dict[tuple, list[Char]] = {}
    for c in region:
        i = min(max(bisect_right(ys, (c.top + c.bottom) / 2) - 1, 0), n_rows - 1)
        j = min(max(bisect_right(xs, (c.x0 + c.x1) / 2) - 1, 0), n_cols - 1)
        by_span.setdefault(find((i, j)), []).append(c)
    cells = []
    for root, members in spans.items():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        box = (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])
        text, markers = _cell_text(by_span.get(root, []), page.number)
        cells.append(Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, text, *box, markers=markers))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(page.number, xs[0], ys[0], xs[-1], ys[-1], n_rows, n_cols, tuple(cells))


def _stacks(rules: list[Rule]) -> list[list[Rule]]:
    """Long horizontal rules that share their left and right ends, top to bottom."""
    stacks: list[list[Rule]] = []
    for r in sorted(rules, key=lambda r: r.top):
        for s in stacks:
            if abs(s[0].x0 - r.x0) <= 5 and abs(s[0].x1 - r.x1) <= 5:
                s.append(r)
                break
        else:
            stacks.append([r])
    return [s for s in stacks if len(_snap([r.top for r in s])) >= MIN_THREE_LINE]


def _three_line_grid(page: Page, stack: list[Rule]) -> Grid | None:
    ys = _snap([r.top for r in stack])
    x0, x1 = min(r.x0 for r in stack), max(r.x1 for r in stack)
    region = _chars_in(page, x0, ys[0], x1, ys[-1])
    if not region:
        return None
    cols = _column_edges(region, x0, x1)
    if len(cols) < 3:
        return None
    n_cols = len(cols) - 1

    def col_of(c: Char) -> int:
        cx = (c.x0 + c.x1) / 2
        return max(j for j in range(n_cols) if cols[j] <= cx)

    rows: list[tuple[float, float, list[Char]]] = []     # (top, bottom, chars)
    for top, bottom in zip(ys, ys[1:]):
        band = [c for c in region if top <= (c.top + c.bottom) / 2 <= bottom]
        lines = build_lines(band, page.number)
        starts_col0 = any(col_of(c) == 0 for c in band)
        current: list[Char] = []
        row_top = top
        for ln in lines:
            opens = any(col_of(c) == 0 for c in ln.chars) if starts_col0 else True
            if current and opens:
                rows.append((row_top, ln.top, current))
                current, row_top = [], ln.top
            current.extend(ln.chars)
        if current:
            rows.append((row_top, bottom, current))
    cells = []
    for i, (top, bottom, chars) in enumerate(rows):
        for j in range(n_cols):
            text, markers = _cell_text([c for c in chars if col_of(c) == j], page.number)
            cells.append(Cell(i, j, 1, 1, text, cols[j], top, cols[j + 1], bottom, markers=markers))
    return Grid(page.number, x0, ys[0], x1, ys[-1], len(rows), n_cols, tuple(cells))


def _column_edges(chars: list[Char], x0: float, x1: float) -> list[float]:
    """Column boundaries at the vertical gaps that no char crosses, wider than half a glyph."""
    spans = sorted((c.x0, c.x1) for c in chars)
    min_gap = 0.5 * min(c.size for c in chars)
    edges = [x0]
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= min_gap:
            edges.append((a + reach) / 2)
        reach = max(reach, b)
    edges.append(x1)
    return edges
