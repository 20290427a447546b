"""Cross-checks inside a notice (pipeline/checks.py): a report sentence against the indicator table,
a section's projects against the total it prints, a value against the plausible range of its unit. A small notice is built twice, once consistent and
once with one planted disagreement of each kind; the shared notices raise no false alarm."""
from dataclasses import replace

import pytest

from pipeline.api import extract
from pipeline.checks.cross import project_totals
from pipeline.model.problems import Code, verdict
from pipeline.model.records import Problem
from pipeline.model.rows import ProjectRow

from conftest import NOTICES
from pdfs import Doc, table

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once

LEFT, SIZE, PITCH, CHARS = 80, 16, 28, 27


def _notice(path, gdp: str, section_total: str, revenue_target: str = "增长5%", declared: str = "2"):
    d = Doc()
    d.text(60, 60, "表1：2021年某区国民经济和社会发展主要目标完成情况", size=14)
    table(d, [60, 100, 260, 400, 540], 90, [
        ["序号", "指标内容", "2021年预期目标", "全年完成情况"],
        ["1", "地区生产总值", "增长6%", "1725.56亿元，增长6.5%"],
        ["2", "区级一般公共预算收入", revenue_target, "172.9亿元，增长13%"]])
    d.text(60, 200, "表2：2021年重大政府投资项目计划完成情况", size=14)
    rows = [["序号", "项目名称", "投资总额(亿元)", "目标"],
            [f"（一）区级骨干路网（{declared}项）", "", section_total, ""],
            ["1", "某路新建工程", "3.0", "施工"],
            ["2", "某桥改建工程", "6.0", "竣工"],
            ["（二）民生设施（1项）", "", "2.5", ""],
            ["3", "某学校新建工程", "2.5", "施工"],
            ["合计", "", "11.5", ""]]
    x, top, h = [60, 100, 300, 420, 520], 230, 24
    for i in range(len(rows) + 1):
        d.hline(x[0], x[-1], top + h * i)
    for i, row in enumerate(rows):
        merged = not row[0].isdigit() and i > 0          # section and total rows span 序号 and 项目名称
        for j, xv in enumerate(x):
            if not (merged and j == 1):
                d.vline(xv, top + h * i, top + h * (i + 1))
        for j, cell in enumerate(row):
            if cell:
                d.text(x[j] + 3, top + h * i + 6, cell, size=11)
    d.footer(1)
    d.new_page()
    d.text(LEFT, 60, "附件2")
    d.text(LEFT + 2 * SIZE, 100, "一、2021年国民经济和社会发展计划执行情况")
    text = (f"地区生产总值完成{gdp}亿元，按可比价格计算，比去年同期增长6.5%。"
            "区级一般公共预算收入完成172.9亿元，同比增长13%。")
    x, y, room = LEFT + 2 * SIZE, 128, CHARS - 2
    while text:
        d.text(x, y, text[:room])
        text, y, x, room = text[room:], y + PITCH, LEFT, CHARS
    d.footer(2)
    return extract(d.save(path))


def _checks(ex):
    return [p for p in ex.problems if p.stage == "check"]


def test_a_consistent_notice_raises_nothing(tmp_path):
    ex = _notice(tmp_path / "ok.pdf", gdp="1725.56", section_total="9.0")
    assert [(p.seq, p.section_total_yi, p.table_total_yi) for p in ex.tables["projects"]] == [
        (1, 9.0, 11.5), (2, 9.0, 11.5), (3, 2.5, 11.5)]
    assert [f.raw for f in ex.tables["facts"]] == ["1725.56亿元", "6.5%", "172.9亿元", "13%"]
    assert _checks(ex) == []


def test_one_planted_disagreement_of_each_kind_is_found(tmp_path):
    ex = _notice(tmp_path / "planted.pdf", gdp="1752.56", section_total="10.0", revenue_target="增长5000%")
    found = _checks(ex)
    assert len(found) == 3
    implausible, report, totals = sorted(found, key=lambda p: p.reason)
    assert implausible.reason == "5000% is out of the plausible range for % (growth): -100 to 1000"
    assert implausible.text == "表1 row 2 区级一般公共预算收入: 增长5000%" and implausible.page == 1
    cell = next(c for c in ex.tables["table_cells"] if c.text == "增长5000%")
    assert implausible.bbox == (cell.x0, cell.top, cell.x1, cell.bottom) and 260 <= cell.x0 < cell.x1 <= 400
    assert report.reason == "report and table disagree: 地区生产总值 2021 (level)"
    assert report.page == 2 and (report.table_no, report.row) == (1, 1)
    assert "report p.2: 1752.56亿元 in 「地区生产总值完成1752.56亿元" in report.text
    assert "表1 row 1 (p.1) 地区生产总值: 1725.56亿元" in report.text
    assert totals.reason == "section projects add up to 9.0 亿元, the section prints 10.0 亿元"
    assert (totals.page, totals.text, totals.table_no) == (1, "区级骨干路网", 2)
    # read from a text layer, every row with its figure, 序号 unbroken: the notice's own contradictions
    assert (report.code, totals.code, implausible.code) == (
        Code.REPORT_TABLE_PRINTED, Code.TOTAL_PRINTED, Code.IMPLAUSIBLE)
    assert report.evidence == ("both figures read from a text layer: the report prints 1752.56亿元, "
                               "表1 prints 1725.56亿元")
    assert totals.evidence.startswith("表2: 序号 1–3 without a gap or repeat, every row with its figure")
    assert verdict(ex.problems) == ("needs_review", [implausible.reason])      # the 5000% is a doubt
    # while another cell of 表1 is in doubt, its columns may be misread: the disagreement is a doubt too
    from pipeline.checks.evidence import weigh
    lost = Problem("quantities", "no quantity read in target cell part 1", page=1, table_no=1, row=2,
                   code=Code.NO_QUANTITY)
    again = [p for p in weigh([lost], ex.tables) if p.reason.startswith("report and table")]
    assert [(p.code, p.evidence) for p in again] == [(Code.REPORT_TABLE_DISAGREE, "")]


def _as_scanned(ex, doubtful: list[str]):
    """The extraction as if its pages were OCR'd, with a low-confidence problem on each cell whose text
    is in `doubtful` (or on the paragraph printing it, for a figure no cell prints)."""
    tables = dict(ex.tables)
    tables["table_cells"] = [replace(c, source="ocr", confidence=0.99) for c in ex.tables["table_cells"]]
    tables["paragraphs"] = [replace(p, source="ocr") for p in ex.tables["paragraphs"]]
    found = []
    for number in doubtful:
        cell = next((c for c in tables["table_cells"] if c.text == number), None)
        if cell is not None:
            page, box = cell.page, (cell.x0, cell.top, cell.x1, cell.bottom)
        else:
            para = next(p for p in tables["paragraphs"] if number in p.text)
            page, *box = para.boxes[0]
        found.append(Problem("ocr", "number read with low OCR confidence", page=page,
                             text=f"{number} (0.61) in …", bbox=tuple(box), code=Code.OCR_LOW_CONFIDENCE))
    return found, tables


@pytest.mark.once
def test_low_confidence_numbers_the_notice_confirms(tmp_path):
    """On a scan, a number read with low confidence is confirmed by a total it makes add up, by the
    序号 run, by a report sentence stating the same figure (a cross-check that agrees), or by the
    same figure printed elsewhere and read for sure; a number nothing confirms stays a doubt."""
    from pipeline.checks.evidence import weigh
    ex = _notice(tmp_path / "scan.pdf", gdp="1725.56", section_total="9.0")
    found, tables = _as_scanned(ex, ["3.0", "2", "1725.56亿元，增长6.5%", "增长6%"])
    judged = {p.text.split(" (")[0]: p for p in weigh(found, tables) if p.stage == "ocr"}
    assert judged["3.0"].code == Code.OCR_CONFIRMED
    assert judged["3.0"].evidence == "the rows of section 区级骨干路网 add up to its printed total 9.0 亿元"
    assert judged["2"].evidence == "表1's 序号 run without a gap or repeat through 2"
    assert judged["1725.56亿元，增长6.5%"].evidence == "the report states the same figure on p.2: 1725.56亿元"
    assert judged["增长6%"].code == Code.OCR_LOW_CONFIDENCE          # the target: nothing states it again
    assert verdict(list(judged.values())) == ("needs_review", ["number read with low OCR confidence"])
    # the report's 172.9 doubted, the table's read for sure: the cross-check confirms it, and without
    # the cross-check (no facts read) the same figure printed elsewhere does
    found, tables = _as_scanned(ex, ["172.9"])
    (p,) = [p for p in weigh(found, tables) if p.stage == "ocr"]
    assert p.evidence == "表1 row 2 states the same figure: 172.9亿元，增长13%"
    (p,) = [p for p in weigh(found, {**tables, "facts": []}) if p.stage == "ocr"]
    assert p.code == Code.OCR_CONFIRMED
    assert p.evidence == "printed again in 表1 on p.1, read for sure: 172.9亿元，增长13%"
    # a report figure that agrees with the table only within rounding confirms nothing
    rounded = _notice(tmp_path / "rounded.pdf", gdp="1725.6", section_total="9.0")
    found, tables = _as_scanned(rounded, [])
    para = next(p for p in tables["paragraphs"] if "1725.6亿元" in p.text)
    found = [Problem("ocr", "number read with low OCR confidence", page=para.page_first, text="1725.6 (0.7) in …",
                     bbox=tuple(para.boxes[0][1:]), code=Code.OCR_LOW_CONFIDENCE)]
    assert [p.code for p in weigh(found, tables) if p.stage == "ocr"] == [Code.OCR_LOW_CONFIDENCE]
    # a declared count the rows agree with confirms itself
    found, tables = _as_scanned(ex, [])
    label = next(c for c in tables["table_cells"] if "（2项）" in (c.text or ""))
    found = [Problem("ocr", "number read with low OCR confidence", page=label.page, text="2 (0.55) in …",
                     bbox=(label.x0, label.top, label.x1, label.bottom), code=Code.OCR_LOW_CONFIDENCE)]
    assert [p.evidence for p in weigh(found, tables)] == ["the section lists 2 rows, as its row declares"]
    # a declared count over another number of rows is a doubt while the count itself is doubtful
    short = _notice(tmp_path / "short.pdf", gdp="1725.56", section_total="9.0", declared="3")
    assert [p.code for p in short.problems if p.reason.startswith("section declares")] == [Code.SECTION_COUNT_PRINTED]
    found, tables = _as_scanned(short, [])
    label = next(c for c in tables["table_cells"] if "（3项）" in (c.text or ""))
    found = [Problem("ocr", "number read with low OCR confidence", page=label.page, text="3 (0.77) in …",
                     bbox=(label.x0, label.top, label.x1, label.bottom), code=Code.OCR_LOW_CONFIDENCE)]
    counts = [p for p in weigh([*found, *short.problems], tables)
              if p.reason.startswith("section declares")]
    assert [(p.code, p.evidence) for p in counts] == [(Code.SECTION_COUNT, "")]
    # a total the rows miss is a doubt while a figure of its table is doubtful
    bad = _notice(tmp_path / "bad.pdf", gdp="1725.56", section_total="10.0")
    found, tables = _as_scanned(bad, ["6.0"])
    totals = [p for p in weigh(found, tables) if p.reason.startswith("section projects add up")]
    assert [p.code for p in totals] == [Code.TOTAL_DISAGREES]


@pytest.mark.once
def test_project_totals_allow_the_rounding_of_printed_figures():
    rows = [ProjectRow(notice_id="n", table_no=2, seq=seq, section_no="一", section="路网", name=f"p{seq}",
                       project_key=f"p{seq}", investment_yi=v, page=1, source="text",
                       section_total_yi=1.0, table_total_yi=1.0) for seq, v in enumerate((0.33, 0.33, 0.33), 1)]
    assert project_totals(rows) == []                       # 0.99 printed as 1.0: rounding, not an error
    rows[0] = replace(rows[0], investment_yi=0.25)
    assert [p.reason for p in project_totals(rows)] == [
        "section projects add up to 0.91 亿元, the section prints 1.0 亿元",
        "projects add up to 0.91 亿元, the table's total row prints 1.0 亿元"]


@pytest.mark.parametrize("notice_id", NOTICES)
def test_no_false_alarm_on_the_shared_notices(extractions, notice_id):
    checks = _checks(extractions[notice_id])
    assert all(p.reason.startswith("section declares") for p in checks), checks


def test_a_ratio_to_a_plan_or_last_year_may_pass_100_percent_a_share_may_not():
    """完成年度计划的112.4% and 为上年的105% are ratios to another amount (over-fulfilled, grown);
    a coverage of 105% is a share of a whole that cannot pass all of it."""
    from decimal import Decimal

    from pipeline.checks.cross import implausible
    from pipeline.model.rows import FactRow

    def fact(sentence: str, raw: str, value: float) -> FactRow:
        return FactRow(notice_id="n", para_id=1, sentence=sentence, raw=raw, value=value, unit="%", kind="level",
                       base_value=Decimal(str(value)), base_unit="%")

    facts = [fact("全年固定资产投资完成年度计划的112.4%。", "112.4%", 112.4),
             fact("社会消费品零售总额为上年的105%。", "105%", 105.0),
             fact("重点项目投资完成率达到120%。", "120%", 120.0),
             fact("5G网络覆盖率达到105%。", "105%", 105.0),
             fact("完成年度计划的1500%。", "1500%", 1500.0)]
    flagged = [p.text for p in implausible({"facts": facts})]
    assert flagged == ["5G网络覆盖率达到105%。", "完成年度计划的1500%。"]


def test_validate_leaves_out_each_kind_of_bad_row_and_names_it():
    """Against schemas/paragraphs.schema.json: a value outside its enum, a wrong type, a required
    value missing ("" read as none where the column is no string), a repeated primary key; a blank
    optional number becomes None and the row is kept."""
    from pipeline.checks.schema import validate
    from pipeline.model.rows import ParagraphRow

    def para(para_id: int, **changes) -> ParagraphRow:
        base = dict(notice_id="n", para_id=para_id, part="report", kind="paragraph", text="正文。",
                    page_first=1, page_last=1, source="text")
        return ParagraphRow(**{**base, **changes})

    rows = [para(1, level=""), para(2, kind="note"), para(3, level="二"), para(4, page_last=""), para(1)]
    kept, problems = validate("paragraphs", rows)
    assert [(r.para_id, r.level) for r in kept] == [(1, None)]
    assert [p.reason for p in problems] == [
        "paragraphs row left out: kind='note' not in ['heading', 'paragraph']",
        "paragraphs row left out: level='二' is not integer",
        "paragraphs row left out: page_last is required",
        "paragraphs row left out: repeats the primary key ('n', 1)"]
