"""Text that does not decode to text (a font without its ToUnicode map, control and private-use
chars, (cid:N), Latin letters drawn with CJK glyphs) never reaches an output: the load stage reads
the page by OCR; a page OCR cannot read either is named as needing OCR, and a file with no readable
page fails as `unreadable_text`. Text drawn only as glyph outlines is read by OCR too, or named."""
import json
import unicodedata
from dataclasses import astuple

import pikepdf
import pytest

from pipeline.api import extract
from pipeline.cli import main
from pipeline.load.document import (
    OUTLINED,
    UNREADABLE,
    InputError,
    check_text,
    load_pdf,
)
from pipeline.load.textcheck import (
    misdecoded,
    screen_text,
    unmappable,
    unreadable_reason,
)
from pipeline.model.records import Char, Page
from pipeline.settings import DEFAULT

from conftest import NOTICES, ROOT
from pdfs import Doc, table

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")


def garbage(c: Char) -> bool:
    return unmappable(c.text) or misdecoded(c, DEFAULT.load)

GOOD = ROOT / "raw" / "baoshan-2022.pdf"


def _drop_maps(src, dst, which: str):
    """`which` "one": of the fonts with a ToUnicode map that some pages use and others do not, the
    one on the most pages loses it (some pages stay readable); "all": every font does."""
    with pikepdf.open(src) as pdf:
        pages_of: dict[tuple, set[int]] = {}
        for i, page in enumerate(pdf.pages):
            fonts = page.Resources.get("/Font", {})
            for operands, _ in pikepdf.parse_content_stream(page, "Tf"):
                font = fonts.get(str(operands[0]))
                if font is not None and "/ToUnicode" in font:
                    pages_of.setdefault(font.objgen, set()).add(i)
        if which == "one":
            partial = [f for f, pages in pages_of.items() if len(pages) < len(pdf.pages)]
            assert partial
            pages_of = {max(partial, key=lambda f: len(pages_of[f])): set()}
        for objgen in pages_of:
            del pdf.get_object(objgen)["/ToUnicode"]
        pdf.save(dst)
    return dst


def _bad_chars(s: str) -> list[str]:
    return [ch for ch in s if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") or ch == "\ufffd"] + \
        (["(cid:"] if "(cid:" in s else [])


@pytest.fixture
def no_ocr(monkeypatch):
    """OCR off: a page that needs it is named, not read (OCR of whole notices is too slow for a test)."""
    monkeypatch.setenv("NOTICE_EXTRACT_OCR", "off")


def test_font_without_tounicode_gives_no_garbage_rows(tmp_path, no_ocr):
    broken = _drop_maps(GOOD, tmp_path / "nomap.pdf", "one")
    good, ex = extract(GOOD), extract(broken)
    unreadable = [p for p in ex.problems if p.reason == "unreadable text layer: needs OCR"]
    assert unreadable and all(p.page for p in unreadable)
    for t, rows in ex.tables.items():
        for row in rows:
            for v in astuple(row):
                assert not (isinstance(v, str) and _bad_chars(v)), (t, v)
    # whatever rows are left were read right: each is a row of the intact notice
    assert {r.indicator for r in ex.tables["indicators"]} <= {r.indicator for r in good.tables["indicators"]}
    assert {r.name for r in ex.tables["projects"]} <= {r.name for r in good.tables["projects"]}
    good_text = "".join(p.text for p in good.tables["paragraphs"])
    assert all(p.text in good_text for p in ex.tables["paragraphs"])


def test_font_without_tounicode_makes_the_notice_need_review(tmp_path, no_ocr):
    broken = _drop_maps(GOOD, tmp_path / "nomap.pdf", "one")
    out = tmp_path / "out"
    assert main(["extract", str(broken), "--out", str(out), "--quiet"]) == 0
    report = json.loads((out / "nomap" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "needs_review"
    assert any(r.startswith("unreadable text layer") for r in report["reasons"])


def test_a_file_with_no_readable_text_is_unreadable_text(tmp_path, capsys, no_ocr):
    broken = _drop_maps(GOOD, tmp_path / "nomaps.pdf", "all")
    out = tmp_path / "out"
    assert main(["extract", str(broken), "--out", str(out), "--quiet"]) == 1
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in failures] == ["unreadable_text"]
    assert "needs OCR" in failures[0]["reason"] and "pages 1-" in failures[0]["reason"]
    assert not (out / "nomaps").exists()


def _page(*chars: Char) -> Page:
    return Page(1, 595.0, 842.0, tuple(chars), ())


def _chars(text: str, wide: bool = False, size: float = 12.0) -> list[Char]:
    """Chars as a CJK font draws them: ASCII half width, unless `wide` (every glyph full width)."""
    return [Char(t, 50 + i * size, 50 + i * size + (1.0 if wide or not t.isascii() else 0.5) * size, 100, 112, 110,
                 size, "F", False) for i, t in enumerate(text)]


BODY = "二〇二二年全区地区生产总值增长8.1%，完成市下达目标。" * 4


@pytest.mark.once
@pytest.mark.parametrize("junk, what", [
    ("\x01\x02\x03\x04\x05\x06", "control characters"),
    ("(cid:12)", "pdfminer placeholders"),
    ("\ufffd", "replacement characters"),
    ("ĀăĐđŒœſǅ", "Latin Extended letters"),
])
def test_misdecoded_chars_make_the_page_unreadable(junk, what):
    chars = _chars(BODY[:40])
    if junk.startswith("(cid:"):
        chars += [Char(junk, 600 + i, 601 + i, 100, 112, 110, 12, "F", False) for i in range(6)]
    else:
        chars += _chars(junk * (6 // len(junk) + 1))
    reason = unreadable_reason(_page(*chars), DEFAULT.load)
    assert reason and "do not decode to text" in reason, what


@pytest.mark.once
def test_the_reason_quotes_placeholders_without_carrying_them():
    # report.json names the undecodable chars; pdfminer's "(cid:N)" in it is garbage in an output
    # (make fuzz searches report.json too)
    chars = _chars(BODY[:40]) + [Char("(cid:12)", 600 + i, 601 + i, 100, 112, 110, 12, "F", False)
                                 for i in range(6)]
    reason = unreadable_reason(_page(*chars), DEFAULT.load)
    assert "<cid 12><cid 12>" in reason and "(cid:" not in reason


@pytest.mark.once
def test_latin_drawn_with_full_width_glyphs_is_misdecoded():
    # "宝1路23*456789" where 1, 2, 3 … are CJK glyphs (as wide as the font size) decoded as ASCII
    assert unreadable_reason(_page(*_chars("宝1路23*456789:;改=建工程", wide=True)), DEFAULT.load)
    narrow = _chars("宝1路23*456789:;改=建工程")
    assert unreadable_reason(_page(*narrow), DEFAULT.load) is None
    assert not any(garbage(c) for c in narrow)
    # CJK fonts draw × ° ± ³ full width: printed, not misread
    assert not any(garbage(c) for c in _chars("×°±§·÷³", wide=True))


@pytest.mark.once
def test_a_few_private_use_bullets_are_left_out_not_the_page():
    chars = _chars(BODY) + [Char("\uf06c", 20, 32, 100, 112, 110, 12, "Wingdings", False)] * 3
    page = _page(*chars)
    assert unreadable_reason(page, DEFAULT.load) is None
    from pipeline.model.records import Document
    doc, unreadable = screen_text(Document("n", "n.pdf", "", {"Title": "a\x07b"}, (page,)), DEFAULT.load)
    assert unreadable == {}
    assert "".join(c.text for c in doc.pages[0].chars) == BODY
    assert [p.reason for p in doc.problems] == ["characters that do not decode to text left out"]
    assert "Title" not in doc.metadata


@pytest.mark.parametrize("notice", NOTICES)
def test_no_false_alarm_on_the_shared_notices(notice):
    doc = load_pdf(ROOT / "raw" / f"{notice}.pdf", DEFAULT)
    assert [c.text for p in doc.pages for c in p.chars if garbage(c)] == []
    assert all(p.source == "text" and p.outlines < DEFAULT.load.outline_paths for p in doc.pages)
    assert [p for p in doc.problems if "text" in p.reason] == []


def test_no_false_alarm_on_the_test_typesetting(tmp_path):
    d = Doc()
    d.text(60, 60, "关于2022年国民经济和社会发展计划的通知", size=22, bold=True)
    d.text(60, 100, "全区生产总值（GDP）增长8.1%，PM2.5浓度28μg/m³，温度-3℃～5℃。", size=16, justify_to=535)
    d.text(60, 130, "一、主要目标", size=16, face="kai")
    d.runs(60, 160, [("加快建设", {"bold": True}), ("1", {"sup": True}), ("①②③ABC abc 0123456789", {})])
    d.text(60, 190, "粗体描边 Stroke WMW%@ ×°±§·÷", stroke=True)
    table(d, [60, 200, 340, 480], 220, [["序号", "指标", "2022年目标"], ["1", "地区生产总值增长", "6.5%左右"]])
    d.footer(1)
    path = d.save(tmp_path / "styles.pdf")
    for backend in ("pdfium", "pdfplumber"):
        page = load_pdf(path, DEFAULT, backend=backend).pages[0]
        assert unreadable_reason(page, DEFAULT.load) is None
        assert [c.text for c in page.chars if garbage(c)] == [], backend


# ------------------------------------------------------------------ unusable text layers go to OCR

LINES = ("关于2023年国民经济和社会发展计划", "全区地区生产总值增长百分之六")
MICROHEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def _text_page(d: Doc, invisible: bool = False):
    for k, line in enumerate(LINES):
        t = d.c.beginText(60, d.height - 100 - k * 50)
        t.setFont(d.font, 24)
        if invisible:
            t.setTextRenderMode(3)
        t.textOut(line)
        d.c.drawText(t)


def _garbled(path, pages=("garbled",)):
    """Pages of LINES in an embedded TrueType font whose ToUnicode map is then removed; a page
    "invisible" draws them in render mode 3 (nothing to see), a page "good" in the standard CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if "microhei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("microhei", MICROHEI, subfontIndex=0))
    d = Doc(font="microhei")
    for i, kind in enumerate(pages):
        if i:
            d.new_page()
        if kind == "good":
            d.font = "STSong-Light"
        _text_page(d, invisible=kind == "invisible")
        d.font = "microhei"
    with pikepdf.open(d.save(path), allow_overwriting_input=True) as pdf:
        for font in pdf.objects:
            if isinstance(font, pikepdf.Dictionary) and font.get("/Type") == "/Font" and "/ToUnicode" in font \
                    and font.get("/BaseFont") != "/STSong-Light":
                del font["/ToUnicode"]
        pdf.save(path)
    return _cropped(path)


def _cropped(path):
    """Every page cut to the band of LINES: OCR of a small page takes a fraction of an A4 one's time."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.MediaBox = [30, 262, 565, 812]
        pdf.save(path)
    return path


def _outlined(path, with_text_page: bool = False):
    """LINES drawn as filled glyph outlines (fontTools) and no text object; `with_text_page` puts a
    page of ordinary text before it."""
    from fontTools.pens.basePen import BasePen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTCollection

    font = TTCollection(MICROHEI)[0]
    cmap, glyphs, upm = font.getBestCmap(), font.getGlyphSet(), font["head"].unitsPerEm

    class CanvasPen(BasePen):
        def __init__(self, path):
            super().__init__(glyphs)        # composite glyphs draw their parts from the set
            self.path = path

        def _moveTo(self, p):
            self.path.moveTo(*p)

        def _lineTo(self, p):
            self.path.lineTo(*p)

        def _curveToOne(self, a, b, c):
            self.path.curveTo(*a, *b, *c)

        def _closePath(self):
            self.path.close()

    d = Doc()
    if with_text_page:
        _text_page(d)
        d.new_page()
    size = 24
    for k, line in enumerate(LINES):
        x, baseline = 60, d.height - 100 - k * 50
        for ch in line:
            glyph = cmap[ord(ch)]
            p = d.c.beginPath()
            glyphs[glyph].draw(TransformPen(CanvasPen(p), (size / upm, 0, 0, size / upm, x, baseline)))
            d.c.drawPath(p, fill=1, stroke=0)
            x += font["hmtx"][glyph][0] * size / upm
    return _cropped(d.save(path))


def _text(page) -> str:
    return "".join(c.text for c in page.chars)


def test_text_drawn_as_outlines_is_counted_and_named_without_ocr(tmp_path, no_ocr):
    doc = load_pdf(_outlined(tmp_path / "two.pdf", with_text_page=True), DEFAULT)
    assert _text(doc.pages[0]) == "".join(LINES) and _text(doc.pages[1]) == ""
    assert doc.pages[0].outlines == 0 and doc.pages[1].outlines >= DEFAULT.load.outline_paths
    assert [(p.reason, p.page) for p in doc.problems] == [(OUTLINED, 2)]
    with pytest.raises(InputError) as e:
        check_text(load_pdf(_outlined(tmp_path / "one.pdf"), DEFAULT))
    assert e.value.kind == "no_text" and "drawn as outlines" in str(e.value) and "pages 1" in str(e.value)


@pytest.mark.once
def test_text_drawn_as_outlines_is_read_by_ocr(tmp_path):
    doc = load_pdf(_outlined(tmp_path / "outlined.pdf"), DEFAULT, backend="pdfium")
    assert doc.pages[0].source == "ocr"
    assert _text(doc.pages[0]) == "".join(LINES)
    assert [p for p in doc.problems if p.stage == "load"] == []


@pytest.mark.once
def test_a_text_layer_without_its_map_is_read_by_ocr(tmp_path, monkeypatch):
    path = _garbled(tmp_path / "garbled.pdf")
    monkeypatch.setenv("NOTICE_EXTRACT_OCR", "off")
    with pytest.raises(InputError) as e:        # the text layer alone is garbage …
        check_text(load_pdf(path, DEFAULT, backend="pdfium"))
    assert e.value.kind == "unreadable_text"
    monkeypatch.delenv("NOTICE_EXTRACT_OCR")
    doc = load_pdf(path, DEFAULT, backend="pdfium")      # … and OCR reads the page instead
    assert doc.pages[0].source == "ocr"
    assert _text(doc.pages[0]) == "".join(LINES)
    assert [p for p in doc.problems if p.stage == "load"] == []


@pytest.mark.once
def test_a_garbled_page_ocr_cannot_read_either_keeps_its_problem(tmp_path):
    doc = load_pdf(_garbled(tmp_path / "mixed.pdf", pages=("good", "invisible")), DEFAULT, backend="pdfium")
    assert _text(doc.pages[0]) == "".join(LINES) and doc.pages[1].chars == ()
    assert [(p.reason, p.page) for p in doc.problems] == [(UNREADABLE, 2)]
    with pytest.raises(InputError) as e:         # no page left with text: unreadable_text, not not_a_notice
        check_text(load_pdf(_garbled(tmp_path / "blank.pdf", pages=("invisible",)), DEFAULT, backend="pdfium"))
    assert e.value.kind == "unreadable_text" and "OCR found no text" in str(e.value)


@pytest.mark.once
def test_a_text_an_ideograph_opens_is_screened_whole():
    """A broken ToUnicode map may give a glyph an ideograph and a control char (中\\x01): the fast path
    for single ideographs must not let the control char through."""
    chars = tuple(Char("中\x01", 60 + 12 * i, 72 + 12 * i, 100, 112, 110, 12, "F", False) for i in range(40))
    assert unreadable_reason(Page(1, 595.0, 842.0, chars, ()), DEFAULT.load) is not None
    plain = tuple(Char("中", 60 + 12 * i, 72 + 12 * i, 100, 112, 110, 12, "F", False) for i in range(40))
    assert unreadable_reason(Page(1, 595.0, 842.0, plain, ()), DEFAULT.load) is None
