"""Bold leads in a browser's print-to-PDF (headless chromium, Skia), read by both backends (issue 22):
a face with a bold of its own (Noto Serif CJK) comes out as Type 3 fonts named after the face
(`…NotoSerifCJKsc-Bold`), which pdfium does not name, so the name is read from the font's descriptor;
a face without one (AR PL UMing) is made bold by Skia as Type 3 glyphs under the regular face's name,
so only the glyphs' ink tells it. Chromium draws in CSS pixels under a 0.75 matrix: the sizes read
must be the points printed. The PDF is printed once and kept in pytest's cache."""
from __future__ import annotations

import base64
import hashlib

import pytest

from pipeline.api import extract
from pipeline.load.document import load_pdf
from pipeline.settings import DEFAULT

LEAD = "经济总量稳步提升。"
REST = "全年经济总量稳中有进，提升态势持续巩固，财政状况稳步改善。"
PAGE = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 25mm; }}
html {{ font-size: 16pt; }}
p {{ margin: 0; line-height: 1.75; text-indent: 2em; }}
.noto {{ font-family: 'Noto Serif CJK SC'; }}
.uming {{ font-family: 'AR PL UMing CN'; }}
</style></head><body>
<p class="uming">一、总体情况</p>
<p class="uming"><b>{LEAD}</b>{REST}</p>
<p class="noto"><b>{LEAD}</b>{REST}</p>
<p class="uming">{REST}</p>
</body></html>
"""


@pytest.fixture(scope="module")
def printed(pytestconfig, request, tmp_path_factory):
    """The page printed by chromium, from the cache when this HTML was printed before."""
    cache = pytestconfig.cache.mkdir("browser-bold")
    pdf = cache / f"bold-{hashlib.sha256(PAGE.encode()).hexdigest()[:16]}.pdf"
    if not pdf.exists():
        driver = request.getfixturevalue("browser")
        page = tmp_path_factory.mktemp("bold") / "bold.html"
        page.write_text(PAGE, encoding="utf-8")
        driver.get(page.resolve().as_uri())
        driver.execute_script("return document.fonts.ready.then(() => true)")
        result = driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": False})
        part = pdf.with_suffix(".part")
        part.write_bytes(base64.b64decode(result["data"]))
        part.replace(pdf)
    return pdf


def test_browser_bold_told_by_name_and_by_ink(printed, backend):
    doc = load_pdf(printed, DEFAULT, backend)
    chars = [c for p in doc.pages for c in p.chars]
    faces = {c.font for c in chars}
    assert {"UMingCN", "NotoSerifCJKsc-Regular", "NotoSerifCJKsc-Bold"} <= faces, faces
    for face in ("UMingCN", "NotoSerifCJKsc"):
        mine = [c for c in chars if c.font.startswith(face)]
        bold = "".join(c.text for c in mine if c.bold)
        assert bold == LEAD, (face, bold)
    assert all(abs(c.size - 16) < 0.1 for c in chars), sorted({round(c.size, 2) for c in chars})
    ex = extract(printed, backend=backend)
    body = [p for p in ex.tables["paragraphs"] if p.kind == "paragraph"]
    assert [(p.lead, p.text) for p in body] == [(LEAD, LEAD + REST), (LEAD, LEAD + REST), (None, REST)]


@pytest.mark.once
def test_programs_weighed_on_shared_glyphs_only():
    """Two programs of one face: bold when the same glyphs carry more ink by the settings' ratio, not
    when they carry the same ink (two subsets of one weight), and not weighed at all — no page drawn —
    when they share no code point (a producer's subsets of one face split the glyphs between them)."""
    import numpy as np

    from pipeline.load.weight import heavier_programs
    from pipeline.model.records import Char

    def char(text: str, x: float) -> Char:
        return Char(text, x, x + 10, 10, 20, 18, 10, "Face", False)

    regular = [("A+Face", 0, char(t, 10 * k)) for k, t in enumerate("甲乙丙丁戊")]
    other = [("B+Face", 0, char(t, 100 + 10 * k)) for k, t in enumerate("甲乙丙")]
    drawn_pages: list[int] = []

    def page(ink_right: float):
        def draw(i: int):
            drawn_pages.append(i)
            image = np.full((40, 200), 0.2)
            image[:, 100:] = ink_right
            return image
        return draw

    s = DEFAULT.load
    assert heavier_programs(regular + other, page(0.4), s) == {"B+Face"}
    assert heavier_programs(regular + other, page(0.22), s) == set()
    assert heavier_programs(regular + other, page(0.1), s) == {"A+Face"}
    drawn_pages.clear()
    apart = [("B+Face", 0, char(t, 100 + 10 * k)) for k, t in enumerate("己庚辛")]
    assert heavier_programs(regular + apart, page(0.4), s) == set() and drawn_pages == []
