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


CATEGORY_ROWS = [("主要经济指标", [("1", "地区生产总值", "可比增长7%"), ("2", "区级一般公共预算收入", "增长7%"),
                                  ("3", "实际到位外资额", "7亿美元")]),
                 ("科创中心建设指标", [("4", "高新技术企业数", "增长33%"), ("5", "市级专精特新企业数", "新增100家"),
                                      ("6", "每万人专利拥有量", "增长17%")])]


def category_table(path: Path, size: float = 12, seq_width: float = 32) -> Path:
    """A one-page notice of an indicator table (序号|类别|指标内容|2023年预期目标) set as printed notices set
    it: every cell's text centred, each 类别 cell spanning its rows with its name on two lines, so a
    header's 类别 stands well clear of the rule on its left (`CATEGORY_ROWS` are its rows); the 序号
    column `seq_width` points wide."""
    from pdfs import Doc

    d = Doc()
    x = [80, 80 + seq_width, 166, 352, 522]
    h = 30
    d.text(140, 90, "表3：2023年宝山区国民经济和社会发展主要目标", size=16)

    def centred(col: int, top: float, text: str) -> None:
        width = size * len(text) if not text.isascii() else d.c.stringWidth(text, d.font, size)
        d.text((x[col] + x[col + 1] - width) / 2, top + (h - size) / 2, text, size=size)

    top = 120.0
    d.hline(x[0], x[-1], top)
    for col, text in enumerate(("序号", "类别", "指标内容", "2023年预期目标")):
        centred(col, top, text)
    for category, rows in CATEGORY_ROWS:
        top += h
        d.hline(x[0], x[-1], top)
        for k, (seq, indicator, target) in enumerate(rows):
            if k:
                d.hline(x[0], x[1], top + k * h)
                d.hline(x[2], x[-1], top + k * h)
            for col, text in ((0, seq), (2, indicator), (3, target)):
                centred(col, top + k * h, text)
        middle = top + len(rows) * h / 2 - h / 2
        half = len(category) // 2
        centred(1, middle - 0.6 * size, category[:half])
        centred(1, middle + 0.6 * size, category[half:])
        top += (len(rows) - 1) * h
    top += h
    d.hline(x[0], x[-1], top)
    for xv in x:
        d.vline(xv, 120, top)
    return d.save(path)


def repeated(src: Path, pages: int, out: Path) -> Path:
    """A notice of `pages` pages: the pages of `src` over and over (a long scan from a short one)."""
    import pikepdf

    with pikepdf.open(src) as pdf, pikepdf.new() as result:
        n = len(pdf.pages)
        for k in range(pages):
            result.pages.append(pdf.pages[k % n])
        result.save(out)
    return out
