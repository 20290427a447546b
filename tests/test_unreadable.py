"""Text that does not decode to text (a font without its ToUnicode map, control and private-use
chars, (cid:N), Latin letters drawn with CJK glyphs) never reaches an output: the page is named as
needing OCR, and a file with no readable page fails as `unreadable_text`."""
import json
import unicodedata

import pikepdf
import pytest

from conftest import NOTICES, ROOT
from pdfs import Doc, table
from pipeline.api import extract
from pipeline.cli import main
from pipeline.load import load_pdf
from pipeline.records import Char, Page
from pipeline.textcheck import misdecoded, screen_text, unmappable, unreadable_reason


def garbage(c: Char) -> bool:
    return unmappable(c.text) or misdecoded(c)

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


def test_font_without_tounicode_gives_no_garbage_rows(tmp_path):
    broken = _drop_maps(GOOD, tmp_path / "nomap.pdf", "one")
    good, ex = extract(GOOD), extract(broken)
    unreadable = [p for p in ex.problems if p.reason == "unreadable text layer: needs OCR"]
    assert unreadable and all(p.page for p in unreadable)
    for t, rows in ex.tables.items():
        for row in rows:
            for v in row.values():
                assert not (isinstance(v, str) and _bad_chars(v)), (t, v)
    # whatever rows are left were read right: each is a row of the intact notice
    assert {r["indicator"] for r in ex.tables["indicators"]} <= {r["indicator"] for r in good.tables["indicators"]}
    assert {r["name"] for r in ex.tables["projects"]} <= {r["name"] for r in good.tables["projects"]}
    good_text = "".join(p["text"] for p in good.tables["paragraphs"])
    assert all(p["text"] in good_text for p in ex.tables["paragraphs"])


def test_font_without_tounicode_makes_the_notice_need_review(tmp_path):
    broken = _drop_maps(GOOD, tmp_path / "nomap.pdf", "one")
    out = tmp_path / "out"
    assert main(["extract", str(broken), "--out", str(out), "--quiet"]) == 0
    report = json.loads((out / "nomap" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "needs_review"
    assert any(r.startswith("unreadable text layer") for r in report["reasons"])


def test_a_file_with_no_readable_text_is_unreadable_text(tmp_path, capsys):
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
    reason = unreadable_reason(_page(*chars))
    assert reason and "do not decode to text" in reason, what


@pytest.mark.once
def test_latin_drawn_with_full_width_glyphs_is_misdecoded():
    # "宝1路23*456789" where 1, 2, 3 … are CJK glyphs (as wide as the font size) decoded as ASCII
    assert unreadable_reason(_page(*_chars("宝1路23*456789:;改=建工程", wide=True)))
    narrow = _chars("宝1路23*456789:;改=建工程")
    assert unreadable_reason(_page(*narrow)) is None
    assert not any(garbage(c) for c in narrow)
    # CJK fonts draw × ° ± ³ full width: printed, not misread
    assert not any(garbage(c) for c in _chars("×°±§·÷³", wide=True))


@pytest.mark.once
def test_a_few_private_use_bullets_are_left_out_not_the_page():
    chars = _chars(BODY) + [Char("\uf06c", 20, 32, 100, 112, 110, 12, "Wingdings", False)] * 3
    page = _page(*chars)
    assert unreadable_reason(page) is None
    from pipeline.records import Document
    doc, unreadable = screen_text(Document("n", "n.pdf", "", {"Title": "a\x07b"}, (page,)))
    assert unreadable == []
    assert "".join(c.text for c in doc.pages[0].chars) == BODY
    assert [p.reason for p in doc.problems] == ["characters that do not decode to text left out"]
    assert "Title" not in doc.metadata


@pytest.mark.parametrize("notice", NOTICES)
def test_no_false_alarm_on_the_shared_notices(notice):
    doc = load_pdf(ROOT / "raw" / f"{notice}.pdf")
    assert [c.text for p in doc.pages for c in p.chars if garbage(c)] == []


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
        page = load_pdf(path, backend=backend).pages[0]
        assert unreadable_reason(page) is None
        assert [c.text for c in page.chars if garbage(c)] == [], backend
