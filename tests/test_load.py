"""The load stage: both backends give the same records, also on pages shown with /Rotate."""
import pikepdf
import pytest
from reportlab.pdfgen import canvas

from pipeline.load import load_pdf

W, H = 595, 842
UPRIGHT = {0: (0, 0), 90: (W, 0), 180: (W, H), 270: (0, H)}     # translation that keeps text upright


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_backends_agree_on_rotated_pages(tmp_path, rotation):
    src = tmp_path / "src.pdf"
    c = canvas.Canvas(str(src), pagesize=(W, H))
    c.translate(*UPRIGHT[rotation])
    c.rotate(rotation)
    c.setFont("Helvetica", 16)
    c.drawString(72, 300, "Landscape table page")
    c.setLineWidth(0.7)
    c.line(72, 290, 400, 290)
    c.save()
    with pikepdf.open(src) as pdf:
        pdf.pages[0].Rotate = rotation
        pdf.save(tmp_path / "rot.pdf")
    a, b = (load_pdf(tmp_path / "rot.pdf", backend).pages[0] for backend in ("pdfium", "pdfplumber"))
    assert (a.width, a.height) == (b.width, b.height)
    assert "".join(ch.text for ch in a.chars) == "Landscapetablepage"
    for x, y in zip(a.chars, b.chars):
        assert x.text == y.text
        assert (x.x0, x.baseline) == pytest.approx((y.x0, y.baseline), abs=0.5)
    assert a.chars[1].x0 > a.chars[0].x0 and a.chars[1].baseline == pytest.approx(a.chars[0].baseline)
    assert len(a.rules) == len(b.rules) == 1
    ra, rb = a.rules[0], b.rules[0]
    assert (ra.x0, ra.top, ra.x1, ra.bottom) == pytest.approx((rb.x0, rb.top, rb.x1, rb.bottom), abs=0.5)
    assert ra.horizontal


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_text_drawn_twice_is_read_once(tmp_path, backend):
    """Some producers embolden by drawing the same text twice, a fraction of a point apart."""
    path = tmp_path / "twice.pdf"
    c = canvas.Canvas(str(path), pagesize=(W, H))
    c.setFont("Helvetica", 16)
    c.drawString(72, 700, "Bold lead.")
    c.drawString(72.3, 700, "Bold lead.")
    c.save()
    assert "".join(ch.text for ch in load_pdf(path, backend).pages[0].chars) == "Boldlead."
