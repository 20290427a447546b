"""Tables printed with no rules at all: found from their header's wording and read as a three-line
table whose rules the text implies (pipeline/aligned.py); aligned narrative stays narrative."""
import pytest

from pipeline.api import extract
from pipeline.layout.lines import line_text
from pipeline.layout.page import layout_document
from pipeline.load.document import load_pdf
from pipeline.settings import DEFAULT

from pdfs import Doc

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

X = [60, 100, 330, 430, 530]


def _row(d: Doc, top: float, cells: list[str], size: float = 10.5):
    for x, text in zip(X, cells, strict=False):
        if text:
            d.text(x + 3, top, text, size=size)


def test_a_table_without_rules_is_read_and_the_paragraph_after_it_is_not(tmp_path):
    d = Doc()
    d.text(60, 80, "表2：2025年重大政府投资项目计划", size=14)
    _row(d, 115, ["序号", "项目名称", "投资总额", "目标"])
    _row(d, 141, ["1", "某路新建工程", "8.9", "施工"])
    for k, text in enumerate(["某隧道工程", "（一期", "及二期）"]):     # a name wrapped onto three lines,
        d.text(X[1] + 3, 167 + 14 * k, text, size=10.5)               # centred on its row
    _row(d, 181, ["2", "", "10", "施工"])
    _row(d, 215, ["3", "某学校", "2.0", "竣工"])
    d.text(60, 280, "一、以上项目按计划推进，年内完成投资。", size=16)
    d.footer(1)
    path = d.save(tmp_path / "no-rules.pdf")
    ex = extract(path)
    assert [(p.seq, p.name, p.investment_yi, p.target_stage) for p in ex.tables["projects"]] == [
        (1, "某路新建工程", 8.9, "施工"), (2, "某隧道工程（一期及二期）", 10.0, "施工"), (3, "某学校", 2.0, "竣工")]
    [layout] = layout_document(load_pdf(path, DEFAULT).pages, DEFAULT.layout)
    assert [line_text(ln, s=DEFAULT.layout) for ln in layout.body] == ["表2：2025年重大政府投资项目计划", "一、以上项目按计划推进，年内完成投资。"]


def test_aligned_narrative_without_header_wording_is_no_table(tmp_path):
    d = Doc()
    d.text(60, 80, "附件：", size=16)
    for k, (left, right) in enumerate([("1、主要目标", "见附表"), ("2、序号说明", "目标值"), ("3、项目清单", "另行印发")]):
        d.text(90, 110 + 24 * k, left, size=16)          # two runs a line, aligned like columns, and
        d.text(380, 110 + 24 * k, right, size=16)        # two header words (序号, 目标) among them
    for x, word in ((90, "序号"), (200, "项目名称"), (380, "目标")):   # header words, but nothing under them
        d.text(x, 200, word, size=16)
    d.text(300, 300, "上海市宝山区人民政府", size=16)
    d.text(330, 324, "2025年1月10日", size=16)
    [layout] = layout_document(load_pdf(d.save(tmp_path / "aligned.pdf"), DEFAULT).pages, DEFAULT.layout)
    assert layout.grids == () and len(layout.body) == 7      # every line stays text
