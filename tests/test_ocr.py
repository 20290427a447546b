"""The OCR backend's steps on pages rendered from the shared notices: skew, orientation, ruling
lines, the red seal, low-confidence numbers, and no download at run time."""
import numpy as np
import pytest

from pipeline.settings import DEFAULT

from conftest import ROOT
from scans import Scan, degraded

pytestmark = pytest.mark.once


def _rendered(page: int, dpi: int = 100):
    import pypdfium2 as pdfium
    doc = pdfium.PdfDocument(str(ROOT / "raw" / "baoshan-2022.pdf"))
    grey = np.asarray(doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    doc.close()
    return grey


@pytest.mark.parametrize("angle", [-1.3, 0.4, 1.1])
def test_skew_is_measured(angle):
    from pipeline.ocr import page as ocr
    grey = degraded(np.stack([_rendered(10)] * 3, axis=-1), Scan(dpi=100, angle=angle), np.random.default_rng(0), None)
    assert ocr.skew(ocr.binarize(grey), DEFAULT.ocr) == pytest.approx(-angle, abs=0.1)


@pytest.mark.parametrize("page", [3, 10])
def test_sideways_scan_is_told_from_an_upright_one(page):
    from pipeline.ocr import page as ocr
    ink = ocr.binarize(_rendered(page))
    assert not ocr.sideways(ink, DEFAULT.ocr)
    assert ocr.sideways(np.ascontiguousarray(np.rot90(ink)), DEFAULT.ocr)


def test_a_wide_page_of_two_lines_of_large_type_is_told_upright_and_sideways(tmp_path):
    """Two lines of 36-point type on a wide strip of a page: a smear of fixed length joined the
    glyphs neither way and the page's orientation was a coin toss (its sideways scan was read as
    upright); a smear as long as a share of the glyphs joins them along the lines."""
    import pikepdf
    import pypdfium2 as pdfium

    from pipeline.ocr import page as ocr

    from pdfs import Doc
    d = Doc()
    for k, line in enumerate(("关于国民经济和社会发展计划", "全区地区生产总值增长六")):
        d.text(40, 100 + 72 * k, line, size=36)
    path = d.save(tmp_path / "wide.pdf")
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.pages[0].MediaBox = [30, 560, 565, 762]            # 535 x 202 pt: the two lines only
        pdf.save(path)
    doc = pdfium.PdfDocument(str(path))
    rgb = np.asarray(doc[0].render(scale=150 / 72).to_pil().convert("RGB"))
    doc.close()
    grey = degraded(rgb, Scan(dpi=150, angle=0.8, blur=0.5, noise=5), np.random.default_rng(0), None)
    ink = ocr.binarize(grey)
    assert not ocr.sideways(ink, DEFAULT.ocr)
    assert ocr.sideways(np.ascontiguousarray(np.rot90(ink, -1)), DEFAULT.ocr)


def test_ruling_lines_found_in_the_image_match_the_drawn_ones():
    """The table page's rules found from its image sit where the PDF draws them; text strokes (long
    horizontals of large glyphs on the cover) are not taken for rules."""
    from pipeline.load.document import load_pdf
    from pipeline.ocr import page as ocr
    dpi = 200
    drawn = load_pdf(ROOT / "raw" / "baoshan-2022.pdf", DEFAULT).pages[2].rules
    found = ocr.as_rules(ocr.rule_boxes(ocr.binarize(_rendered(3, dpi)), DEFAULT.ocr), 72 / dpi)

    def positions(rules, horizontal):
        return sorted({round(r.top if horizontal else r.x0) for r in rules if r.horizontal == horizontal})

    for horizontal in (True, False):
        want, got = positions(drawn, horizontal), positions(found, horizontal)
        assert len(got) >= len(want) - 1 and all(min(abs(w - g) for g in got) <= 1.5 for w in want)
        assert all(min(abs(w - g) for w in want) <= 1.5 for g in got)
    assert ocr.as_rules(ocr.rule_boxes(ocr.binarize(_rendered(1, dpi)), DEFAULT.ocr), 72 / dpi) == []


def test_red_seal_is_removed_and_black_text_under_it_kept():
    from pipeline.ocr import page as ocr

    from scans import _stamp
    page = np.stack([_rendered(1, 150)] * 3, axis=-1).astype(np.float32)
    centre = (page.shape[1] * 0.65, page.shape[0] * 0.78)
    stamped = _stamp(page, centre, 150).astype(np.uint8)
    clean = ocr.without_seal(stamped)
    ink_before = ocr.binarize(page[..., 0].astype(np.uint8)) > 0
    ink_after = ocr.binarize(clean) > 0
    assert (ink_after & ~ink_before).sum() < 0.002 * ink_after.size      # hardly any seal left as ink
    assert (ink_before & ink_after).sum() > 0.97 * ink_before.sum()       # the text kept


def _line_chars(text, confs):
    from pipeline.model.records import Char
    return [Char(t, 10.0 * i, 10.0 * i + 9, 100, 116, 114, 16, "OCR", False, conf=c)
            for i, (t, c) in enumerate(zip(text, confs, strict=False))]


def test_low_confidence_number_is_a_problem_with_its_box():
    from pipeline.ocr import page as ocr
    chars = _line_chars("增长6.5%，新增12家", [1, 1, 0.99, 0.98, 0.62, 0.97, 1, 1, 1, 0.99, 0.99, 1])
    found = ocr.doubtful_numbers(chars, 7, DEFAULT.ocr)
    assert [(p.page, p.text.split()[0], p.bbox) for p in found] == [(7, "6.5%", (20.0, 100, 59.0, 116))]
    assert ocr.doubtful_numbers(_line_chars("新增12家", [1, 0.95, 0.93, 1]), 1, DEFAULT.ocr) == []
    # a comma read uncertainly is no part of the number; the 2 of km2 is a unit's, no figure
    assert ocr.doubtful_numbers(_line_chars("开工，5个", [1, 1, 0.6, 0.99, 1]), 1, DEFAULT.ocr) == []
    assert ocr.doubtful_numbers(_line_chars("3.76km/km2", [1, 1, 1, 1, 1, 1, 1, 1, 1, 0.85]), 1,
                                 DEFAULT.ocr) == []
    found = ocr.doubtful_numbers(_line_chars("开工，5个", [1, 1, 1, 0.7, 1]), 1, DEFAULT.ocr)
    assert [p.text for p in found] == ["5 (0.70) in 开工，5个"]


def test_nothing_is_downloaded(monkeypatch):
    """The engine loads its bundled models: any download attempt fails this test."""
    import urllib.request

    import requests
    from rapidocr.utils import download_file

    from pipeline.ocr import page as ocr

    def refuse(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(download_file.DownloadFile, "_make_http_request", classmethod(refuse))
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    ocr.ENGINES.clear()
    try:
        title = _rendered(1, 200)[280:600]             # the cover's title lines only: a second of OCR
        page, _ = ocr.read_page(title, 1, 200, DEFAULT.ocr)
        rec = ocr.engine().text_rec.session
        threads = rec.threads if isinstance(rec, ocr.OpenVinoModel) else \
            rec.session.get_session_options().intra_op_num_threads
    finally:
        ocr.ENGINES.clear()
    assert "".join(c.text for c in page.chars).startswith("宝山区发展和改革委员会关于下达")
    assert threads == 1


def _band(digit_rows):
    """An ink band: two glyph-sized blocks, a digit whose ink spans `digit_rows`, one more block; and
    the recogniser's line for it, with a loose glyph box for the digit that reaches into both
    neighbours (as rapidocr gives them)."""
    ink = np.zeros((100, 200), np.uint8)
    for x in (10, 55, 125):
        ink[22:62, x:x + 40] = 255
    ink[digit_rows[0]:digit_rows[1], 103:113] = 255
    quad = np.array([[8, 20], [170, 20], [170, 66], [8, 66]], np.float64)
    words = [("示", 1.0, [[10, 20], [50, 20], [50, 66], [10, 66]]), ("范", 1.0, [[55, 20], [95, 20], [95, 66], [55, 66]]),
             ("3", 0.45, [[92, 20], [128, 20], [128, 66], [92, 66]]), ("通", 1.0, [[125, 20], [165, 20], [165, 66], [125, 66]])]
    return ink, [(quad, "示范3通", 0.98, words)]


def test_small_raised_digit_is_a_marker_and_not_a_doubtful_number():
    """The digit's own ink blob, not its loose glyph box, tells a raised marker from a digit of the line."""
    from pipeline.layout.lines import build_lines, split_superscripts
    from pipeline.ocr import page as ocr
    ink, lines = _band((22, 38))
    chars, problems = ocr.to_chars(lines, ink, 0.36, 19, DEFAULT.ocr)
    line = build_lines(chars, 19, DEFAULT.layout)[0]
    assert [item if kind == "sup" else item.text for kind, item in split_superscripts(line, s=DEFAULT.layout)] == ["示", "范", "3", "通"]
    assert [kind for kind, _ in split_superscripts(line, s=DEFAULT.layout)] == ["text", "text", "sup", "text"]
    marker = chars[2]
    assert (marker.x0, marker.x1) == (round(103 * 0.36, 2), round(113 * 0.36, 2))     # its ink, not the loose box
    assert problems == []

    ink, lines = _band((30, 60))                       # the same digit at the line's size, on its baseline
    chars, problems = ocr.to_chars(lines, ink, 0.36, 19, DEFAULT.ocr)
    assert [kind for kind, _ in split_superscripts(build_lines(chars, 19, DEFAULT.layout)[0], s=DEFAULT.layout)] == ["text"] * 4
    assert [p.text.split()[0] for p in problems] == ["3"]


def test_a_marker_before_a_number_is_not_part_of_it():
    from pipeline.model.records import Char
    from pipeline.ocr import page as ocr
    chars = [Char("5", 0, 4, 100, 106, 106, 7, "OCR", False, conf=0.99)] + [
        Char(t, 5 + 6 * i, 10 + 6 * i, 100, 112, 110, 11, "OCR", False, conf=c)
        for i, (t, c) in enumerate(zip("1+1+3", [0.57, 1, 1, 1, 1], strict=False))]
    assert [p.text.split()[0] for p in ocr.doubtful_numbers(chars, 23, DEFAULT.ocr)] == ["1"]          # not "51"


@pytest.mark.parametrize("text", ["一10一", "-23一", "— 7 —"])
def test_page_number_with_its_dashes_read_as_yi_is_furniture(text):
    """OCR reads the dashes of "— 10 —" as 一 or -: still a page number, not the end of a footnote."""
    from pipeline.vocab import data
    assert any(p.match(text) for p in data.regex_list("page_number"))


def test_a_page_number_read_with_low_confidence_is_no_problem_and_a_body_number_is():
    """Page furniture is no number of the outputs: its low-confidence 3 needs no review; the same
    doubt about a number in the text does."""
    from pipeline.layout.page import layout_document, off_furniture
    from pipeline.model.records import Char, Page
    from pipeline.ocr import page as ocr

    def line(text, top, confs, x=100.0, size=16.0):
        return [Char(t, x + size * i, x + size * (i + 1), top, top + size, top + 0.88 * size, size, "OCR", False, conf=c)
                for i, (t, c) in enumerate(zip(text, confs, strict=False))]

    body = line("全年新增企业12家", 100, [1] * 6 + [0.6, 1, 1])
    footer = line("—3—", 800, [1, 0.6, 1], x=280)
    problems = [*ocr.doubtful_numbers(body, 3, DEFAULT.ocr), *ocr.doubtful_numbers(footer, 3, DEFAULT.ocr)]
    assert [p.text.split()[0] for p in problems] == ["12", "3"]
    layouts = layout_document((Page(3, 595.0, 842.0, tuple(body + footer), (), images=1, source="ocr"),), DEFAULT.layout)
    assert [p.text.split()[0] for p in off_furniture(problems, layouts)] == ["12"]


@pytest.fixture(scope="module")
def report_piece():
    """Five lines of the report's page 10 (a bold lead, a footnote marker after 研究院) and its two
    footnotes, scanned at 200 dpi (blurred, noisy) and read by OCR once: a few seconds. White paper
    above and below, as on a page (the detector reads a bare strip of lines badly)."""
    from pipeline.ocr import page as ocr

    from scans import degraded
    dpi, f = 200, 200 / 72
    page = degraded(np.stack([_rendered(10, dpi)] * 3, axis=-1), Scan(dpi=dpi, blur=0.5, noise=4),
                    np.random.default_rng(0), None)
    x0, x1 = int(60 * f), int(530 * f)                 # the text block, not the side margins
    paper = np.full((300, x1 - x0), 255, np.uint8)
    piece = np.vstack([paper, page[int(190 * f):int(302 * f), x0:x1], page[int(676 * f):int(745 * f), x0:x1], paper])
    read, _ = ocr.read_page(piece, 10, dpi, DEFAULT.ocr)
    return read


def _marked(line):
    from pipeline.layout.lines import split_superscripts
    return "".join(f"[{item}]" if kind == "sup" else item.text for kind, item in split_superscripts(line, s=DEFAULT.layout))


def test_markers_the_recogniser_drops_are_found_from_their_ink(report_piece):
    """The recogniser reads "研究院¹初步" as 研究院初步, and the raised "2" left of a note's detected
    line box as nothing (the two notes then merged into one): both are found from their ink (a run of
    columns raised and short against the line) and recognised on their own."""
    from pipeline.layout.lines import build_lines
    lines = [_marked(ln) for ln in build_lines(list(report_piece.chars), 10, DEFAULT.layout)]
    assert any("3个产业技术研究院[1]初步形成" in t for t in lines)
    assert any(t.startswith("[1]5个基地") for t in lines)
    assert any(t.startswith("[2]成果转化项目24项") for t in lines)
    assert sum(t.count("[") for t in lines) == 3             # nothing else taken for a marker


@pytest.mark.parametrize("read_as", ["3", "³"])
def test_raised_digit_whose_loose_box_takes_in_a_stroke_of_its_neighbour(read_as):
    """"制³和": the recogniser's box for the marker reaches over 制's right stroke (a blob of its own
    standing on the baseline); the run of inked columns round the marker is raised all the same. A
    superscript the recogniser reads as such ("³") becomes the digit it is."""
    from pipeline.ocr import page as ocr
    ink, lines = _band((22, 38))
    ink[22:62, 55:95] = 0
    ink[22:40, 55:93] = 255                            # 范's left part, and its right stroke: a blob of its
    ink[45:62, 93:98] = 255                            # own inside the digit's loose box, no column between
    quad, text, score, words = lines[0]
    words[2] = (read_as, *words[2][1:])
    chars, _ = ocr.to_chars([(quad, text.replace("3", read_as), score, words)], ink, 0.36, 19, DEFAULT.ocr)
    assert chars[2].text == "3" and chars[2].size < 0.8 * chars[1].size
    assert (chars[2].x0, chars[2].x1) == (round(103 * 0.36, 2), round(113 * 0.36, 2))


def test_bold_lead_is_told_by_its_heavier_strokes(report_piece):
    """OCR'd glyphs carry no font: the lead "创新发展新引擎加速打造。" (set in bold) is told from the rest
    of its line by the stroke weight measured on the image; no other line of the piece opens in bold."""
    from pipeline.layout.lines import build_lines
    lines = build_lines(list(report_piece.chars), 10, DEFAULT.layout)
    bold = {"".join(c.text for c in ln.chars[:3]): "".join(c.text for c in ln.chars if c.bold) for ln in lines}
    assert bold.pop("创新发") == "创新发展新引擎加速打造。"
    assert set(bold.values()) == {""}


def test_a_page_the_recogniser_scales_down_is_detected_where_its_text_is():
    """A page past rapidocr's 4000 pixels is scaled down before detection: the rows of ink the detector
    is shown are those of the scaled page (taken from the full page's, they missed text low on it)."""
    from pipeline.layout.lines import build_lines
    from pipeline.ocr import page as ocr
    tall = np.full((5000, 1500), 255, np.uint8)
    tall[4500:4800] = _rendered(10, 200)[500:800, :1500]        # three lines of the report, low on the page
    page, _ = ocr.read_page(tall, 10, 200, DEFAULT.ocr)
    lines = ["".join(c.text for c in ln.chars) for ln in build_lines(list(page.chars), 10, DEFAULT.layout)]
    assert any(t.startswith("创新发展新引擎加速打造") for t in lines)
    assert any(t.startswith("环上大科技园") for t in lines)
