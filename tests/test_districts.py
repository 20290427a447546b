"""Other districts' tables on small PDFs built here: columns understood by their words once the year
and the unit are taken off, a table with several measures read once per year, 单位 and 属性
columns, bare numbers with their qualifiers, project tables in 万元 with a planned investment,
建设规模及内容, 建设起止年限, 形象进度 and 责任单位 columns."""
from decimal import Decimal

import pytest

from pipeline.api import extract

from pdfs import Doc, ruled_table, table


def _three_measures(tmp_path):
    d = Doc()
    d.text(30, 50, "表1：2023年主要指标完成情况及2024年目标", size=12)
    table(d, [30, 58, 180, 228, 268, 345, 425, 505], 80, [
        ["序号", "指标名称", "计量单位", "属性", "2023年计划", "2023年预计完成", "2024年目标"],
        ["1", "地区生产总值", "亿元", "预期性", "1720", "1695", "1790左右"],
        ["2", "地区生产总值增速", "%", "预期性", "5.5左右", "5.2", "增长5以上"],
        ["3", "PM2.5年均浓度", "微克/立方米", "约束性", "≤32", "28", "控制在30以内"],
        ["4", "单位地区生产总值能耗", "%", "约束性", "完成市下达任务", "下降2.8", "提高0.1左右"],
        ["5", "城镇调查失业率", "%", "预期性", "5.5以内", "4.6", "不低于40.6"],
    ], size=9)
    return d.save(tmp_path / "three_measures.pdf")


def test_three_measures_give_the_review_year_and_the_plan_year(tmp_path, backend):
    """2023年计划 | 2023年预计完成 | 2024年目标: the 2023 rows carry target and actual, the 2024 rows
    the 2024 target; the 单位 and 属性 columns are written; every bare number is a quantity in the
    column's unit, whatever qualifier or sign word surrounds it."""
    ex = extract(_three_measures(tmp_path), backend=backend)
    rows = [(r.year, r.seq, r.indicator, r.unit, r.attribute, r.target_text, r.actual_text)
            for r in ex.tables["indicators"]]
    assert rows == [
        (2023, 1, "地区生产总值", "亿元", "预期性", "1720", "1695"),
        (2023, 2, "地区生产总值增速", "%", "预期性", "5.5左右", "5.2"),
        (2023, 3, "PM2.5年均浓度", "微克/立方米", "约束性", "≤32", "28"),
        (2023, 4, "单位地区生产总值能耗", "%", "约束性", "完成市下达任务", "下降2.8"),
        (2023, 5, "城镇调查失业率", "%", "预期性", "5.5以内", "4.6"),
        (2024, 1, "地区生产总值", "亿元", "预期性", "1790左右", None),
        (2024, 2, "地区生产总值增速", "%", "预期性", "增长5以上", None),
        (2024, 3, "PM2.5年均浓度", "微克/立方米", "约束性", "控制在30以内", None),
        (2024, 4, "单位地区生产总值能耗", "%", "约束性", "提高0.1左右", None),
        (2024, 5, "城镇调查失业率", "%", "预期性", "不低于40.6", None)]
    values = [(v.year, v.seq, v.measure, v.raw, v.value, v.unit, v.kind, v.qualifier, v.base_value, v.base_unit)
              for v in ex.tables["indicator_values"]]
    assert values == [
        (2023, 1, "target", "1720", 1720.0, "亿元", "level", None, Decimal("172000000000"), "CNY"),
        (2023, 1, "actual", "1695", 1695.0, "亿元", "level", None, Decimal("169500000000"), "CNY"),
        (2023, 2, "target", "5.5", 5.5, "%", "growth", "左右", Decimal("5.5"), "%"),     # the name says 增速
        (2023, 2, "actual", "5.2", 5.2, "%", "growth", None, Decimal("5.2"), "%"),
        (2023, 3, "target", "32", 32.0, "微克/立方米", "level", "≤", Decimal("32"), "μg/m3"),
        (2023, 3, "actual", "28", 28.0, "微克/立方米", "level", None, Decimal("28"), "μg/m3"),
        (2023, 4, "actual", "2.8", -2.8, "%", "growth", None, Decimal("-2.8"), "%"),
        (2023, 5, "target", "5.5", 5.5, "%", "level", "以内", Decimal("5.5"), "%"),
        (2023, 5, "actual", "4.6", 4.6, "%", "level", None, Decimal("4.6"), "%"),
        (2024, 1, "target", "1790", 1790.0, "亿元", "level", "左右", Decimal("179000000000"), "CNY"),
        (2024, 2, "target", "5", 5.0, "%", "growth", "以上", Decimal("5"), "%"),
        (2024, 3, "target", "30", 30.0, "微克/立方米", "level", "控制在…以内", Decimal("30"), "μg/m3"),
        (2024, 4, "target", "0.1", 0.1, "%", "growth", "左右", Decimal("0.1"), "%"),
        (2024, 5, "target", "40.6", 40.6, "%", "level", "不低于", Decimal("40.6"), "%")]
    assert not [p for p in ex.problems if p.stage in ("table_kinds", "quantities", "validate")]
    cells = {(c.row, c.col): (c.seq, c.field, c.output) for c in ex.tables["table_cells"] if not c.is_header}
    assert [cells[(1, col)] for col in (2, 3, 4, 5, 6)] == [
        (1, "unit", "indicators"), (1, "attribute", "indicators"), (1, "target_text", "indicators"),
        (1, "actual_text", "indicators"), (1, "target_text", "indicators")]


def test_project_table_in_wan_yuan_with_planned_investment(tmp_path, backend):
    """总投资（万元）| 2024年计划投资（万元）: both converted to 亿元; 建设规模及内容, 建设起止年限,
    2024年形象进度 (the goal) and 责任单位 go to their columns."""
    d = Doc()
    d.text(30, 50, "表2：2024年重点建设项目计划", size=12)
    table(d, [25, 50, 120, 215, 275, 340, 430, 500, 570], 80, [
        ["序号", "项目名称", "建设规模及内容", "建设起止年限", "总投资（万元）", "2024年计划投资（万元）",
         "2024年形象进度", "责任单位"],
        ["1", "某产业园", "厂房28万平方米", "2023—2025年", "356000", "120000", "主体完工", "区工信局"],
        ["2", "某中学", "新建校舍", "2024—2026年", "18500", "6000", "开工建设", "区教育局"],
    ], size=7)
    ex = extract(d.save(tmp_path / "wan_yuan_projects.pdf"), backend=backend)
    assert [(p.year, p.seq, p.name, p.content, p.period, p.investment_yi, p.investment_cny,
             p.plan_investment_yi, p.plan_investment_cny, p.target_stage, p.progress_text, p.builder)
            for p in ex.tables["projects"]] == [
        (2024, 1, "某产业园", "厂房28万平方米", "2023—2025年", 35.6, 3_560_000_000, 12.0, 1_200_000_000,
         "主体完工", None, "区工信局"),
        (2024, 2, "某中学", "新建校舍", "2024—2026年", 1.85, 185_000_000, 0.6, 60_000_000,
         "开工建设", None, "区教育局")]
    assert not [p for p in ex.problems if p.stage in ("table_kinds", "validate")]


def test_project_goal_column_headed_with_a_plan_year(tmp_path, backend):
    """`2023年计划目标` is the goal column of a project table (it was unknown, and every project lost
    its target_stage)."""
    d = Doc()
    d.text(30, 50, "表4：2023年重大项目计划", size=12)
    table(d, [60, 95, 260, 370, 500], 80, [
        ["序号", "项目名称", "投资总额（亿元）", "2023年计划目标"],
        ["1", "某配套道路工程", "18.6", "竣工"],
        ["2", "某公路改建工程", "42.3", "施工"]], size=10)
    ex = extract(d.save(tmp_path / "goal_column.pdf"), backend=backend)
    assert [(p.year, p.seq, p.investment_yi, p.target_stage) for p in ex.tables["projects"]] == [
        (2023, 1, 18.6, "竣工"), (2023, 2, 42.3, "施工")]
    assert not [p for p in ex.problems if p.stage == "table_kinds"]


LEFT, SIZE, PITCH = 80, 16, 28


def test_notes_gathered_under_zhushi_at_the_end_of_the_report(tmp_path, backend):
    """The notes printed after the report's last paragraph under `注释：` (1．… 2．…), not at the page
    foot: each is a footnote linked to the paragraph holding its [N] marker, none is a paragraph."""
    d = Doc()
    d.text(LEFT, 60, "附件2")
    d.text(LEFT + 2 * SIZE, 100, "一、2024年主要任务")
    d.runs(LEFT + 2 * SIZE, 128, [("深入实施“强省会”战略", {}), ("[1]", {"sup": True}), ("，做强县域经济。", {})])
    d.footer(1)
    d.new_page()
    d.runs(LEFT + 2 * SIZE, 60, [("深化“三查”", {}), ("[2]", {"sup": True}), ("行动，守住安全底线。", {})])
    d.text(LEFT, 110, "注释：", size=14)
    d.text(LEFT + 28, 134, "1．“强省会”战略：做强做优省会城市、带动全省发展的", size=14)
    d.text(LEFT, 156, "战略部署。", size=14)
    d.text(LEFT + 28, 178, "2．“三查”：查隐患、查制度、查责任落实。", size=14)
    d.footer(2)
    ex = extract(d.save(tmp_path / "end_notes.pdf"), backend=backend)
    paras = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.footnote_refs) for p in paras] == [("深入实施“强省会”战略，做强县域经济。", "1"),
                                                         ("深化“三查”行动，守住安全底线。", "2")]
    assert [(f.footnote_no, f.text, f.para_id, f.anchor, f.page) for f in ex.tables["footnotes"]] == [
        (1, "“强省会”战略：做强做优省会城市、带动全省发展的战略部署。", paras[0].para_id, "深入实施“强省会”战略", 2),
        (2, "“三查”：查隐患、查制度、查责任落实。", paras[1].para_id, "深化“三查”", 2)]
    assert not [p for p in ex.problems if p.stage == "footnotes"]


def test_table_label_on_its_own_line_sections_counted_in_ge_and_a_wrapped_note(tmp_path, backend):
    """`附表2` on a line of its own above the title (at the foot of the page before the table);
    section rows `（一）交通基础设施（2个）`; a note under the table wrapped onto a second line."""
    d = Doc()
    d.text(LEFT, 60, "附件2")
    d.text(LEFT + 2 * SIZE, 100, "一、2024年主要任务")
    d.text(LEFT, 700, "附表2", size=14)
    d.text(LEFT + 60, 730, "2024年重点建设项目计划", size=14)
    d.footer(1)
    d.new_page()
    bottom = ruled_table(d, [60, 95, 300, 400, 520], 60, [
        ["序号", "项目名称", "总投资（亿元）", "2024年目标"],
        "（一）交通基础设施（2个）",
        ["1", "某快速路改造工程", "12.5", "开工"],
        ["2", "某大桥新建工程", "8", "竣工"],
        "（二）社会事业（1个）",
        ["3", "某医院迁建工程", "6.2", "主体完工"]], size=10)
    d.text(60, bottom + 8, "注：项目总投资以立项批复金额为准，建设内容以最终", size=10.5)
    d.text(60, bottom + 24, "批复为准。", size=10.5)
    d.footer(2)
    ex = extract(d.save(tmp_path / "label_line.pdf"), backend=backend)
    assert [(p.table_no, p.seq, p.section_no, p.section, p.section_declared_count, p.name, p.investment_yi)
            for p in ex.tables["projects"]] == [
        (2, 1, "一", "交通基础设施", 2, "某快速路改造工程", 12.5), (2, 2, "一", "交通基础设施", 2, "某大桥新建工程", 8.0),
        (2, 3, "二", "社会事业", 1, "某医院迁建工程", 6.2)]
    assert [(n.table_no, n.text) for n in ex.tables["table_notes"]] == [
        (2, "注：项目总投资以立项批复金额为准，建设内容以最终批复为准。")]
    assert not [p for p in ex.problems if p.stage in ("tables", "table_kinds", "check")]
    assert all("批复为准" not in p.text for p in ex.tables["paragraphs"])


def test_radicals_are_read_as_the_ideographs_they_stand_for():
    """A browser's print-to-PDF maps some glyphs to radical code points (⻓ for 长, ⺠ for 民): the
    one text normaliser the load stage applies gives the ideographs, for the Kangxi block (which NFKC
    maps too) and the supplement (which NFKC leaves)."""
    from pipeline.vocab.text import nfc
    assert nfc("⻓沙县⼈⺠政府") == "长沙县人民政府"
    assert nfc("⻔") == "门" and nfc("⻢") == "马" and nfc("⼀") == "一"
    assert nfc("⼾") == "户"          # the door radical as a simplified-Chinese face draws it (新增市场主体3万户)
    assert nfc("長") == "長"          # a unified ideograph stays as printed


@pytest.mark.once
def test_a_table_with_several_measures_reaches_the_warehouse_views_by_year(tmp_path):
    """The views pair an indicator value with its row by year too: a three-measure table's 2023 and
    2024 rows share table_no and seq, and each value is counted once, under its own year."""
    import duckdb

    from pipeline.output.write import write_extraction
    from pipeline.warehouse.load import load
    write_extraction(extract(_three_measures(tmp_path), backend="pdfium"), tmp_path / "out")
    db = tmp_path / "w.duckdb"
    load(tmp_path / "out", str(db))
    con = duckdb.connect(str(db))
    rows = con.execute("SELECT year, source = 'actual', raw FROM indicator_measures WHERE seq = 1 "
                       "ORDER BY year, raw").fetchall()
    assert rows == [(2023, True, "1695"), (2023, False, "1720"), (2024, False, "1790")]
    texts = con.execute("SELECT year, text, typed FROM indicator_texts WHERE seq = 4 ORDER BY year, text").fetchall()
    assert texts == [(2023, "下降2.8", True), (2023, "完成市下达任务", False), (2024, "提高0.1左右", True)]


def test_unnumbered_sections_and_money_columns_in_two_units(tmp_path, backend):
    """Section rows without an ordinal (`先进制造业项目（2个）`), the total in 亿元 and the year's plan in
    万元 in one table, and the label opening the title line (`表2　某县…`)."""
    d = Doc()
    d.text(60, 40, "表2\u3000某县2024年县级重点建设项目", size=12)
    bottom = ruled_table(d, [30, 55, 150, 270, 335, 450, 540], 60, [
        ["序号", "项目名称", "建设内容及规模", "总投资（亿元）", "2024年计划投资（万元）", "建设单位"],
        "先进制造业项目（2个）",
        ["1", "某液压件产业园", "新建车间6.2万平方米", "12.5", "18000", "县开发区"],
        ["2", "某新材料项目", "年产纤维6万吨", "9.6", "25000", "县工信局"],
        "基础设施项目（1个）",
        ["3", "某国道改建工程", "改建一级公路18.6公里", "8.9", "22000", "县交通局"]], size=8)
    assert bottom
    ex = extract(d.save(tmp_path / "bare_sections.pdf"), backend=backend)
    assert [(p.table_no, p.seq, p.section_no, p.section, p.section_declared_count, p.name, p.investment_yi,
             p.plan_investment_yi, p.content, p.builder) for p in ex.tables["projects"]] == [
        (2, 1, None, "先进制造业项目", 2, "某液压件产业园", 12.5, 1.8, "新建车间6.2万平方米", "县开发区"),
        (2, 2, None, "先进制造业项目", 2, "某新材料项目", 9.6, 2.5, "年产纤维6万吨", "县工信局"),
        (2, 3, None, "基础设施项目", 1, "某国道改建工程", 8.9, 2.2, "改建一级公路18.6公里", "县交通局")]
    assert not [p for p in ex.problems if p.stage in ("tables", "table_kinds", "check")]
