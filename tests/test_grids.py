"""The grid stage alone (layout/grids.py): ruling lines of one page → grids of cells, before any table
is assembled across pages. Each test draws one small table and checks the cells find_grids makes."""
from __future__ import annotations

import pytest

from pipeline.layout.grids import find_grids
from pipeline.load.document import load_pdf
from pipeline.settings import DEFAULT

from pdfs import Doc, table

pytestmark = pytest.mark.usefixtures("backend")     # reads PDF text: once per backend (conftest)

X = [60.0, 110.0, 200.0, 380.0, 500.0]
ROWS = [["序号", "类别", "指标内容", "预期目标"],
        ["1", "经济", "地区生产总值", "增长6%"],
        ["2", "", "财政收入", "增长5%"],
        ["3", "民生", "新增就业岗位", "2万个"]]


def _grids(tmp_path, backend, **drawn):
    d = Doc()
    table(d, X, 100, ROWS, **drawn)
    page = load_pdf(d.save(tmp_path / "grid.pdf"), DEFAULT, backend=backend).pages[0]
    grids, used = find_grids(page, 16.0, DEFAULT.layout)
    return grids, used, page


def _cells(grid) -> dict[tuple[int, int], tuple[int, int, str]]:
    return {(c.row, c.col): (c.rowspan, c.colspan, c.text) for c in grid.cells}


def test_a_full_grid_is_one_grid_of_its_rows_and_columns(tmp_path, backend):
    grids, used, page = _grids(tmp_path, backend)
    [grid] = grids
    assert (grid.n_rows, grid.n_cols) == (4, 4)
    assert grid.x0 == pytest.approx(X[0], abs=1) and grid.x1 == pytest.approx(X[-1], abs=1)
    assert [c.text for c in sorted(grid.cells, key=lambda c: (c.row, c.col))] == [t for r in ROWS for t in r]
    assert used == set(page.rules)             # every rule of the table belongs to it


def test_a_merged_cell_spans_the_rows_its_missing_rules_join(tmp_path, backend):
    [grid], _, _ = _grids(tmp_path, backend, merged={1: (1, 2)})     # 类别 of rows 1-2 is one cell
    cells = _cells(grid)
    assert cells[(1, 1)] == (2, 1, "经济")
    assert (2, 1) not in cells                  # covered by the merged cell, not a cell of its own
    assert cells[(3, 1)] == (1, 1, "民生")


def test_a_three_line_table_takes_its_columns_from_the_text(tmp_path, backend):
    [grid], _, _ = _grids(tmp_path, backend, three_line=True)
    assert grid.header_rows == 1
    rows: dict[int, list[str]] = {}
    for c in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows.setdefault(c.row, []).append(c.text)
    assert [[t for t in r if t] for r in rows.values()] == [[t for t in r if t] for r in ROWS]


def test_rules_that_frame_no_cells_make_no_grid(tmp_path, backend):
    d = Doc()
    d.text(60, 100, "一、经济运行总体平稳", size=16)
    d.hline(60, 500, 130)                       # a lone rule under a heading, and a short one
    d.hline(60, 120, 200)
    page = load_pdf(d.save(tmp_path / "rules.pdf"), DEFAULT, backend=backend).pages[0]
    assert find_grids(page, 16.0, DEFAULT.layout) == ([], set())


def test_two_three_line_tables_one_under_the_other_are_parted_at_a_label_on_its_own_line(tmp_path, backend):
    """Three-line tables set one under the other share their rules' ends: the band between them holds
    the second's 表N label on a line of its own and its title on the next (no 表N： on the title line),
    and parts them. The second's header has a cell wrapped onto two lines."""
    d = Doc()
    bottom = table(d, X, 100, ROWS, three_line=True)
    d.text(60, bottom + 20, "表2", size=14)
    d.text(200, bottom + 44, "某区2024年重大项目计划", size=14)
    top = bottom + 76
    x = [60.0, 110.0, 330.0, 420.0, 500.0]
    for j, text in enumerate(["序号", "项目名称", "", "年度目标"]):
        if text:
            d.text(x[j] + 3, top + 12, text, size=11)
    d.text(x[2] + 3, top + 5, "投资总额", size=11)          # a header cell wrapped onto two lines
    d.text(x[2] + 3, top + 19, "（亿元）", size=11)
    rows = [["1", "某路新建工程", "8.9", "施工"], ["2", "某学校新建工程", "2.0", "竣工"]]
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            d.text(x[j] + 3, top + 42 + 24 * i, text, size=11)
    for y in (top, top + 34, top + 34 + 24 * len(rows)):
        d.hline(x[0], x[-1], y)
    page = load_pdf(d.save(tmp_path / "two.pdf"), DEFAULT, backend=backend).pages[0]
    grids, _ = find_grids(page, 16.0, DEFAULT.layout)
    assert len(grids) == 2
    first, second = grids
    assert [[t for t in r if t] for r in _rows(first)] == [[t for t in r if t] for r in ROWS]
    assert second.header_rows == 3                # one header row per printed line
    assert ["".join(c.text for c in second.cells if c.row < 3 and c.col == j) for j in range(4)] == \
        ["序号", "项目名称", "投资总额（亿元）", "年度目标"]
    assert [[t for t in r if t] for r in _rows(second)][second.header_rows:] == rows
    assert "表2" not in "".join(c.text for g in grids for c in g.cells)


def _rows(grid) -> list[list[str]]:
    rows: dict[int, list[str]] = {}
    for c in sorted(grid.cells, key=lambda c: (c.row, c.col)):
        rows.setdefault(c.row, []).append(c.text)
    return list(rows.values())
