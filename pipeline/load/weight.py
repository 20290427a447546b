"""Bold told by the weight of the glyphs where no font name tells it.

A browser printing to PDF (Skia) draws the bold it synthesises for a face without one (AR PL UMing) as
Type 3 glyphs under the regular face's own name; a producer may embed one face as several programs
(subsets) whose names say nothing of their weight. When one face is drawn by two programs and both
draw some of the same code points, the page images tell their weights apart: the same glyph carries
about twice the ink in the synthetic bold (1.5 times in a designed bold), the same ink again when two
programs are one weight. Pages are drawn only for such a face, and only until enough glyphs are
compared."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from statistics import mean, median
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pipeline.model.records import Char, Page
from pipeline.settings import LoadSettings

# (program, page index, char): `program` names the font program that draws the char (its subset
# tag kept, its kind when the name alone is shared), the char's `font` the face
Drawn = tuple[str, int, Char]
Image = NDArray[np.float64]         # rows of ink per pixel (0 white … 1 black)
Ink = Callable[[int], Image]        # page index → its image


def bold_by_ink(pages: list[Page], drawn: Sequence[Drawn], ink_of_page: Ink, s: LoadSettings) -> list[Page]:
    """`pages` with the chars of the programs found bold by their ink made bold."""
    heavy = heavier_programs(drawn, ink_of_page, s)
    if not heavy:
        return pages
    bold = {id(c) for program, _, c in drawn if program in heavy}
    return [replace(p, chars=tuple(replace(c, bold=True) if id(c) in bold else c for c in p.chars)) for p in pages]


def heavier_programs(drawn: Sequence[Drawn], ink_of_page: Ink, s: LoadSettings) -> set[str]:
    """The programs that draw a face in bold though neither name says it: each program of a face
    weighed against the face's main program (the one drawing most chars) on the code points both
    draw; the heavier of the two by `ink_bold_ratio` is bold."""
    faces: dict[str, dict[str, list[tuple[int, Char]]]] = {}
    for program, page, c in drawn:
        if not c.bold and c.conf is None:
            faces.setdefault(c.font, {}).setdefault(program, []).append((page, c))
    pages: dict[int, Image] = {}

    def ink(page: int) -> Image:
        if page not in pages:
            pages[page] = ink_of_page(page)
        return pages[page]

    bold: set[str] = set()
    for programs in faces.values():
        if len(programs) < 2:
            continue
        main = max(programs, key=lambda p: len(programs[p]))
        for program, chars in programs.items():
            if program == main:
                continue
            ratio = _ink_ratio(chars, programs[main], ink, s)
            if ratio is None:
                continue
            if ratio >= s.ink_bold_ratio:
                bold.add(program)
            elif ratio <= 1 / s.ink_bold_ratio:
                bold.add(main)
    return bold


def _ink_ratio(chars: list[tuple[int, Char]], main: list[tuple[int, Char]], ink: Ink,
               s: LoadSettings) -> float | None:
    """Median over the code points both draw of (this program's ink per glyph box) / (the main
    program's), on the pages where this program draws most of them; None with too few compared."""
    shared = {c.text for _, c in chars} & {c.text for _, c in main}
    if len(shared) < s.ink_min_shared:
        return None
    by_page, main_by_page = _by_page(chars, shared), _by_page(main, shared)
    mine: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for page in sorted(by_page, key=lambda p: -len(by_page[p]))[: s.ink_pages]:
        image = ink(page)
        for c in by_page[page]:
            mine.setdefault(c.text, []).append(_density(image, c, s.ink_scale))
        for c in main_by_page.get(page, ()):
            theirs.setdefault(c.text, []).append(_density(image, c, s.ink_scale))
        if len(mine.keys() & theirs.keys()) >= s.ink_enough:
            break
    both = [u for u in mine.keys() & theirs.keys() if mean(theirs[u]) > 0]
    if len(both) < s.ink_min_shared:
        return None
    return median(mean(mine[u]) / mean(theirs[u]) for u in both)


def _by_page(chars: list[tuple[int, Char]], texts: set[str]) -> dict[int, list[Char]]:
    """The chars whose text is one of `texts`, by page."""
    out: dict[int, list[Char]] = {}
    for page, c in chars:
        if c.text in texts:
            out.setdefault(page, []).append(c)
    return out


def _density(image: Image, c: Char, scale: float) -> float:
    """Mean ink over the char's box on the page image."""
    top, bottom = max(0, int(c.top * scale)), max(0, int(c.bottom * scale + 0.999))
    left, right = max(0, int(c.x0 * scale)), max(0, int(c.x1 * scale + 0.999))
    box = image[top:bottom, left:right]
    return float(box.mean()) if box.size else 0.0


def page_ink(page: Any, scale: float) -> Image:
    """A pypdfium2 page drawn in greys as rows of ink (0 white … 1 black), as shown (/Rotate applied)."""
    grey = np.asarray(page.render(scale=scale, grayscale=True).to_numpy(), dtype=np.float64)
    if grey.ndim == 3:
        grey = grey[..., 0]
    return 1.0 - grey / 255.0
