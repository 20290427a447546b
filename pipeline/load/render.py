"""Page images for the review page: every page drawn by pdfium as it is shown."""
from __future__ import annotations

from pathlib import Path

from pipeline.load.backend import repaired
from pipeline.load.document import read_checked

GREYS = [v // 17 * 17 for v in range(256)]     # 16 grey levels: a 4-bit PNG, crisp text, fast to write


def render_pages(path: str | Path, scale: float = 1.5) -> list[tuple[int, float, float, bytes]]:
    """Every page drawn by pdfium as it is shown (its /Rotate applied), in 16 greys, as PNG:
    (page number, displayed width and height in PDF points, image bytes)."""
    import io

    import pypdfium2 as pdfium

    raw = read_checked(Path(path))
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError:
        pdf = pdfium.PdfDocument(repaired(raw) or raw)
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        width, height = page.get_size()
        if page.get_rotation() in (90, 270):
            width, height = height, width
        image = page.render(scale=scale, grayscale=True).to_pil().point(GREYS)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1, bits=4)
        out.append((i + 1, width, height, buf.getvalue()))
        page.close()
    pdf.close()
    return out
