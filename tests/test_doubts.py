"""The doubts the verdict raises about paragraphs, leads, headings and table rows, each on a small
PDF built here: with the defect the notice is `needs_review` naming the page, without it `complete`."""
from test_narrative import LEFT, PITCH, RIGHT, SIZE, lay_paragraph, report_headings

from pipeline.api import extract
from pipeline.model.problems import DOUBT, Code, of_kind, verdict

from pdfs import Doc, table

LINES = ("全年新建绿道25公里，改造老旧小区12个，完成年度目", "标任务，新增公共停车泊位3200个，建成区级公园4座，城市")


def _codes(ex) -> list[tuple[str, int]]:
    return [(p.code.value, p.page) for p in of_kind(ex.problems, DOUBT)]


def _with_second_page(d: Doc) -> None:
    """The defect goes on page 2: the page it names is the page of the defect, not the first."""
    report_headings(d)
    lay_paragraph(d, 156, "上一年度各项工作顺利完成。")
    d.footer(1)
    d.new_page()


def _paragraph(tmp_path, second_indent: float, name: str):
    d = Doc()
    _with_second_page(d)
    d.text(LEFT + 2 * SIZE, 60, LINES[0], justify_to=RIGHT)
    d.text(LEFT + second_indent, 60 + PITCH, LINES[1][: 27 - round(second_indent / SIZE)], justify_to=RIGHT)
    d.text(LEFT, 60 + 2 * PITCH, "品质稳步提升。")
    d.footer(2)
    return extract(d.save(tmp_path / f"{name}.pdf"))


def test_a_break_after_a_full_line_that_ends_no_sentence(tmp_path):
    """A line of the paragraph set with an indent (as a wrong typesetting or a moved line does) cuts
    the paragraph after a line that is full and ends mid-sentence: a doubt on that page."""
    ex = _paragraph(tmp_path, 2 * SIZE, "cut")
    assert ("break_after_full_line", 2) in _codes(ex)
    assert verdict(ex.problems)[0] == "needs_review"
    ex = _paragraph(tmp_path, 0, "whole")
    assert verdict(ex.problems) == ("complete", []), _codes(ex)


def test_a_paragraph_that_starts_mid_sentence(tmp_path):
    d = Doc()
    _with_second_page(d)
    lay_paragraph(d, 60, "城市品质稳步提升。")
    lay_paragraph(d, 60 + PITCH, "，新增公共停车泊位3200个。")
    d.footer(2)
    ex = extract(d.save(tmp_path / "mid.pdf"))
    assert ("starts_mid_sentence", 2) in _codes(ex)


def test_a_bold_lead_that_ends_mid_sentence(tmp_path):
    def notice(lead: str, rest: str):
        d = Doc()
        _with_second_page(d)
        d.runs(LEFT + 2 * SIZE, 60, [(lead, {"bold": True}), (rest, {})])
        d.footer(2)
        return extract(d.save(tmp_path / "lead.pdf"))

    ex = notice("科技创新加速推进", "，建设成果转化基地5个。")
    assert ("lead_not_sentence", 2) in _codes(ex)
    ex = notice("科技创新加速推进。", "建设成果转化基地5个。")
    assert verdict(ex.problems) == ("complete", []), _codes(ex)


def test_a_heading_that_breaks_the_numbering_of_its_level(tmp_path):
    def notice(second: str):
        d = Doc()
        _with_second_page(d)
        d.text(LEFT + 2 * SIZE, 60, "（二）坚持绿色发展")
        lay_paragraph(d, 60 + PITCH, "生态环境持续改善。")
        d.text(LEFT + 2 * SIZE, 60 + 3 * PITCH, second)
        lay_paragraph(d, 60 + 4 * PITCH, "民生保障更加有力。")
        d.footer(2)
        return extract(d.save(tmp_path / "heading.pdf"))

    ex = notice("（四）坚持共享发展")
    assert [(p.code, p.page, p.text) for p in of_kind(ex.problems, DOUBT)] == [
        (Code.HEADING_SEQUENCE, 2, "（四）坚持共享发展")]
    ex = notice("（三）坚持共享发展")
    assert verdict(ex.problems) == ("complete", []), _codes(ex)
    ex = notice("二、2026年主要任务")              # a new level-1 heading: its 1st level-2 would be （一）
    assert verdict(ex.problems) == ("complete", []), _codes(ex)


def test_a_row_with_its_cells_shifted_and_an_empty_cell(tmp_path):
    def notice(rows):
        d = Doc()
        _with_second_page(d)
        d.text(LEFT, 60, "表1 主要目标完成情况", size=12)
        table(d, [LEFT, 120, 260, 380, 500], 90, [["序号", "指标内容", "预期目标", "完成情况"], *rows])
        d.footer(2)
        return extract(d.save(tmp_path / "cells.pdf"))

    rows = [["1", "地区生产总值", "增长6%", "增长6.5%"], ["2", "税收收入", "增长5%", "增长5.2%"],
            ["3", "固定资产投资", "增长8%", "增长9%"], ["4", "社会消费品零售总额", "增长7%", "增长7.1%"]]
    ex = notice(rows)
    assert verdict(ex.problems) == ("complete", []), _codes(ex)
    shifted = [*rows[:2], ["3", "8%", "增长9%", ""], rows[3]]
    assert ("cells_shifted", 2) in _codes(notice(shifted))
    blank = [*rows[:2], ["3", "固定资产投资", "", "增长9%"], rows[3]]
    assert ("cell_empty", 2) in _codes(notice(blank))
