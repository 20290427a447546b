"""Page images for the review page: every page drawn by pdfium as it is shown."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pipeline.load.backend import repaired
from pipeline.load.document import check_drawing, read_checked

GREYS = [v // 17 * 17 for v in range(256)]     # 16 grey levels: a 4-bit PNG, crisp text, fast to write


def render_pages(path: str | Path, scale: float = 1.5,
                 frames: Mapping[int, tuple[int, float]] | None = None) -> list[tuple[int, float, float, bytes]]:
    """Every page drawn by pdfium as it is shown (its /Rotate applied), in 16 greys, as PNG:
    (page number, displayed width and height in PDF points, image bytes). A page in `frames` (page →
    quarter turns and degrees, counterclockwise) was read by OCR turned upright: its image is turned
    alike, so that it is drawn in the frame its boxes are in (a page scanned sideways shows upright)."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    raw = read_checked(Path(path))
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError:
        pdf = pdfium.PdfDocument(repaired(raw) or raw)
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        width, height = page.get_size()         # as shown: pdfium's size has the page's /Rotate applied
        check_drawing(i + 1, width, height, scale, "be drawn on the review page")
        image = page.render(scale=scale, grayscale=True).to_pil()
        turn, skew = (frames or {}).get(i + 1, (0, 0.0))
        if turn % 4:
            image = image.transpose((None, Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180,
                                     Image.Transpose.ROTATE_270)[turn % 4])
            if turn % 2:
                width, height = height, width
        if skew:
            image = image.rotate(skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
        image = image.point(GREYS)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=1, bits=4)
        out.append((i + 1, width, height, buf.getvalue()))
        page.close()
    pdf.close()
    return out
