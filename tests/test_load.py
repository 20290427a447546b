"""The load stage: both backends give the same records, also on pages shown with /Rotate."""
import pikepdf
import pytest
from reportlab.pdfgen import canvas

from pipeline.load.document import load_pdf
from pipeline.settings import DEFAULT

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

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
    a, b = (load_pdf(tmp_path / "rot.pdf", DEFAULT, backend).pages[0] for backend in ("pdfium", "pdfplumber"))
    assert (a.width, a.height) == (b.width, b.height)
    assert "".join(ch.text for ch in a.chars) == "Landscapetablepage"
    for x, y in zip(a.chars, b.chars, strict=False):
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
    assert "".join(ch.text for ch in load_pdf(path, DEFAULT, backend).pages[0].chars) == "Boldlead."


def _form(pdf, content: bytes, resources=None, matrix=None):
    form = pikepdf.Stream(pdf, content)
    form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, W, H]
    if matrix:
        form.Matrix = matrix
    if resources:
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(resources))
    return form


@pytest.mark.once
def test_rules_inside_form_xobjects(tmp_path):
    """Word and WPS often draw table borders in a form XObject placed with a matrix; a form may place
    another (nested) with its own /Matrix. Both backends place the rules where they are shown."""
    pdf = pikepdf.new()
    inner = _form(pdf, b"0 0 m 0 120 l S", matrix=[1, 0, 0, 1, 50, 0])        # vertical, 120 pt tall
    outer = _form(pdf, b"0.7 w 0 0 m 200 0 l S q 1 0 0 1 0 -150 cm /Fm2 Do Q", resources={"/Fm2": inner})
    pdf.add_blank_page(page_size=(W, H))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary({"/Fm1": outer}))
    page.Contents = pdf.make_stream(b"q 1 0 0 1 100 400 cm /Fm1 Do Q 72 100 m 300 100 l S")
    pdf.save(tmp_path / "forms.pdf")
    # page space (y up): outer line y=400 x 100..300; inner line x=100+50, y 250..370; a page line y=100
    want = sorted([(100, H - 400, 300, H - 400), (150, H - 370, 150, H - 250), (72, H - 100, 300, H - 100)])
    for backend in ("pdfium", "pdfplumber"):
        got = sorted((r.x0, r.top, r.x1, r.bottom) for r in load_pdf(tmp_path / "forms.pdf", DEFAULT, backend).pages[0].rules)
        assert len(got) == len(want), backend
        for g, w in zip(got, want, strict=False):
            assert g == pytest.approx(w, abs=0.5), backend


@pytest.mark.once
@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_an_error_that_is_not_the_pdfs_is_not_a_bad_page(tmp_path, monkeypatch, backend):
    """A missing data file (as when schemas/ was not installed) must fail loudly, not read as a
    notice whose every page could not be parsed."""
    c = canvas.Canvas(str(tmp_path / "ok.pdf"), pagesize=(W, H))
    c.setFont("Helvetica", 16)
    c.drawString(72, 700, "Some text")
    c.save()

    def missing(font):
        raise FileNotFoundError("patterns.json")
    monkeypatch.setattr("pipeline.load.pdfium_backend.is_bold", missing)
    monkeypatch.setattr("pipeline.load.pdfplumber_backend.is_bold", missing)
    with pytest.raises(FileNotFoundError):
        load_pdf(tmp_path / "ok.pdf", DEFAULT, backend)
