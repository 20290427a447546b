"""The pdfplumber backend gives the same outputs as the default pdfium backend. The reference is
pinned to pdfium, whatever NOTICE_EXTRACT_BACKEND says, so that no pass compares a backend with itself."""
from dataclasses import asdict

import pytest

from pipeline.api import extract
from pipeline.model.rows import Row
from pipeline.settings import DEFAULT

from conftest import NOTICES, ROOT

GEOMETRY = {"x0", "top", "x1", "bottom", "boxes", "marker_box", "note_boxes"}   # boxes on the page, PDF points


def _numbers(value) -> list:
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    return [value]


def _same(a: Row, b: Row) -> bool:
    """Equal texts and values; boxes equal to within 1 pt (the backends measure some glyph boxes differently)."""
    a, b = asdict(a), asdict(b)
    if a.keys() != b.keys() or any(a[k] != b[k] for k in a if k not in GEOMETRY):
        return False
    for k in GEOMETRY & a.keys():
        na, nb = _numbers(a[k]), _numbers(b[k])
        if len(na) != len(nb) or any((x is None) != (y is None) or (x is not None and abs(x - y) > 1.0)
                                     for x, y in zip(na, nb, strict=False)):
            return False
    return True


@pytest.mark.once
@pytest.mark.parametrize("notice_id", NOTICES)
def test_backends_agree(notice_id):
    pdf = ROOT / "raw" / f"{notice_id}.pdf"
    reference, other = extract(pdf, backend="pdfium"), extract(pdf, backend="pdfplumber")
    assert set(other.tables) == set(reference.tables)
    for table, rows in reference.tables.items():
        assert len(other.tables[table]) == len(rows), table
        for a, b in zip(other.tables[table], rows, strict=False):
            assert _same(a, b), (table, a, b)
    assert [(f.page, f.text) for f in other.furniture] == [(f.page, f.text) for f in reference.furniture]


@pytest.mark.once
def test_ucs2_coded_cid_font_keeps_chars_its_cmap_lacks(tmp_path):
    """STSong-Light under UniGB-UCS2-H (not embedded): pdfminer's copy of the CMap has no ² or ·, and
    used to drop them with their advance; each code is its Unicode, so both backends read the same."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from pipeline.load.document import load_pdf

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = tmp_path / "stsong.pdf"
    c = canvas.Canvas(str(pdf))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "3.41km/km²，醉美北上海·邂逅夜宝山")
    c.save()
    chars = {b: [(ch.text, round(ch.x0, 1)) for ch in load_pdf(pdf, DEFAULT, backend=b).pages[0].chars]
             for b in ("pdfium", "pdfplumber")}
    assert "".join(t for t, _ in chars["pdfplumber"]) == "3.41km/km²，醉美北上海·邂逅夜宝山"
    assert chars["pdfplumber"] == chars["pdfium"]


@pytest.mark.once
def test_hyphen_at_a_line_end_is_kept(tmp_path):
    """pdfium reports a hyphen that ends a line as U+0002 (a hyphenation, to it), which was dropped
    as a control char: 南大路改建工程（南陈路-S20） wrapped after the hyphen read 南陈路S20."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from pipeline.load.document import load_pdf

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = tmp_path / "hyphen.pdf"
    c = canvas.Canvas(str(pdf))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 700, "南大路改建工程（南陈路-")
    c.drawString(72, 685, "S20）")
    c.setFont("Helvetica", 12)
    c.drawString(72, 600, "north-")
    c.drawString(72, 585, "south")
    c.save()
    for backend in ("pdfium", "pdfplumber"):
        text = "".join(ch.text for ch in load_pdf(pdf, DEFAULT, backend=backend).pages[0].chars)
        assert text == "南大路改建工程（南陈路-S20）north-south", backend


def test_a_font_named_in_gbk_is_read_by_both_backends(tmp_path, backend):
    """A Type 3 font whose FontName is not UTF-8 (宋体 in GBK, as Chinese producers write it): pdfminer
    keeps such a name as bytes, and the pdfplumber backend's synthetic-bold test failed the file on it."""
    import pikepdf

    from pipeline.load.document import load_pdf

    from pdfs import Doc
    d = Doc()
    d.text(60, 80, "地区生产总值增长6%")
    pdf = pikepdf.open(d.save(tmp_path / "plain.pdf"))
    glyph = pdf.make_stream(b"1000 0 0 0 1000 1000 d1 0 0 1000 1000 re f")
    descriptor = pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/GBKNAMEXXXXXX"),
                                    Flags=4, FontBBox=[0, 0, 1000, 1000], ItalicAngle=0, Ascent=1000, Descent=0,
                                    CapHeight=1000, StemV=80)
    pdf.pages[0].obj.Resources.Font[pikepdf.Name("/FT3")] = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, FontBBox=[0, 0, 1000, 1000],
        FontMatrix=[0.001, 0, 0, 0.001, 0, 0], FirstChar=65, LastChar=65, Widths=[1000],
        Encoding=pikepdf.Dictionary(Type=pikepdf.Name.Encoding, Differences=[65, pikepdf.Name.a]),
        CharProcs=pikepdf.Dictionary(a=glyph), FontDescriptor=descriptor))
    plain = tmp_path / "uncompressed.pdf"
    pdf.save(plain, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    raw = plain.read_bytes()
    assert raw.count(b"/GBKNAMEXXXXXX") == 1
    gbk = tmp_path / "gbk.pdf"
    gbk.write_bytes(raw.replace(b"/GBKNAMEXXXXXX", b"/#CB#CE#CC#E5XX"))     # as long: the xref stays right
    doc = load_pdf(gbk, DEFAULT, backend=backend)
    assert "".join(c.text for c in doc.pages[0].chars) == "地区生产总值增长6%"
    assert doc.problems == ()
