"""Scans made by the tests from the shared notices: pages rendered by pdfium and degraded the way a
printer and a scanner do (resolution, grey or colour, skew, blur, noise, JPEG), a red seal stamped
over the signature, a landscape-style page turned by 90°. Seeded, so every run builds the same bytes.

`scan_pages(pdf, specs, out)` replaces the pages named in `specs` by their scans and keeps the other
pages' text layer, so one function makes both a fully scanned notice and a text PDF with a few
scanned pages."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.settings import DEFAULT


@dataclass(frozen=True)
class Scan:
    dpi: int = 200
    colour: bool = False
    angle: float = 0.0          # degrees, counter-clockwise
    blur: float = 0.0           # Gaussian sigma, pixels
    noise: float = 0.0          # Gaussian noise sigma, grey levels
    jpeg: int = 85              # JPEG quality of the embedded image
    seal: bool = False          # a red seal stamped over the page's last-but-one line (the signature)
    sideways: bool = False      # the page scanned turned by 90° (clockwise)


def degraded(rgb: np.ndarray, spec: Scan, rng: np.random.Generator, seal_at: tuple[float, float] | None):
    import cv2

    img = rgb.astype(np.float32)
    if spec.seal and seal_at is not None:
        img = _stamp(img, seal_at, spec.dpi)
    if spec.angle:
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), spec.angle, 1.0)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))
    if spec.blur:
        img = cv2.GaussianBlur(img, (0, 0), spec.blur)
    if spec.noise:
        img = img + rng.normal(0, spec.noise, img.shape[:2])[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    if spec.sideways:
        img = np.ascontiguousarray(np.rot90(img, -1))
    if not spec.colour:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return img


def _stamp(img: np.ndarray, centre: tuple[float, float], dpi: int) -> np.ndarray:
    """A round red seal (ring, star, arc of strokes) multiplied over the page like stamp ink."""
    import cv2

    layer = np.full(img.shape[:2], 255, np.uint8)
    cx, cy = int(centre[0]), int(centre[1])
    r = int(0.8 * dpi)
    cv2.circle(layer, (cx, cy), r, 0, max(2, dpi // 40))
    star = np.array([(cx + r * 0.3 * np.cos(np.pi / 2 + k * 4 * np.pi / 5), cy - r * 0.3 * np.sin(np.pi / 2 + k * 4 * np.pi / 5))
                     for k in range(5)], np.int32)
    cv2.fillPoly(layer, [star], 0)
    for k in range(14):                         # the issuer's name set round the rim
        a = np.pi * (0.95 + 1.1 * k / 13)
        x, y = cx + 0.72 * r * np.cos(a), cy + 0.72 * r * np.sin(a)
        cv2.rectangle(layer, (int(x - r * 0.06), int(y - r * 0.06)), (int(x + r * 0.06), int(y + r * 0.06)), 0, 2)
    ink = (255 - layer).astype(np.float32)[..., None] / 255 * 0.85
    red = np.array([215, 30, 35], np.float32)
    return img * (1 - ink) + np.minimum(img, red) * ink


def scan_pages(src: Path, specs: dict[int, Scan], out: Path, seed: int = 13) -> Path:
    """Copy of `src` with every page numbered in `specs` (1-based) replaced by its degraded scan."""
    import pikepdf
    import pypdfium2 as pdfium
    from PIL import Image

    from pipeline.load.document import load_pdf

    rng = np.random.default_rng(seed)
    text_pages = load_pdf(src, DEFAULT).pages
    doc = pdfium.PdfDocument(str(src))
    scans: dict[int, bytes] = {}
    for number, spec in sorted(specs.items()):
        rgb = np.asarray(doc[number - 1].render(scale=spec.dpi / 72).to_pil().convert("RGB"))
        seal_at = _signature(text_pages[number - 1], spec.dpi) if spec.seal else None
        img = degraded(rgb, spec, rng, seal_at)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PDF", resolution=spec.dpi, quality=spec.jpeg)
        scans[number] = buf.getvalue()
    doc.close()
    with pikepdf.open(src) as pdf:
        opened = {n: pikepdf.open(io.BytesIO(b)) for n, b in scans.items()}
        result = pikepdf.new()
        for i, page in enumerate(pdf.pages, start=1):
            result.pages.append(opened[i].pages[0] if i in opened else page)
        result.save(out)
        for o in opened.values():
            o.close()
    return out


def _signature(page, dpi: int) -> tuple[float, float] | None:
    """Centre (pixels) of the page's last-but-one text line: the issuer's name above the date."""
    rows: dict[int, list] = {}
    for c in page.chars:
        rows.setdefault(round(c.baseline / 4), []).append(c)
    keys = sorted(rows)
    if len(keys) < 3:
        return None
    line = rows[keys[-3]] if _is_page_number(rows[keys[-1]]) else rows[keys[-2]]
    x = (min(c.x0 for c in line) + max(c.x1 for c in line)) / 2
    y = sum(c.baseline for c in line) / len(line)
    return x * dpi / 72, y * dpi / 72


def _is_page_number(chars) -> bool:
    return all(c.text.isdigit() or c.text in "—-－ " for c in chars)
