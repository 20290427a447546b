"""Narrative mechanisms on small PDFs built here: a paragraph broken over a page with a footnote at
the bottom, circled and bracketed markers, a superscript ² that is not a marker, a bold phrase in
the middle of a paragraph, headings and page numbers."""
from dataclasses import replace

import pytest

from pipeline.api import extract
from pipeline.model.rows import FootnoteRow
from pipeline.settings import DEFAULT

from pdfs import Doc

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

LEFT, SIZE, PITCH = 80, 16, 28
WIDTH_CHARS = 27          # chars per full line at 16 pt between 80 and 512
RIGHT = LEFT + WIDTH_CHARS * SIZE


def lay_paragraph(d: Doc, top: float, text: str, first=True, bold_lead: str = "") -> float:
    """Lay out a justified paragraph with a two-char first-line indent; returns the next top."""
    x = LEFT + 2 * SIZE if first else LEFT
    room = WIDTH_CHARS - (2 if first else 0)
    if bold_lead:
        d.text(x, top, bold_lead, bold=True)
        x += SIZE * len(bold_lead)
        room -= len(bold_lead)
    while text:
        d.text(x, top, text[:room])
        text = text[room:]
        top += PITCH
        x, room = LEFT, WIDTH_CHARS
    return top


def report_headings(d: Doc, title="附件2"):
    d.text(LEFT, 60, title)
    d.text(LEFT + 2 * SIZE, 100, "一、2025年总体情况")
    d.text(LEFT + 2 * SIZE, 128, "（一）坚持创新驱动")


def test_paragraph_broken_over_page_with_footnote(tmp_path):
    d = Doc()
    report_headings(d)
    top = 156
    d.text(LEFT + 2 * SIZE, top, "科技创新加速推进。", bold=True)
    d.text(LEFT + 2 * SIZE + 9 * SIZE, top, "建设成果转化基地5个，引进产业技术研究")
    d.runs(LEFT, top + PITCH, [("院3个", {}), ("1", {"sup": True}), ("，形成全链条创新孵化功能，技术合同成交额达", {})],
           justify_to=RIGHT)
    d.text(LEFT, top + 2 * PITCH, "32.75亿元，同比增长1.6倍，全年新增高新技术企业380家，", justify_to=RIGHT)
    d.hline(LEFT, LEFT + 110, 700)
    d.runs(LEFT, 708, [("1", {"sup": True}), ("3个研究院：新材料研究院、智能装备研究院、", {})], size=10.5)
    d.text(LEFT + 12, 724, "生物医药研究院。", size=10.5)
    d.footer(1)
    d.new_page()
    d.text(LEFT, 60, "总数达1106家，继续保持全市前列。")
    lay_paragraph(d, 88, "下一段落开始于新的一页，以缩进标明。")
    d.footer(2)
    ex = extract(d.save(tmp_path / "fn.pdf"))
    paras = ex.tables["paragraphs"]
    body = [p for p in paras if p.kind == "paragraph"]
    assert body[0].text == ("科技创新加速推进。建设成果转化基地5个，引进产业技术研究院3个，形成全链条创新孵化功能，"
                               "技术合同成交额达32.75亿元，同比增长1.6倍，全年新增高新技术企业380家，总数达1106家，继续保持全市前列。")
    assert (body[0].page_first, body[0].page_last) == (1, 2)
    assert body[0].lead == "科技创新加速推进。"
    assert body[0].footnote_refs == "1"
    assert body[0].section_path == "一、2025年总体情况 / （一）坚持创新驱动"
    assert body[1].text == "下一段落开始于新的一页，以缩进标明。"
    assert [(h.level, h.text) for h in paras if h.kind == "heading"] == [
        (1, "一、2025年总体情况"), (2, "（一）坚持创新驱动")]
    boxes = [(f.marker_box, f.note_boxes) for f in ex.tables["footnotes"]]
    assert [replace(f, marker_box=None, note_boxes=()) for f in ex.tables["footnotes"]] == [FootnoteRow(
        notice_id="fn", footnote_no=1, text="3个研究院：新材料研究院、智能装备研究院、生物医药研究院。",
        page=1, para_id=body[0].para_id, anchor="引进产业技术研究院3个")]
    # the boxes the review page draws: the raised "1" after 院3个 on the second line, the note's two
    # lines under the rule at 700, the paragraph's part on each of its two pages
    (marker, note), = boxes
    assert marker[0] == 1 and marker[1] == pytest.approx(LEFT + 3 * SIZE, abs=0.5)
    assert top + PITCH - SIZE < marker[2] < marker[4] < top + PITCH + SIZE
    assert [b[0] for b in note] == [1] and note[0][1] == pytest.approx(LEFT, abs=0.5)
    assert 700 < note[0][2] < 712 and 724 < note[0][4] < 740
    assert [b[0] for b in body[0].boxes] == [1, 2]
    assert body[0].boxes[0][1:3] == (pytest.approx(LEFT, abs=0.5), pytest.approx(top, abs=SIZE / 2))
    assert not any("— " in p.text for p in paras)
    assert {f.raw for f in ex.tables["facts"]} >= {"5个", "3个", "32.75亿元", "1.6倍", "380家", "1106家"}


# pdfium has no Unicode for ② in the non-embedded STSong font of these test PDFs (it reads a space),
# so the circled marker is read through the pdfplumber backend.
@pytest.mark.parametrize("marker,number,backend", [("②", 2, "pdfplumber"), ("[3]", 3, "pdfium"), ("[3]", 3, "pdfplumber")])
def test_circled_and_bracketed_markers(tmp_path, marker, number, backend):
    d = Doc()
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("建成美丽街区19条", {}), (marker, {"sup": True}), ("，完成绿化改造。", {})])
    d.hline(LEFT, LEFT + 110, 700)
    d.runs(LEFT, 708, [(marker, {"sup": True}), ("美丽街区：含道路与河道。", {})], size=10.5)
    ex = extract(d.save(tmp_path / "m.pdf"), backend=backend)
    para = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"][0]
    assert para.text == "建成美丽街区19条，完成绿化改造。"
    fn = ex.tables["footnotes"]
    assert [(f.footnote_no, f.text, f.anchor) for f in fn] == [(number, "美丽街区：含道路与河道。", "建成美丽街区19条")]


def test_superscript_two_is_not_a_marker(tmp_path):
    d = Doc()
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("区域路网密度达到3.41km/km", {}), ("2", {"sup": True}), ("，建成10", {}),
                                  ("3", {"sup": True}), ("个站点。", {})])
    ex = extract(d.save(tmp_path / "sq.pdf"))
    para = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"][0]
    assert para.text == "区域路网密度达到3.41km/km²，建成10³个站点。"
    assert para.footnote_refs == ""
    assert ex.tables["footnotes"] == []
    assert [(f.raw, f.unit) for f in ex.tables["facts"]][:1] == [("3.41km/km²", "km/km2")]


def test_bold_phrase_mid_paragraph_is_not_a_lead(tmp_path):
    d = Doc()
    report_headings(d)
    d.text(LEFT + 2 * SIZE, 156, "全年推进重点工作，其中")
    d.text(LEFT + 2 * SIZE + 11 * SIZE, 156, "数字化转型", bold=True)
    d.text(LEFT + 2 * SIZE + 16 * SIZE, 156, "成效明显。")
    d.text(LEFT + 2 * SIZE, 184, "营商环境持续优化。", bold=True)
    d.text(LEFT + 2 * SIZE + 9 * SIZE, 184, "市场准入服务进一步升级。")
    ex = extract(d.save(tmp_path / "bold.pdf"))
    paras = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.lead) for p in paras] == [
        ("全年推进重点工作，其中数字化转型成效明显。", None),
        ("营商环境持续优化。市场准入服务进一步升级。", "营商环境持续优化。")]


def test_page_furniture_and_a_note_continued_on_the_next_page(tmp_path):
    """Running headers, "第 N 页" footers, a note that runs onto the next page, and the report
    naming a marker without a note."""
    d = Doc()
    d.text(LEFT, 30, "某区2025年计划报告", size=10.5)
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("全年新建绿道25公里", {}), ("1", {"sup": True}), ("，提升城市品质。", {})])
    d.runs(LEFT + 2 * SIZE, 184, [("改造老旧小区12个", {}), ("2", {"sup": True}), ("，已全部完工。", {})])
    d.hline(LEFT, LEFT + 110, 740)
    d.runs(LEFT, 748, [("1", {"sup": True}), ("绿道：包括滨江绿道、环城绿道，以及", {})], size=10.5)
    d.text(WIDTH_CHARS, 800, "第 1 页", size=10.5)
    d.new_page()
    d.text(LEFT, 30, "某区2025年计划报告", size=10.5)
    lay_paragraph(d, 60, "新的段落。")
    d.hline(LEFT, LEFT + 110, 740)
    d.text(LEFT, 748, "郊野公园内的步道。", size=10.5)
    d.text(WIDTH_CHARS, 800, "第 2 页", size=10.5)
    d.new_page()
    d.text(LEFT, 30, "某区2025年计划报告", size=10.5)
    lay_paragraph(d, 60, "第三页的段落。")
    d.text(WIDTH_CHARS, 800, "第 3 页", size=10.5)
    ex = extract(d.save(tmp_path / "furniture.pdf"))
    texts = [p.text for p in ex.tables["paragraphs"]]
    assert texts[2:] == ["全年新建绿道25公里，提升城市品质。", "改造老旧小区12个，已全部完工。", "新的段落。", "第三页的段落。"]
    assert [(f.footnote_no, f.text) for f in ex.tables["footnotes"]] == [
        (1, "绿道：包括滨江绿道、环城绿道，以及郊野公园内的步道。")]
    assert any(p.reason == "marker 2 has no footnote text" and p.page == 1 for p in ex.problems)


def test_table_inside_the_report_keeps_the_text_around_it(tmp_path):
    from pdfs import table
    d = Doc()
    report_headings(d)
    lay_paragraph(d, 156, "主要指标如下表。")
    d.text(LEFT, 200, "表1：2025年主要目标", size=14)
    table(d, [LEFT, 120, 300, 500], 224, [["序号", "指标内容", "2025年预期目标"], ["1", "地区生产总值", "增长6%"]])
    lay_paragraph(d, 300, "上述目标均已完成。")
    ex = extract(d.save(tmp_path / "inline.pdf"))
    assert [p.text for p in ex.tables["paragraphs"] if p.kind == "paragraph"] == [
        "主要指标如下表。", "上述目标均已完成。"]
    assert [(r.table_no, r.indicator) for r in ex.tables["indicators"]] == [(1, "地区生产总值")]


def test_ragged_right_lines_stay_in_their_paragraph(tmp_path):
    d = Doc()
    report_headings(d)
    d.text(LEFT + 2 * SIZE, 156, "全年新建绿道25公里，改造")
    d.text(LEFT, 184, "老旧小区12个，完成")
    d.text(LEFT, 212, "年度目标。")
    d.text(LEFT, 240, "各位代表：")
    d.text(LEFT + 2 * SIZE, 268, "新的一段。")
    ex = extract(d.save(tmp_path / "ragged.pdf"))
    assert [p.text for p in ex.tables["paragraphs"] if p.kind == "paragraph"] == [
        "全年新建绿道25公里，改造老旧小区12个，完成年度目标。", "各位代表：", "新的一段。"]


def test_lead_set_in_another_face(tmp_path):
    """A lead set in 楷体 rather than bold; a paragraph opening with a quote in another face has none."""
    d = Doc()
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("营商环境持续优化。", {"face": "kai"}), ("市场准入服务进一步升级。", {})])
    d.runs(LEFT + 2 * SIZE, 184, [("十四五", {"face": "kai"}), ("开局良好，成效明显。", {})])
    ex = extract(d.save(tmp_path / "kai.pdf"))
    paras = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.lead) for p in paras] == [
        ("营商环境持续优化。市场准入服务进一步升级。", "营商环境持续优化。"), ("十四五开局良好，成效明显。", None)]


def test_lead_drawn_with_a_heavier_stroke(tmp_path):
    """Synthetic bold (text filled and stroked) is a lead too; pdfium reports the render mode."""
    d = Doc()
    report_headings(d)
    d.text(LEFT + 2 * SIZE, 156, "营商环境持续优化。", stroke=True)
    d.text(LEFT + 2 * SIZE + 9 * SIZE, 156, "市场准入服务进一步升级。")
    d.text(LEFT + 2 * SIZE, 156 + 2 * PITCH, "城市更新稳步推进。完成旧区改造2万平方米。")
    ex = extract(d.save(tmp_path / "stroke.pdf"), backend="pdfium")
    first, second = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert first.lead == "营商环境持续优化。"
    assert second.lead is None          # the stroke ends with its run (the test PDF resets Tr)


def test_note_without_a_marker_is_reported(tmp_path):
    d = Doc()
    report_headings(d)
    d.text(LEFT + 2 * SIZE, 156, "全年新建绿道25公里，改造绿道9公里。")      # its topic twice: no guess
    d.hline(LEFT, LEFT + 110, 740)
    d.runs(LEFT, 748, [("4", {"sup": True}), ("绿道：包括滨江绿道。", {})], size=10.5)
    ex = extract(d.save(tmp_path / "orphan.pdf"))
    (note_box,), = [f.note_boxes for f in ex.tables["footnotes"]]
    assert [replace(f, note_boxes=()) for f in ex.tables["footnotes"]] == [FootnoteRow(
        notice_id="orphan", footnote_no=4, text="绿道：包括滨江绿道。", page=1, para_id=None, anchor=None,
        marker_box=None)]     # kept, not linked
    assert [(p.reason, p.page, p.text) for p in ex.problems if p.stage == "footnotes"] == [
        ("footnote 4 has no marker in the text", 1, "绿道：包括滨江绿道。")]
    problem, = [p for p in ex.problems if p.stage == "footnotes"]
    assert problem.bbox == note_box[1:] and note_box[0] == 1 and 740 < problem.bbox[1] < 760   # drawn at the note
    assert "绿道：包括" not in "".join(p.text for p in ex.tables["paragraphs"])


def test_note_whose_marker_is_lost_is_paired_by_its_topic_words(tmp_path):
    """A scan loses a marker now and then: the note's terms before its colon, found once on its page
    (with a few chars between, as the note shortens 产业技术研究院), tell its paragraph and anchor; a
    note whose terms are nowhere on the page stays unlinked, with a problem."""
    d = Doc()
    report_headings(d)
    d.text(LEFT + 2 * SIZE, 156, "建设成果转化基地，3个产业技术研究院初步形成建设方案。")
    d.text(LEFT + 2 * SIZE, 184, "做优“两镇八村”，推进乡村振兴。")
    d.hline(LEFT, LEFT + 110, 700)
    d.runs(LEFT, 708, [("1", {"sup": True}), ("5个基地、3个产业研究院：环上大科技园基地。", {})], size=10.5)
    d.runs(LEFT, 724, [("2", {"sup": True}), ("两镇八村：月浦镇、罗店镇。", {})], size=10.5)
    d.runs(LEFT, 740, [("3", {"sup": True}), ("绿道：滨江绿道。", {})], size=10.5)
    ex = extract(d.save(tmp_path / "topic.pdf"))
    body = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(f.footnote_no, f.para_id, f.anchor) for f in ex.tables["footnotes"]] == [
        (1, body[0].para_id, "3个产业技术研究院"), (2, body[1].para_id, "做优“两镇八村”"), (3, None, None)]
    assert [p.footnote_refs for p in body] == ["1", "2"]
    # linked, but its anchor a guess: a doubt each, for a person to look at
    assert [(p.reason, p.page, p.code.kind) for p in ex.problems if p.stage == "footnotes"] == [
        ("footnote 1 has no marker: linked by its topic words", 1, "doubt"),
        ("footnote 2 has no marker: linked by its topic words", 1, "doubt"),
        ("footnote 3 has no marker in the text", 1, "doubt")]


def test_cover_with_a_masthead(tmp_path):
    d = Doc()
    d.text(120, 60, "某区发展和改革委员会文件", size=26)
    d.text(220, 120, "某发改〔2025〕3号")
    d.text(90, 170, "某区发展和改革委员会关于下达2025年", size=22)
    d.text(150, 206, "计划的通知", size=22)
    d.text(LEFT, 260, "各街镇：")
    lay_paragraph(d, 288, "现将计划印发给你们，请认真执行。")
    _sign_off(d, 360)
    _short_report(d)
    ex = extract(d.save(tmp_path / "masthead.pdf"))
    notice = ex.tables["notices"][0]
    assert notice.title == "某区发展和改革委员会关于下达2025年计划的通知"
    assert (notice.issuer, str(notice.issue_date)) == ("某区发展和改革委员会", "2025-02-01")
    cover = [p.text for p in ex.tables["paragraphs"] if p.part == "notice"]
    assert cover[-4:] == ["各街镇：", "现将计划印发给你们，请认真执行。", "某区发展和改革委员会", "2025年2月1日"]


def test_note_line_opening_with_digits_is_not_a_new_note(tmp_path):
    d = Doc()
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("出台人才新政", {}), ("1", {"sup": True}), ("。", {}), ("设立专项基金", {}),
                                  ("2", {"sup": True}), ("。", {})])
    d.hline(LEFT, LEFT + 110, 700)
    d.runs(LEFT, 708, [("1", {"sup": True}), ("人才新政：", {})], size=10.5)
    d.text(LEFT + 8, 724, "2021年起实施，5个区级平台配套。", size=10.5)
    d.text(LEFT, 740, "2. 专项基金：总规模150亿元。", size=10.5)
    ex = extract(d.save(tmp_path / "digits.pdf"))
    assert [(f.footnote_no, f.text) for f in ex.tables["footnotes"]] == [
        (1, "人才新政：2021年起实施，5个区级平台配套。"), (2, "专项基金：总规模150亿元。")]


def test_table_attachment_with_numbered_headings_is_not_narrative(tmp_path):
    from pdfs import table
    d = Doc()
    d.text(LEFT, 60, "附件1")
    d.text(LEFT, 90, "一、主要目标")
    d.text(LEFT, 120, "表1：2025年主要目标", size=14)
    rows = [["序号", "指标内容", "2025年预期目标"]] + [[str(i), f"指标{i}", f"增长{i}%"] for i in range(1, 9)]
    table(d, [LEFT, 120, 300, 500], 144, rows)
    d.text(LEFT, 380, "二、重大项目")
    d.new_page()
    report_headings(d)
    lay_paragraph(d, 160, "报告正文。")
    ex = extract(d.save(tmp_path / "annex.pdf"))
    assert [p.text for p in ex.tables["paragraphs"]] == ["一、2025年总体情况", "（一）坚持创新驱动", "报告正文。"]
    assert len(ex.tables["indicators"]) == 8


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("marker,number", [("①", 1), ("[2]", 2)])
def test_marker_at_body_size_raised_by_rise(tmp_path, backend, marker, number):
    """A circled or bracketed marker set at the text's own size and lifted by text rise does not
    cut its paragraph (nor lose its lead), and pairs with the note that opens with the same mark."""
    d = Doc()
    report_headings(d)
    top = 156
    x = d.text(LEFT + 2 * SIZE, top, "科技创新加速推进。", bold=True)
    x = d.text(x, top, "建设基地5个，引进研究院3个")
    x = d.text(x, top, marker, rise=0.35 * SIZE)
    d.text(x, top, "，形成全链条")
    d.text(LEFT, top + PITCH, "创新孵化功能，技术合同成交额达32.75亿元。")
    d.hline(LEFT, LEFT + 110, 700)
    d.text(LEFT, 708, f"{marker}研究院：新材料研究院。", size=10.5)
    ex = extract(d.save(tmp_path / "rise.pdf"), backend=backend)
    body = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.lead, p.footnote_refs) for p in body] == [
        ("科技创新加速推进。建设基地5个，引进研究院3个，形成全链条创新孵化功能，技术合同成交额达32.75亿元。",
         "科技创新加速推进。", str(number))]
    assert [(f.footnote_no, f.text, f.para_id, f.anchor) for f in ex.tables["footnotes"]] == [
        (number, "研究院：新材料研究院。", body[0].para_id, "引进研究院3个")]
    assert not [p for p in ex.problems if p.stage == "footnotes"]


@pytest.mark.once
def test_two_raised_markers_in_one_line(tmp_path):
    """Two circled markers raised in the same printed line share a baseline, so they come as one
    cluster "①②": each is a marker, the cluster joins its line and both pair with their notes."""
    d = Doc()
    report_headings(d)
    top = 156
    x = d.text(LEFT + 2 * SIZE, top, "建设基地5个")
    x = d.text(x, top, "①", rise=0.35 * SIZE)
    x = d.text(x, top, "，引进研究院3个")
    x = d.text(x, top, "②", rise=0.35 * SIZE)
    d.text(x, top, "，形成全链条")
    d.text(LEFT, top + PITCH, "创新孵化功能。")
    d.hline(LEFT, LEFT + 110, 680)
    d.text(LEFT, 688, "①基地：五个。", size=10.5)
    d.text(LEFT, 708, "②研究院：三个。", size=10.5)
    ex = extract(d.save(tmp_path / "two.pdf"))
    body = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.footnote_refs) for p in body] == [
        ("建设基地5个，引进研究院3个，形成全链条创新孵化功能。", "1,2")]
    assert [(f.footnote_no, f.para_id, f.anchor) for f in ex.tables["footnotes"]] == [
        (1, body[0].para_id, "建设基地5个"), (2, body[0].para_id, "引进研究院3个")]


def test_footnote_found_without_a_separator_rule(tmp_path):
    """No short rule above the notes: the block of smaller lines at the page bottom that opens with a
    note number is the footnote area."""
    d = Doc()
    report_headings(d)
    d.runs(LEFT + 2 * SIZE, 156, [("建成美丽街区19条", {}), ("1", {"sup": True}), ("，完成绿化改造。", {})])
    d.runs(LEFT, 708, [("1", {"sup": True}), ("美丽街区：含道路与河道。", {})], size=10.5)
    d.text(LEFT + 12, 724, "不含公园绿地。", size=10.5)
    ex = extract(d.save(tmp_path / "norule.pdf"))
    para = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.text, p.footnote_refs) for p in para] == [("建成美丽街区19条，完成绿化改造。", "1")]
    assert [(f.footnote_no, f.text, f.anchor, f.para_id) for f in ex.tables["footnotes"]] == [
        (1, "美丽街区：含道路与河道。不含公园绿地。", "建成美丽街区19条", para[0].para_id)]


def _sign_off(d: Doc, top: float) -> None:
    """The cover's issuer and date, right of centre, from `top` down."""
    d.text(300, top, "某区发展和改革委员会")
    d.text(330, top + 28, "2025年2月1日")


def _short_report(d: Doc) -> None:
    """A new page opening 附件2 with one paragraph."""
    d.new_page()
    report_headings(d)
    lay_paragraph(d, 160, "报告正文。")


def _cover_head() -> Doc:
    """A cover notice up to its 附件： line; the attachment items are the test's own."""
    d = Doc()
    d.text(150, 60, "某区发展和改革委员会关于下达计划的通知", size=22)
    d.text(LEFT, 130, "各街镇：")
    lay_paragraph(d, 158, "现将计划印发给你们，请认真执行。")
    d.text(LEFT, 214, "附件：")
    return d


@pytest.mark.parametrize("hang", [1.5, 4.5])
def test_cover_attachment_items_wrapped_under_their_text(tmp_path, hang):
    """Items of the cover's attachment list whose text wraps, ragged right, onto lines hung under
    the text after their number (shallow: it looks like a first-line indent; or deep)."""
    d = _cover_head()
    first = LEFT + (hang - 1.5) * SIZE
    d.text(first, 242, "1、某区2025年国民经济和社会发展")
    d.text(first + 1.5 * SIZE, 270, "计划执行情况")
    d.text(first, 298, "2、关于某区2025年国民经济和社会")
    d.text(first + 1.5 * SIZE, 326, "发展计划草案")
    d.text(first + 1.5 * SIZE, 354, "的报告")
    _sign_off(d, 410)
    _short_report(d)
    ex = extract(d.save(tmp_path / "items.pdf"))
    cover = [p.text for p in ex.tables["paragraphs"] if p.part == "notice"]
    assert cover == ["各街镇：", "现将计划印发给你们，请认真执行。", "附件：", "1、某区2025年国民经济和社会发展计划执行情况",
                     "2、关于某区2025年国民经济和社会发展计划草案的报告", "某区发展和改革委员会", "2025年2月1日"]


def test_attachment_listed_on_the_cover_that_yields_nothing(tmp_path):
    """The cover lists two attachments; only 附件1 is printed: a problem names 附件 2."""
    from pipeline.model.problems import verdict

    from pdfs import table
    d = _cover_head()
    d.text(LEFT + 2 * SIZE, 242, "1、某区2025年主要目标")
    d.text(LEFT + 2 * SIZE, 270, "2、关于某区2025年计划草案的报告")
    _sign_off(d, 326)
    d.new_page()
    d.text(LEFT, 60, "附件1")
    d.text(LEFT, 100, "表1：2025年主要目标", size=14)
    table(d, [LEFT, 120, 300, 500], 124, [["序号", "指标内容", "2025年预期目标"], ["1", "地区生产总值", "增长6%"]])
    ex = extract(d.save(tmp_path / "missing.pdf"))
    assert [(p.reason, p.page, p.text) for p in ex.problems] == [
        ("attachment 2 listed on the cover yields nothing", 1, "2、关于某区2025年计划草案的报告")]
    assert verdict(ex.problems)[0] == "needs_review"


@pytest.mark.once
def test_raised_marker_joins_a_line_whose_size_reads_a_hair_smaller():
    """pdfminer reads a 14 pt line as 13.999999999999943 pt and the marker raised over it as 14.0:
    the marker cluster must still join the line, not be taken for a line of its own."""
    from pipeline.layout.lines import build_lines, line_text
    from pipeline.model.records import Char

    def char(text, x, baseline, size):
        return Char(text, x, x + 14, baseline - 0.88 * size, baseline + 0.12 * size, baseline, size, "Kai", False)

    body = [char(t, 80 + 14 * i, 337.7, 13.999999999999943) for i, t in enumerate("的工作机制和总体规划")]
    marker = char("④", 80 + 14 * 5 - 0.1, 337.7 - 0.35 * 14, 14.0)
    lines = build_lines(body + [marker], page=1, s=DEFAULT.layout)
    assert [line_text(ln, s=DEFAULT.layout) for ln in lines] == ["的工作机制④和总体规划"]


@pytest.mark.parametrize("head, marker", [("注释：", "1"), ("注：", "[1]")])
def test_notes_gathered_after_the_report(tmp_path, head, marker, backend):
    """The notes printed after the report's last paragraph under a line 注释： (or 注：), one paragraph
    `1．…` each (the first wrapped), smaller than the body: footnotes linked to the paragraphs holding
    their markers, out of the narrative. The cover's date on page 1 stays a paragraph of its own
    though page 2 opens with a lone 附件 label (a single attachment, no number)."""
    d = Doc()
    d.text(150, 60, "某县人民政府关于印发计划的通知", size=22)
    d.text(LEFT, 130, "各乡镇人民政府：")
    lay_paragraph(d, 158, "现将计划印发给你们，请认真执行。")
    d.text(LEFT, 214, "附件：某县2024年计划")
    d.text(300, 270, "某县人民政府")
    d.text(330, 298, "2024年1月26日")
    d.new_page()
    d.text(LEFT, 60, "附件")
    d.text(LEFT + 2 * SIZE, 100, "一、2023年工作回顾")
    d.runs(LEFT + 2 * SIZE, 128, [("深入实施“强省会”战略", {}), (marker, {"sup": True}), ("，经济平稳增长。", {})])
    d.runs(LEFT + 2 * SIZE, 156, [("建成“千亿园区”", {}), ("2" if marker == "1" else "[2]", {"sup": True}),
                                  ("一个。", {})])
    small = 14
    d.text(LEFT, 196, head, size=small)
    d.text(LEFT + 2 * small, 220, "1．“强省会”战略：做强做优省会城市、带动全省发展的", size=small)
    d.text(LEFT, 244, "战略部署。", size=small)
    d.text(LEFT + 2 * small, 268, "2．“千亿园区”：年总收入达到1000亿元以上的园区。", size=small)
    d.footer(2)
    ex = extract(d.save(tmp_path / "end.pdf"), backend=backend)
    paras = ex.tables["paragraphs"]
    assert [p.text for p in paras if p.part == "notice"] == [
        "各乡镇人民政府：", "现将计划印发给你们，请认真执行。", "附件：某县2024年计划", "某县人民政府", "2024年1月26日"]
    body = [p for p in paras if p.part == "report" and p.kind == "paragraph"]
    assert [(p.text, p.footnote_refs) for p in body] == [("深入实施“强省会”战略，经济平稳增长。", "1"),
                                                       ("建成“千亿园区”一个。", "2")]
    assert [(f.footnote_no, f.text, f.page, f.para_id, f.anchor) for f in ex.tables["footnotes"]] == [
        (1, "“强省会”战略：做强做优省会城市、带动全省发展的战略部署。", 2, body[0].para_id, "深入实施“强省会”战略"),
        (2, "“千亿园区”：年总收入达到1000亿元以上的园区。", 2, body[1].para_id, "建成“千亿园区”")]
    assert not [p for p in ex.problems if p.stage == "footnotes"]


def test_report_title_wrapped_over_two_centred_lines(tmp_path):
    """The report's title set large and centred, broken over two lines (the second shorter, so it
    starts well in from the margin, as far as a first-line indent): one paragraph."""
    d = Doc()
    d.text(LEFT, 60, "附件")
    line1, line2 = "某县二〇二三年国民经济和社会发展计划执行", "情况与二〇二四年国民经济和社会发展"
    d.text(LEFT, 100, line1, size=20, justify_to=RIGHT)                    # full: margin to margin
    d.text(297.6 - 20 * len(line2) / 2, 132, line2, size=20)               # centred: ~2 sizes in
    d.text(LEFT + 2 * SIZE, 180, "一、2023年工作回顾")
    lay_paragraph(d, 208, "一年来，全县经济平稳增长。")
    ex = extract(d.save(tmp_path / "title.pdf"))
    assert [p.text for p in ex.tables["paragraphs"]][:3] == [line1 + line2, "一、2023年工作回顾", "一年来，全县经济平稳增长。"]


def test_centred_name_under_a_wrapped_subtitle_is_a_paragraph_of_its_own(tmp_path):
    """Under the report's title, a subtitle wrapped over two centred lines (the first margin to
    margin, the last short) and the reporter's name centred under it, wider than that last line."""
    d = Doc()
    d.text(LEFT, 60, "附件")
    d.text(150, 100, "关于某县计划的报告", size=22)
    first, last, name = "——2024年1月8日在某县第五届人民代表大会第三次", "会议上", "某县发展和改革局"
    d.text(LEFT, 150, first, justify_to=RIGHT)
    d.text(297.6 - SIZE * len(last) / 2, 178, last)
    d.text(297.6 - SIZE * len(name) / 2, 206, name)
    d.text(LEFT + 2 * SIZE, 250, "一、2023年工作回顾")
    lay_paragraph(d, 278, "一年来，全县经济平稳增长。")
    ex = extract(d.save(tmp_path / "sub.pdf"))
    texts = [p.text for p in ex.tables["paragraphs"]]
    assert texts[texts.index("关于某县计划的报告") + 1:][:3] == [first + last, name, "一、2023年工作回顾"]


def test_small_lines_at_the_foot_opening_with_a_year_are_no_notes(tmp_path):
    """Smaller lines at the page foot opening with 2024年 (a table's head no grid was found for) are
    not a footnote block: a note number has one or two digits, not the first two of a year."""
    d = Doc()
    report_headings(d)
    lay_paragraph(d, 156, "全年安排重大建设项目21个。")
    d.text(LEFT, 700, "2024年计划投资", size=10.5)
    d.text(LEFT, 716, "项目名称及建设内容", size=10.5)
    ex = extract(d.save(tmp_path / "year.pdf"))
    assert ex.tables["footnotes"] == []
    assert "2024年计划投资" in "".join(p.text for p in ex.tables["paragraphs"])
