"""Table mechanisms on small PDFs built here: ruled grids drawn as lines or rectangles, a three-line
table, a table split over two pages with an empty merged cell, an unknown column, section rows."""
from dataclasses import replace

import pytest

from pipeline.api import extract
from pipeline.layout.page import layout_document
from pipeline.load.document import load_pdf
from pipeline.model.rows import FootnoteRow
from pipeline.settings import DEFAULT
from pipeline.tables.assemble import assemble_tables

from pdfs import Doc, ruled_table, table

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

COLS = [60, 95, 175, 330, 440, 540]
HEADER = ["序号", "类别", "指标内容", "2025年预期目标", "全年完成情况"]


def _tables(path, backend="pdfium"):
    doc = load_pdf(path, DEFAULT, backend)
    tables, _, problems = assemble_tables(layout_document(doc.pages, DEFAULT.layout), DEFAULT.layout)
    return tables, problems


@pytest.fixture
def split_table(tmp_path):
    """表 1 over two pages; the 类别 cell of rows 3-5 is merged and its text printed on page 1 only."""
    d = Doc()
    d.text(60, 80, "表1：2025年某区主要目标完成情况", size=14)
    rows1 = [HEADER, ["1", "经济", "地区生产总值", "增长6%", "增长6.5%"],
             ["2", "", "财政收入", "增长5%", "增长7%"], ["3", "民生", "新增就业岗位", "1万个", "1.2万个"],
             ["4", "", "养老床位", "新增500张", "新增520张"]]
    table(d, COLS, 110, rows1, merged={1: (3, 4)})
    d.footer(1)
    d.new_page()
    rows2 = [HEADER, ["5", "", "城镇登记失业人数", "控制在2万人以内", "1.8万人"],
             ["6", "环境", "污水处理率", "96%", "97%"]]
    table(d, COLS, 60, rows2)
    d.footer(2)
    return d.save(tmp_path / "split.pdf")


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_split_table_is_one_logical_table(split_table, backend):
    tables, problems = _tables(split_table, backend)
    assert len(tables) == 1
    t = tables[0]
    assert t.table_no == 1 and t.header == tuple(HEADER)
    assert [r[0] for r in t.rows] == ["1", "2", "3", "4", "5", "6"]      # repeated header dropped
    assert t.row_pages == (1, 1, 1, 1, 2, 2)
    assert t.rows[4][1] == "民生"            # the merged cell carried across the page break
    assert t.rows[5][1] == "环境"
    header_rows = sorted({c.row for c in t.cells if c.is_header})
    assert header_rows == [0, 5]            # rows numbered across pages; the repeat is a header too


def test_merged_category_fills_every_row(split_table):
    ex = extract(split_table)
    cats = [(r.seq, r.category) for r in ex.tables["indicators"]]
    assert cats == [(1, "经济"), (2, "经济"), (3, "民生"), (4, "民生"), (5, "民生"), (6, "环境")]
    assert ex.tables["indicators"][4].page == 2


def test_three_line_table_columns_from_alignment(tmp_path):
    d = Doc()
    d.text(60, 80, "表2：2025年重大政府投资项目计划", size=14)
    rows = [["序号", "项目名称", "投资总额(亿元)", "目标"],
            ["1", "某路新建工程", "8.9", "施工"],
            ["2", "某中心改扩建项目", "12.5", "竣工"],
            ["3", "某公园", "1.2", "施工"]]
    table(d, [60, 100, 300, 420, 520], 110, rows, three_line=True)
    path = d.save(tmp_path / "three.pdf")
    tables, _ = _tables(path)
    assert len(tables) == 1 and tables[0].header == ("序号", "项目名称", "投资总额(亿元)", "目标")
    assert tables[0].rows[1] == ("2", "某中心改扩建项目", "12.5", "竣工")
    projects = extract(path).tables["projects"]
    assert [(p.seq, p.investment_yi, p.target_stage) for p in projects] == [
        (1, 8.9, "施工"), (2, 12.5, "竣工"), (3, 1.2, "施工")]


@pytest.mark.once
def test_two_three_line_tables_on_one_page(tmp_path):
    """Two three-line tables one under the other share their rules' ends: the title of the second
    between them parts them (they were read as one table with the title as a row). The second's
    empty 类别 column is a column of its own, from its header text."""
    x = [60, 100, 160, 330, 430, 530]
    d = Doc()
    d.text(60, 80, "表1：2025年主要目标", size=14)
    bottom = _three_line(d, x, 110, [["序号", "类别", "指标内容", "预期目标", "完成情况"]],
                         [["1", "经济", "地区生产总值", "增长6%", "增长6.5%"]])
    d.text(60, bottom + 20, "表3：2026年主要目标", size=14)
    _three_line(d, x, bottom + 50, [["序号", "类别", "指标内容", "预期目标"]],
                [["1", "", "地区生产总值", "增长6%"], ["2", "", "财政收入", "增长5%"]])
    tables, problems = _tables(d.save(tmp_path / "two.pdf"))
    assert [(t.table_no, t.header, t.rows) for t in tables] == [
        (1, ("序号", "类别", "指标内容", "预期目标", "完成情况"), (("1", "经济", "地区生产总值", "增长6%", "增长6.5%"),)),
        (3, ("序号", "类别", "指标内容", "预期目标"), (("1", "", "地区生产总值", "增长6%"), ("2", "", "财政收入", "增长5%")))]
    assert problems == []


def test_rectangle_drawn_grid(tmp_path):
    d = Doc()
    d.text(60, 80, "表3：2025年主要目标", size=14)
    xs, top, h = [60, 100, 200, 400], 110, 24
    rows = [["序号", "指标内容", "2025年预期目标"], ["1", "地区生产总值", "增长6%"], ["2", "实际到位外资额", "6亿美元"]]
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            d.rect(xs[j], top + i * h, xs[j + 1], top + (i + 1) * h)
            d.text(xs[j] + 3, top + i * h + 6, cell, size=11)
    ex = extract(d.save(tmp_path / "rects.pdf"))
    assert [(r.seq, r.indicator, r.target_text, r.year) for r in ex.tables["indicators"]] == [
        (1, "地区生产总值", "增长6%", 2025), (2, "实际到位外资额", "6亿美元", 2025)]
    values = ex.tables["indicator_values"]
    assert [(v.seq, v.base_value, v.base_unit) for v in values] == [(1, 6, "%"), (2, 600000000, "USD")]


def test_unknown_column_is_kept_and_reported(tmp_path):
    d = Doc()
    d.text(60, 80, "表2：2025年重大政府投资项目计划", size=14)
    rows = [["序号", "项目名称", "投资总额(亿元)", "目标", "牵头领导"],
            ["（一）区级骨干路网（2项）", "", "", "", ""],
            ["1", "某路新建工程", "8.9", "施工", "张三"],
            ["（二）民生设施（1项）", "", "", "", ""],
            ["2", "某学校", "2.0", "竣工", "李四"]]
    x = [60, 95, 250, 350, 420, 530]
    bottom = 110 + 24 * len(rows)
    for i in range(len(rows) + 1):
        d.hline(x[0], x[-1], 110 + 24 * i)
    for j, xv in enumerate(x):
        for i, row in enumerate(rows):
            if j in (0, len(x) - 1) or not row[0].startswith("（"):
                d.vline(xv, 110 + 24 * i, 110 + 24 * (i + 1))
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell:
                d.text(x[j] + 3, 110 + 24 * i + 6, cell, size=11)
    d.text(60, bottom + 8, "备注：牵头领导为示例。", size=11)
    ex = extract(d.save(tmp_path / "unknown.pdf"))
    assert [(n.table_no, n.note_no, n.text, n.page) for n in ex.tables["table_notes"]] == [
        (2, 1, "备注：牵头领导为示例。", 1)]
    assert not any("牵头领导为示例" in p.text for p in ex.tables["paragraphs"])
    projects = ex.tables["projects"]
    assert [(p.seq, p.section_no, p.section, p.section_declared_count) for p in projects] == [
        (1, "一", "区级骨干路网", 2), (2, "二", "民生设施", 1)]
    assert any("牵头领导" in p.reason for p in ex.problems)
    # its cells are in table_cells as printed: a note for the data team, no doubt of the extraction
    assert {p.code.kind for p in ex.problems if "牵头领导" in p.reason} == {"note"}
    assert any(p.reason.startswith("section declares 2 projects, 1 listed") for p in ex.problems)
    assert "张三" in [c.text for c in ex.tables["table_cells"]]


def test_footnote_marker_in_a_cell_is_linked_to_the_cell(tmp_path):
    d = Doc()
    d.text(60, 80, "表1：2025年主要目标", size=14)
    xs = [60, 100, 260, 420]
    table(d, xs, 110, [["序号", "指标内容", "2025年预期目标"], ["1", "", "增长6%"], ["2", "区域路网密度", "3.41km/km"]])
    d.text(xs[1] + 3, 110 + 24 + 6.5, "重点产业园区亩均税收", size=11)
    d.text(xs[1] + 3 + 10 * 11, 110 + 24 + 3, "1", size=6.4)        # raised marker after the indicator
    d.text(xs[2] + 3 + 54, 110 + 48 + 3, "2", size=6.4)             # km² exponent
    d.hline(60, 170, 700)
    d.text(60, 706, "1", size=6.1)
    d.text(70, 708, "亩均税收：税收总额除以用地面积。", size=10.5)
    ex = extract(d.save(tmp_path / "cellnote.pdf"))
    ind = {r.seq: r for r in ex.tables["indicators"]}
    assert ind[1].indicator == "重点产业园区亩均税收"
    assert ind[2].target_text == "3.41km/km²"
    cell = next(c for c in ex.tables["table_cells"] if c.text == "重点产业园区亩均税收")
    assert cell.footnote_refs == "1"
    assert (cell.x0, cell.top, cell.x1, cell.bottom) == (100, 134, 260, 158)   # its box in the grid
    assert (cell.role, cell.output, cell.seq, cell.field) == ("data", "indicators", 1, "indicator")
    marker, note = ex.tables["footnotes"][0].marker_box, ex.tables["footnotes"][0].note_boxes
    assert [replace(f, marker_box=None, note_boxes=()) for f in ex.tables["footnotes"]] == [FootnoteRow(
        notice_id="cellnote", footnote_no=1, text="亩均税收：税收总额除以用地面积。", page=1,
        para_id=None, anchor="重点产业园区亩均税收", table_no=1, cell_row=cell.row, cell_col=cell.col)]
    assert marker == (1, 100, 134, 260, 158)            # a marker in a cell is drawn at its cell
    assert [b[0] for b in note] == [1] and 700 < note[0][2] < note[0][4] < 725


def test_unit_line_and_continued_label(tmp_path):
    """A "单位：亿元" line under the title, "续表2" above the continuation, page numbers at the top."""
    d = Doc()
    d.text(280, 30, "- 1 -", size=10.5)
    d.text(60, 80, "表2：2025年重大政府投资项目计划", size=14)
    d.text(440, 100, "单位：万元", size=10.5)
    x = [60, 100, 300, 420, 520]
    table(d, x, 120, [["序号", "项目名称", "投资总额", "目标"], ["1", "某路新建工程", "8900", "施工"]])
    d.new_page()
    d.text(280, 30, "- 2 -", size=10.5)
    d.text(60, 60, "续表2", size=12)
    table(d, x, 80, [["序号", "项目名称", "投资总额", "目标"], ["2", "某学校", "20000", "竣工"]])
    ex = extract(d.save(tmp_path / "unit.pdf"))
    assert [(p.table_no, p.seq, p.name, p.page) for p in ex.tables["projects"]] == [
        (2, 1, "某路新建工程", 1), (2, 2, "某学校", 2)]
    # 单位：万元 → investment_yi in 亿元 and investment_cny in CNY
    assert [(p.investment_yi, p.investment_cny) for p in ex.tables["projects"]] == [
        (0.89, 89_000_000), (2.0, 200_000_000)]
    assert not [p for p in ex.problems if "title" in p.reason]


def test_indicator_table_without_a_number_column(tmp_path):
    d = Doc()
    d.text(60, 80, "表1：2025年主要目标", size=14)
    table(d, [60, 260, 420], 110, [["指标名称", "预期目标"], ["地区生产总值", "增长6%"], ["实际到位外资额", "6亿美元"]])
    ex = extract(d.save(tmp_path / "noseq.pdf"))
    assert [(r.seq, r.indicator, r.target_text) for r in ex.tables["indicators"]] == [
        (1, "地区生产总值", "增长6%"), (2, "实际到位外资额", "6亿美元")]
    assert any("no 序号 column" in p.reason for p in ex.problems)


def _three_line(d: Doc, x: list[float], top: float, header: list[list[str]], rows: list, size=10.5,
                pitch=16, pad=5, over: tuple[float, str] | None = None) -> float:
    """A three-line table part: a thick rule, header lines (a cell may wrap: one list per printed
    line; `over` = (x, text) is printed above them, across columns), a thin rule, body rows (a cell
    given as a list wraps onto several lines; a row of one string is a bold section row across the
    table), a thick rule. Returns the bottom."""
    d.hline(x[0], x[-1], top, width=1.5)
    if over:
        d.text(over[0], top + pad, over[1], size=size)
        top += pitch
    for k, line in enumerate(header):
        for j, text in enumerate(line):
            if text:
                d.text(x[j] + 3, top + pad + k * pitch, text, size=size)
    top += 2 * pad + len(header) * pitch
    d.hline(x[0], x[-1], top, width=0.5)
    for row in rows:
        if isinstance(row, str):
            d.text(x[0] + 3, top + pad, row, size=size, bold=True)
            top += 2 * pad + pitch
            continue
        cells = [c if isinstance(c, list) else [c] for c in row]
        for j, lines in enumerate(cells):
            for k, text in enumerate(lines):
                d.text(x[j] + 3, top + pad + k * pitch, text, size=size)
        top += 2 * pad + pitch * max(len(c) for c in cells)
    d.hline(x[0], x[-1], top, width=1.5)
    return top


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_three_line_project_table_at_a_page_foot(tmp_path, backend):
    """Header wrapped onto two lines, bold section rows across the table, the table opening with its
    header and two rows at a page foot and going on under a repeated header on the next page."""
    x = [60, 100, 330, 430, 530]
    header = [["", "", "投资总额"], ["序号", "项目名称", "（亿元）", "目标"]]
    d = Doc()
    d.text(60, 640, "表2：2025年重大政府投资项目计划", size=14)
    _three_line(d, x, 666, header, ["（一）区级骨干路网（3项）", ["1", "某路新建工程", "8.9", "施工"]])
    d.footer(1)
    d.new_page()
    _three_line(d, x, 60, header, [["2", "某桥改建工程", "3.1", "竣工"], ["3", ["某隧道工程（一期", "及二期）"], "10", "施工"],
                                   "（二）民生设施（1项）", ["4", "某学校", "2.0", "竣工"]])
    d.footer(2)
    ex = extract(d.save(tmp_path / "three-foot.pdf"), backend=backend)
    assert [(p.seq, p.section_no, p.section, p.section_declared_count, p.name, p.investment_yi,
             p.target_stage, p.page) for p in ex.tables["projects"]] == [
        (1, "一", "区级骨干路网", 3, "某路新建工程", 8.9, "施工", 1),
        (2, "一", "区级骨干路网", 3, "某桥改建工程", 3.1, "竣工", 2),
        (3, "一", "区级骨干路网", 3, "某隧道工程（一期及二期）", 10.0, "施工", 2),
        (4, "二", "民生设施", 1, "某学校", 2.0, "竣工", 2)]
    assert ex.problems == ()
    section = next(c for c in ex.tables["table_cells"] if c.text.startswith("（一）"))
    assert (section.col, section.colspan) == (0, 4)


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_three_line_indicator_table_category_in_first_row_only(tmp_path, backend):
    """类别 printed only in the first row of its group (no merged cell, no rules): filled down, on
    both pages of the table; a two-line header with a year spanning 预期目标 and 完成情况."""
    x = [60, 95, 155, 300, 420, 530]
    header = [["序号", "类别", "指标内容", "预期目标", "完成情况"]]
    year = (400, "2025年")                  # centred over the last two columns (300-530)
    d = Doc()
    d.text(60, 80, "表1：2025年主要目标完成情况", size=14)
    _three_line(d, x, 110, header, [["1", "经济", "地区生产总值", "增长6%", "增长6.5%"],
                                    ["2", "", ["一般公共预算收入", "（区级）"], "增长5%", "增长7%"],
                                    ["3", "民生", "新增就业岗位", "1万个", "1.2万个"]], over=year)
    d.footer(1)
    d.new_page()
    _three_line(d, x, 60, header, [["4", "", "城镇登记失业人数", "2万人以内", "1.8万人"],
                                   ["5", "环境", "污水处理率", "96%", "97%"]], over=year)
    d.footer(2)
    ex = extract(d.save(tmp_path / "three-ind.pdf"), backend=backend)
    assert [(r.seq, r.category, r.indicator, r.target_text, r.actual_text, r.year, r.page)
            for r in ex.tables["indicators"]] == [
        (1, "经济", "地区生产总值", "增长6%", "增长6.5%", 2025, 1),
        (2, "经济", "一般公共预算收入（区级）", "增长5%", "增长7%", 2025, 1),
        (3, "民生", "新增就业岗位", "1万个", "1.2万个", 2025, 1),
        (4, "民生", "城镇登记失业人数", "2万人以内", "1.8万人", 2025, 2),
        (5, "环境", "污水处理率", "96%", "97%", 2025, 2)]
    assert ex.problems == ()
    year_cell = next(c for c in ex.tables["table_cells"] if c.text == "2025年")
    assert (year_cell.col, year_cell.colspan, year_cell.is_header) == (3, 2, True)


@pytest.mark.once
def test_three_line_rows_with_vertically_centred_cells(tmp_path):
    """Cells centred in their rows: a name wrapped onto three lines starts above its row's 序号, so
    rows are parted by the padding between them, not only at the lines that carry a 序号."""
    x = [60, 100, 330, 430, 530]
    d = Doc()
    d.text(60, 80, "表2：2025年重大政府投资项目计划", size=14)
    d.hline(x[0], x[-1], 110, width=1.5)
    for j, text in enumerate(["序号", "项目名称", "投资总额", "目标"]):
        d.text(x[j] + 3, 115, text, size=10.5)
    d.hline(x[0], x[-1], 136, width=0.5)
    for j, text in enumerate(["1", "某路新建工程", "8.9", "施工"]):
        d.text(x[j] + 3, 141, text, size=10.5)
    for k, text in enumerate(["某隧道工程", "（一期", "及二期）"]):     # row 2: 162-220, pitch 14
        d.text(x[1] + 3, 167 + 14 * k, text, size=10.5)
    for j, text in [(0, "2"), (2, "10"), (3, "施工")]:
        d.text(x[j] + 3, 181, text, size=10.5)
    for j, text in enumerate(["3", "某学校", "2.0", "竣工"]):
        d.text(x[j] + 3, 215, text, size=10.5)
    d.hline(x[0], x[-1], 236, width=1.5)
    d.footer(1)
    ex = extract(d.save(tmp_path / "three-centred.pdf"))
    assert [(p.seq, p.name, p.investment_yi, p.target_stage) for p in ex.tables["projects"]] == [
        (1, "某路新建工程", 8.9, "施工"), (2, "某隧道工程（一期及二期）", 10.0, "施工"), (3, "某学校", 2.0, "竣工")]


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_unit_column_and_group_rows(tmp_path, backend):
    """Another district's layout: categories as full-width group rows (一、经济发展), a 单位 column
    with bare numbers in the cells (each value takes its unit from it), money in 万元 declared in
    the header and columns no output has a field for (建设内容, 建设单位)."""
    d = Doc()
    d.text(60, 60, "表1：2025年主要目标", size=14)
    ruled_table(d, [60, 95, 250, 300, 420, 530], 84, [
        ["序号", "指标名称", "单位", "2025年目标", "完成情况"],
        "一、经济发展",
        ["1", "地区生产总值", "%", "增长6", "增长6.5"],
        ["2", "规上工业企业", "家", "达到25", "28"],
        "二、民生保障",
        ["3", "新增就业岗位", "万个", "1", "1.2"]])
    d.text(60, 280, "表2：2025年重大政府投资项目", size=14)
    ruled_table(d, [60, 90, 190, 300, 380, 440, 530], 304, [
        ["序号", "项目名称", "建设内容", "总投资（万元）", "年度目标", "建设单位"],
        ["1", "某路新建工程", "新建道路2公里", "89000", "施工", "区建管委"],
        ["2", "某学校", "新建校舍", "20000", "竣工", "区教育局"]])
    ex = extract(d.save(tmp_path / "district.pdf"), backend=backend)
    assert [(r.seq, r.category, r.indicator, r.target_text, r.actual_text)
            for r in ex.tables["indicators"]] == [
        (1, "经济发展", "地区生产总值", "增长6", "增长6.5"), (2, "经济发展", "规上工业企业", "达到25", "28"),
        (3, "民生保障", "新增就业岗位", "1", "1.2")]
    assert [(v.seq, v.measure, v.raw, v.value, v.unit, v.kind, v.qualifier, v.base_value,
             v.base_unit) for v in ex.tables["indicator_values"]] == [
        (1, "target", "6", 6.0, "%", "growth", None, 6, "%"),
        (1, "actual", "6.5", 6.5, "%", "growth", None, 6.5, "%"),
        (2, "target", "25", 25.0, "家", "level", "达到", 25, "家"),
        (2, "actual", "28", 28.0, "家", "level", None, 28, "家"),
        (3, "target", "1", 1.0, "万个", "level", None, 10000, "个"),
        (3, "actual", "1.2", 1.2, "万个", "level", None, 12000, "个")]
    assert [(p.seq, p.name, p.investment_yi, p.investment_cny, p.target_stage, p.builder)
            for p in ex.tables["projects"]] == [(1, "某路新建工程", 8.9, 890_000_000, "施工", "区建管委"),
                                                (2, "某学校", 2.0, 200_000_000, "竣工", "区教育局")]
    assert "新建道路2公里" in [c.text for c in ex.tables["table_cells"]]
    assert ex.problems == ()


def test_sequence_gaps_repeats_and_empty_sections_need_review(tmp_path):
    """Nothing lost in silence: a 序号 that skips or repeats and a section row with no rows under it
    are problems, and the notice needs review; numbering that restarts under a new group is not."""
    from pipeline.model.problems import verdict
    d = Doc()
    d.text(60, 60, "表2：2025年重大政府投资项目计划", size=14)
    ruled_table(d, [60, 100, 330, 430, 530], 84, [
        ["序号", "项目名称", "投资总额（亿元）", "目标"],
        "（一）区级骨干路网",
        ["1", "某路新建工程", "8.9", "施工"], ["2", "某桥", "1.0", "施工"], ["2", "某隧道", "3.0", "施工"],
        ["5", "某立交", "4.0", "竣工"],
        "（二）民生设施",
        "（三）生态环境",
        ["1", "某公园", "1.2", "竣工"]])
    ex = extract(d.save(tmp_path / "gaps.pdf"))
    # the extraction is what is written: a row whose key (table, year, 序号) repeats is left out, and said so
    assert [p.seq for p in ex.tables["projects"]] == [1, 2, 5]
    assert [(p.reason, p.text) for p in ex.problems] == [
        ("序号 2 repeated", "2|某隧道|3.0|施工"), ("序号 jumps from 2 to 5", "5|某立交|4.0|竣工"),
        ("section without rows", "（二）民生设施"),
        ("projects row left out: repeats the primary key ('gaps', 2, 2025, 2)", "某隧道"),
        ("projects row left out: repeats the primary key ('gaps', 2, 2025, 1)", "某公园")]
    assert verdict(ex.problems)[0] == "needs_review"


def test_table_title_without_a_table_needs_review(tmp_path):
    """A printed 表N title whose table could not be read is a problem naming it."""
    from pipeline.model.problems import verdict
    d = Doc()
    d.text(60, 60, "表1：2025年主要目标", size=14)
    table(d, [60, 100, 260, 420], 84, [["序号", "指标内容", "2025年预期目标"], ["1", "地区生产总值", "增长6%"]])
    d.text(60, 200, "表2：2025年重大政府投资项目计划", size=14)
    d.text(60, 230, "（该表以图片形式印发）", size=11)
    ex = extract(d.save(tmp_path / "lost.pdf"))
    assert [(p.reason, p.page, p.text) for p in ex.problems] == [
        ("table title without a table", 1, "表2：2025年重大政府投资项目计划")]
    assert verdict(ex.problems)[0] == "needs_review"
