"""OCR'd table pages reach the stages after load like text pages: a page number read as "一3一"
is still page furniture, and a ruled table continuing on a scanned page joins the table it
continues. Two OCR'd pages in all."""
import re
import unicodedata

import numpy as np
import pytest

from pipeline.settings import DEFAULT

from conftest import ROOT, golden
from scans import CATEGORY_ROWS, Scan, category_table, degraded, scan_pages

pytestmark = pytest.mark.once


def test_page_number_read_with_cjk_one_for_dashes_is_a_dashed_page_number_of_text_size():
    """The recogniser reads the dashes of "— 3 —" as 一; 一's ink is a thin stroke, so it must not
    set the line's size (it made the footer a 1-point line, not page furniture)."""
    from pipeline.ocr import page as ocr
    from pipeline.vocab import data
    ink = np.zeros((200, 120), np.uint8)
    ink[114:117, 2:18] = 255          # 一 : x 0–20
    ink[105:125, 22:29] = 255         # 3  : x 20–31, 20 px of ink
    ink[114:117, 33:49] = 255         # 一 : x 31–51
    quad = np.array([[0, 100], [51, 100], [51, 130], [0, 130]], np.float64)
    pt = 72 / 200
    chars, _ = ocr.to_chars([(quad, "一3一", 0.99, [])], ink, pt, 3, DEFAULT.ocr)
    text = "".join(c.text for c in chars)
    assert text == "—3—"
    assert any(p.match(text) for p in data.regex_list("page_number"))
    assert chars[1].size == pytest.approx(20 / DEFAULT.ocr.digit_ink * pt, rel=0.01)


@pytest.mark.parametrize("read", ["一5一", "-5", "5—", "5"])
def test_a_page_number_that_lost_a_dash_to_ocr_is_page_furniture(read):
    """The detector, on its reduced copy of a table page, left the last dash of "— 5 —" out ("-5"):
    the line was taken for text between two tables, and a table continued on the next page became a
    table of its own, without a title, its rows lost (minhang-2024's project table). A page-foot
    line of a number with a dash on either side, both or neither is the page number."""
    from pipeline.layout.page import layout_document
    from pipeline.model.records import Page
    from pipeline.ocr import page as ocr
    body, foot = "全区地区生产总值增长百分之六左右", read
    ink = np.zeros((2339, 1654), np.uint8)
    ink[300:330, 200:200 + 30 * len(body)] = 255
    ink[2185:2205, 780:780 + 20 * len(foot)] = 255
    lines = [(np.array([[200, 295], [200 + 30 * len(body), 295], [200 + 30 * len(body), 335], [200, 335]], np.float64),
              body, 0.99, []),
             (np.array([[780, 2180], [780 + 20 * len(foot), 2180], [780 + 20 * len(foot), 2210], [780, 2210]],
                       np.float64), foot, 0.99, [])]
    chars, _ = ocr.to_chars(lines, ink, 72 / 200, 5, DEFAULT.ocr)
    lay = layout_document((Page(5, 595.3, 841.9, tuple(chars), (), images=1, source="ocr"),), DEFAULT.layout)[0]
    assert ["".join(c.text for c in ln.chars) for ln in lay.body] == [body]
    assert len(lay.furniture) == 1


def test_scanned_table_continuing_on_the_next_page_is_one_table(tmp_path):
    """Pages 2–3 of baoshan-2022 (table 1, continued under a repeated header) scanned at 200 dpi grey
    and 150 dpi colour, both skewed: the continuation's rows join table 1 and are read as in the
    golden (its last rows, on page 4, are text)."""
    from pipeline.api import extract
    src = ROOT / "raw" / "baoshan-2022.pdf"
    specs = {2: Scan(dpi=200, angle=0.8, blur=0.5, noise=4, jpeg=75),
             3: Scan(dpi=150, colour=True, angle=-1.1, blur=0.4, noise=5, jpeg=80)}
    ex = extract(scan_pages(src, specs, tmp_path / "baoshan-2022.pdf"))
    want = {r["seq"]: r for t in golden("baoshan-2022")["tables"] if t["table_no"] == 1 for r in t["rows"]}
    got = {r.seq: r for r in ex.tables["indicators"] if r.table_no == 1}
    assert not [p for p in ex.problems if p.reason.startswith("table without a title")]
    fields = ["category", "indicator", "target_text", "actual_text"]
    def norm(text):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    exact = sum(norm(getattr(got[s], f)) == norm(w[f]) for s, w in want.items() if s in got for f in fields)
    assert len(got) >= len(want) - 1 and exact >= 0.9 * len(want) * len(fields)


def test_a_header_cell_centred_away_from_its_rule_is_read_without_a_junk_glyph(tmp_path):
    """The detector takes a header's 序号 and 类别 for one line; cut at the rule between them, the
    piece of 类别 began with blank paper, read as a glyph of its own ("☑类别"): the column was unknown
    and every row lost its category (baoshan-2023's table 3, scanned at 300 dpi). A cut piece is
    cut back to its ink."""
    from pipeline.api import extract
    from pipeline.model.problems import Code
    src = category_table(tmp_path / "categories.pdf")
    ex = extract(scan_pages(src, {1: Scan(dpi=300, colour=True, angle=-0.86, blur=0.5, noise=6, jpeg=77)},
                            tmp_path / "scanned.pdf", seed=0))
    want = [(int(seq), category, indicator, target) for category, rows in CATEGORY_ROWS for seq, indicator, target in rows]
    assert [(r.seq, r.category, r.indicator, r.target_text) for r in ex.tables["indicators"]] == want
    assert not [p for p in ex.problems if p.code is Code.COLUMN_UNKNOWN]


def test_a_narrow_seq_column_beside_merged_category_cells_keeps_its_rows(tmp_path):
    """The rules between the rows of a narrow 序号 column (26 pt of a 595-pt page) stop at the merged
    类别 cell beside it: each is shorter than a ruling line alone is, and they were taken for
    strokes of text. The 序号 cells of a category ran into one ("123") and every row of the table was
    lost (changshaxian-2024's table 1). A short stroke from one vertical rule to another is a rule."""
    from pipeline.api import extract
    src = category_table(tmp_path / "narrow.pdf", size=10, seq_width=26)
    ex = extract(scan_pages(src, {1: Scan(dpi=200, angle=0.7, blur=0.5, noise=5, jpeg=80)},
                            tmp_path / "scanned.pdf", seed=0))
    want = [(int(seq), category, indicator, target) for category, rows in CATEGORY_ROWS for seq, indicator, target in rows]
    assert [(r.seq, r.category, r.indicator, r.target_text) for r in ex.tables["indicators"]] == want


@pytest.mark.parametrize("angle", [0.6, 1.0, -1.3])
def test_a_page_filling_table_scanned_turned_a_degree_is_told_upright_and_sideways(tmp_path, angle):
    """A page that is one ruled table (minhang-2024's project table), scanned turned by a degree: its
    grid, which the opening finds only on a straight page, ran both ways, joined the text beside its
    rules and drowned the text's runs; the sideways scan was read as upright (every cell lost) and the
    upright one at 1° as sideways."""
    import pypdfium2 as pdfium

    from pipeline.ocr import page as ocr

    from pdfs import Doc, ruled_table
    names = ["生物医药创新园研发中试基地", "轨道交通配套工程", "南路改建工程", "北横泾泵站及配套管网工程",
             "城市雨污混接改造工程", "中心医院急诊医技综合楼", "九年一贯制学校新建工程"]
    d = Doc()
    rows = [["序号", "项目名称", "总投资", "目标", "完成情况"]]
    rows += [[str(k + 1), names[k % len(names)], f"{3.4 + k:.1f}", "竣工", "已竣工并投入使用"] for k in range(20)]
    ruled_table(d, [60, 90, 290, 350, 400, 540], 80, rows, h=32, size=10.5)
    doc = pdfium.PdfDocument(str(d.save(tmp_path / "table.pdf")))
    rgb = np.asarray(doc[0].render(scale=200 / 72).to_pil().convert("RGB"))
    doc.close()
    for turned in (False, True):
        grey = degraded(rgb, Scan(dpi=200, angle=angle, blur=0.5, noise=5, sideways=turned), np.random.default_rng(0), None)
        assert ocr.sideways(ocr.binarize(grey), DEFAULT.ocr) is turned


def test_a_detected_line_cut_at_a_rule_keeps_only_its_ink():
    """Each piece of a line cut at a vertical rule is cut back to its ink, padded as the detector pads;
    a piece with no ink at all is dropped."""
    from pipeline.ocr import page as ocr
    ink = np.zeros((100, 600), np.uint8)
    ink[40:70, 110:170] = 255                       # text of the first cell
    ink[40:70, 300:360] = 255                       # text of the second, centred far from the rule at 200
    quads = np.array([[[100, 35], [500, 35], [500, 75], [100, 75]]], np.float32)
    vs = [(199, 0, 3, 100), (420, 0, 3, 100)]       # the third piece, 425–500, holds no ink
    boxes, scores = ocr.cut_at_rules(quads, [0.9], vs, ink, DEFAULT.ocr)
    pad = DEFAULT.ocr.cut_pad * 40
    assert [(float(b[:, 0].min()), float(b[:, 0].max())) for b in boxes] == [(110 - pad, 170 + pad), (300 - pad, 360 + pad)]
    assert scores == [0.9, 0.9]


def test_lines_of_a_ruled_cell_are_found_from_its_ink_and_a_cell_of_touching_lines_is_left_to_the_detector():
    """Where the rules close cells, each cell's rows of ink are its lines, boxed without the detector:
    a line, two lines set close (boxed apart, neither box reaching into the other's ink), the three
    strokes of 三 (one line); two lines touching (one row of ink twice a line's height) leave their
    cell to the detector, and a page without closed cells has none."""
    from pipeline.ocr import page as ocr
    ink = np.zeros((300, 900), np.uint8)
    xs, ys = [50, 250, 450, 650, 850], [50, 250]
    hs = [(50, y, 801, 3) for y in ys]
    vs = [(x, 50, 3, 203) for x in xs]
    ink[135:165, 80:220] = 255                              # one line, 30 px of ink
    ink[110:140, 280:400] = 255                             # two lines 8 px apart
    ink[148:178, 280:360] = 255
    for top in (135, 148, 160):                             # 三: three strokes standing apart
        ink[top:top + 4, 500:530] = 255
    ink[110:170, 680:800] = 255                             # two lines touching: 60 px of ink in one row
    boxes, cells = ocr.cell_lines((hs, vs), ink, DEFAULT.ocr, glyph=30.0)
    assert sorted(x for x, _, _, _ in cells) == [54, 254, 454]
    spans = sorted((round(min(p[0] for p in b)), round(min(p[1] for p in b)), round(max(p[1] for p in b))) for b in boxes)
    assert [(x < 80, y0, y1) for x, y0, y1 in spans[:1]] == [(True, 129, 171)]       # 30 px padded by 0.2 of it
    (_, a0, a1), (_, b0, b1) = spans[1:3]
    assert a0 < 110 and 140 <= a1 <= 148 and 140 <= b0 <= 148 and b1 > 178 and a1 <= b0
    assert spans[3][1] < 135 and spans[3][2] > 164 and len(spans) == 4                 # 三 is one line
    assert ocr.cell_lines((hs[:1], vs), ink, DEFAULT.ocr, glyph=30.0) == ([], [])


def test_ink_in_a_ruled_cell_that_the_detector_missed_gets_a_box_of_its_own():
    """The detector misses a lone 序号 digit now and then (a row then loses its number): ink inside
    the ruled area that no detected box covers gets a box of its own about it, less than 1.5 times
    as tall as wide (rapidocr turns a taller crop by 90° and read 8 as ∞) and no wider than that
    needs (a wide box would look like a full-width Latin glyph); a glyph edge just outside a
    detected box is not boxed."""
    from pipeline.ocr import page as ocr
    ink = np.zeros((400, 600), np.uint8)
    hs = [(50, 50, 500, 2), (50, 150, 500, 2), (50, 250, 500, 2)]
    vs = [(50, 50, 2, 202), (150, 50, 2, 202), (548, 50, 2, 202)]
    ink[90:120, 95:108] = 255                             # a digit alone in its cell, missed
    ink[190:220, 200:400] = 255                           # a detected line …
    ink[190:220, 402:405] = 255                           # … and the sliver of a glyph it cut off
    quads = np.array([[[198, 186], [400, 186], [400, 224], [198, 224]]], np.float32)
    boxes, scores = ocr.with_missed_ink(quads, [0.9], ink, (hs, vs), DEFAULT.ocr)
    assert len(boxes) == 2 and len(scores) == 2
    x0, y0 = boxes[1].min(axis=0)
    x1, y1 = boxes[1].max(axis=0)
    assert 80 <= y0 <= 90 and 120 <= y1 <= 130 and x0 < 95 and x1 > 108
    assert (y1 - y0) / (x1 - x0) < 1.5 and (y1 - y0) / (x1 - x0) > 1.3
    assert (x0 + x1) / 2 == pytest.approx(101.5, abs=0.5)
    assert len(ocr.with_missed_ink(quads, [0.9], ink, ([], vs), DEFAULT.ocr)[0]) == 1      # no ruled area: as detected


def test_a_lone_yi_in_a_value_column_is_the_dash_and_elsewhere_the_numeral():
    """OCR reads a "no value" dash as 一: in a target, outcome or amount column a lone 一 is the dash
    (a value of one is printed in digits); in 序号 or a name it stays the numeral."""
    from pipeline.model.records import LogicalTable
    from pipeline.tables.kinds import classify, table_rows

    def typed(header, row):
        t = LogicalTable(0, "表1", 1, header, (row,), (3,), ())
        indicators, projects, _ = table_rows("n", [t], [classify(t)])
        return (indicators or projects)[0]

    row = typed(("序号", "指标", "目标", "完成"), ("1", "一", "一", " 一一 "))
    assert (row.indicator, row.target_text, row.actual_text) == ("一", "—", "——")
    assert typed(("序号", "项目名称", "总投资"), ("1", "一期", "1.0")).name == "一期"


@pytest.mark.parametrize("read, meant", [("陆翔路一祁连山路新建工程", "陆翔路—祁连山路新建工程"),
                                         ("美兰路一期道路工程", "美兰路一期道路工程"),
                                         ("九年一贯制学校", "九年一贯制学校")])
def test_a_dash_between_two_place_names_read_as_yi_is_the_dash(read, meant):
    from pipeline.ocr import page as ocr
    ink = np.zeros((60, 40 * len(read)), np.uint8)
    ink[15:45, :] = 255
    quad = np.array([[0, 10], [40 * len(read), 10], [40 * len(read), 50], [0, 50]], np.float64)
    chars, _ = ocr.to_chars([(quad, read, 0.99, [])], ink, 0.36, 4, DEFAULT.ocr)
    assert "".join(c.text for c in chars) == meant


@pytest.mark.parametrize("read, meant", [("%0", "‰"), ("控制在2.6%0以内", "控制在2.6‰以内"), ("≤4%o", "≤4‰"),
                                         ("增长5%", "增长5%"), ("5%0.6", "5%0.6"), ("占比%05", "占比%05")])
def test_a_permille_sign_read_as_percent_and_zero_is_the_permille_sign(read, meant):
    """The recogniser reads ‰ as "%0": a 单位 cell "%0" gave its row's values no unit and they were lost
    (婴儿死亡率, changshaxian-2024), and 2.6%0 in a paragraph was a number read in doubt."""
    from pipeline.ocr import page as ocr
    ink = np.zeros((60, 40 * len(read)), np.uint8)
    ink[15:45, :] = 255
    quad = np.array([[0, 10], [40 * len(read), 10], [40 * len(read), 50], [0, 50]], np.float64)
    chars, _ = ocr.to_chars([(quad, read, 0.99, [])], ink, 0.36, 4, DEFAULT.ocr)
    assert "".join(c.text for c in chars) == meant


def test_a_lone_seq_digit_is_read_as_cut_not_turned_by_the_angle_classifier():
    """rapidocr's angle classifier judges the box of a lone 序号 9 (baoshan-2022 p.7, 200 dpi, as the
    missed-ink step boxes it) upside down, above its own bar, and turned it into 6: the row was lost.
    The page is upright by the time its lines are read, so crops are read as cut."""
    import pypdfium2 as pdfium

    from pipeline.load.document import load_pdf
    from pipeline.ocr import page as ocr
    src = ROOT / "raw" / "baoshan-2022.pdf"
    nine = next(c for c in load_pdf(src, DEFAULT).pages[6].chars if c.text == "9" and c.x0 < 115)
    k = 200 / 72
    doc = pdfium.PdfDocument(str(src))
    grey = np.asarray(doc[6].render(scale=k, grayscale=True).to_pil().convert("L"))
    doc.close()
    page = np.stack([grey] * 3, axis=-1)                # the engine reads a grey page as BGR
    cx, cy, h = (nine.x0 + nine.x1) / 2 * k, (nine.top + nine.bottom) / 2 * k, nine.size * 1.1 * k
    crop = np.ascontiguousarray(page[int(cy - h / 2):int(cy + h / 2), int(cx - h / 2):int(cx + h / 2)])
    cls, rec, flipped = ocr.read_crops(ocr.engine(), [crop], DEFAULT.ocr)
    assert cls.cls_res[0][0] == "180" and cls.cls_res[0][1] > 0.9          # the classifier would turn it …
    assert rec.txts == ("9",) and not flipped                                # … and it is read as printed


def test_lost_markers_are_looked_for_inside_the_line_s_own_cell():
    """A footnote marker belongs to its cell: the search reaching round a line box stops at the
    vertical rules on either side (past one, the foot of the next cell's 居 was read as a marker 1)."""
    from pipeline.ocr import page as ocr
    quad = np.array([[312, 1687], [457, 1687], [457, 1734], [312, 1734]], np.float64)
    vs = [(218, 0, 2, 3000), (307, 0, 3, 3000), (459, 0, 2, 3000), (977, 0, 2, 3000), (600, 0, 2, 1000)]
    assert ocr.in_cell(312 - 60, 457 + 60, quad, vs) == (310, 459)
    assert ocr.in_cell(312 - 60, 457 + 60, quad, []) == (252, 517)
