"""Which figures were read for sure: from a text layer, or by OCR with high confidence.

OCR raises a problem (Code.OCR_LOW_CONFIDENCE, with the number's box) for every number with a glyph
read below its confidence bar, so a figure on an OCR'd page is sure exactly when no such problem
lies on it."""
from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.model.problems import Code
from pipeline.model.records import Problem
from pipeline.model.rows import ParagraphRow, TableCellRow

DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def number_of(p: Problem) -> str:
    """The number a low-confidence problem is about (its text opens with it: "6.5% (0.62) in …")."""
    m = DIGITS.search(p.text.split(" (")[0])
    return m.group() if m else ""


def inside(bbox: tuple[float, float, float, float] | None, box: Sequence[float] | None) -> bool:
    """Whether the centre of `bbox` lies in `box` (x0, top, x1, bottom)."""
    if bbox is None or box is None or None in box:
        return False
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def cell_box(c: TableCellRow) -> tuple[float, float, float, float] | None:
    """The cell's box (x0, top, x1, bottom), None for a cell without one (its four are set together)."""
    if c.x0 is None or c.top is None or c.x1 is None or c.bottom is None:
        return None
    return c.x0, c.top, c.x1, c.bottom


class Certainty:
    """The low-confidence numbers of a notice, and whether a cell or a paragraph's figure is sure."""

    def __init__(self, problems: list[Problem]):
        self.uncertain = [p for p in problems if p.code == Code.OCR_LOW_CONFIDENCE and p.page is not None]

    def in_cell(self, c: TableCellRow) -> list[Problem]:
        return [p for p in self.uncertain if p.page == c.page and inside(p.bbox, cell_box(c))]

    def in_paragraph(self, para: ParagraphRow) -> list[Problem]:
        return [p for p in self.uncertain
                if any(p.page == page and inside(p.bbox, box) for page, *box in para.boxes)]

    def cell(self, c: TableCellRow) -> bool:
        return c.source == "text" or not self.in_cell(c)

    def paragraph(self, para: ParagraphRow, raw: str) -> bool:
        """Whether the figure `raw` of the paragraph was read for sure: none of the paragraph's
        low-confidence numbers is part of it."""
        if para.source == "text":
            return True
        digits = set(DIGITS.findall(raw))
        return not any(number_of(p) in digits for p in self.in_paragraph(para))
