"""Defects injected into a loaded notice (its chars, as the PDF's text layer gives them), for the
verdict test: what a lost or misplaced piece of text does to the extraction must make the notice
`needs_review`, with a doubt on the page of the defect.

Each defect takes the loaded document and its clean extraction (to find where to strike) and
returns the changed document, the page of the defect and what was done."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from pipeline.model.records import Char, Document, Extraction

SENTENCE_END = "。！？；：!?;:…”’）)"
# the fields of a table row a blanked cell is taken from, in turn
BLANKED = ("investment_yi", "target_text", "name", "indicator")


def _inside(c: Char, box, pad: float = 0.5) -> bool:
    cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
    return box[0] - pad <= cx <= box[2] + pad and box[1] - pad <= cy <= box[3] + pad


def _changed(doc: Document, number: int, chars) -> Document:
    pages = tuple(replace(p, chars=tuple(chars)) if p.number == number else p for p in doc.pages)
    return replace(doc, pages=pages)


def _page(doc: Document, number: int):
    return next(p for p in doc.pages if p.number == number)


def blank_cell(doc: Document, ex: Extraction, turn: int = 0) -> tuple[Document, int, str]:
    """A data cell of a row in the middle of its table left empty (its chars removed)."""
    cells = [c for c in ex.tables["table_cells"] if c.output and c.x0 is not None and (c.text or "").strip()]
    for field in BLANKED[turn % len(BLANKED):] + BLANKED[:turn % len(BLANKED)]:
        found = [c for c in cells if c.field == field]
        if found:
            cell = found[len(found) // 2]
            break
    box = (cell.x0, cell.top, cell.x1, cell.bottom)
    page = _page(doc, cell.page)
    kept = [c for c in page.chars if not _inside(c, box, pad=-0.5)]
    assert len(kept) < len(page.chars), cell
    return _changed(doc, cell.page, kept), cell.page, f"{cell.field} cell of 表{cell.table_no} row {cell.seq} blanked"


def _lines(chars: list[Char]) -> list[list[Char]]:
    by_base: dict[int, list[Char]] = defaultdict(list)
    for c in chars:
        by_base[round(c.baseline / 2)].append(c)
    return [sorted(v, key=lambda c: c.x0) for _, v in sorted(by_base.items())]


def move_line(doc: Document, ex: Extraction, turn: int = 0) -> tuple[Document, int, str]:
    """The second line of a paragraph moved right by two chars, as if it opened a paragraph (a
    paragraph of three or more lines on one page whose first line ends mid-sentence)."""
    candidates = []
    for p in ex.tables["paragraphs"]:
        if p.kind != "paragraph" or p.part != "report" or p.page_first != p.page_last:
            continue
        page, *box = p.boxes[0]
        lines = _lines([c for c in _page(doc, page).chars if _inside(c, box)])
        body = [ln for ln in lines if len(ln) > 4]
        if len(body) >= 3 and "".join(c.text for c in body[0]).rstrip()[-1] not in SENTENCE_END:
            candidates.append((p, page, body[1]))
    p, page, line = candidates[(turn * 7) % len(candidates)]
    size = max(c.size for c in line)
    moved = {id(c) for c in line}
    chars = [replace(c, x0=c.x0 + 2 * size, x1=c.x1 + 2 * size) if id(c) in moved else c
             for c in _page(doc, page).chars]
    return _changed(doc, page, chars), page, f"line 2 of ¶{p.para_id} moved right by two chars"


def remove_marker(doc: Document, ex: Extraction, turn: int = 0) -> tuple[Document, int, str]:
    """The marker of a footnote cited in a paragraph removed from the text."""
    notes = [f for f in ex.tables["footnotes"] if f.marker_box and f.para_id]
    note = notes[turn % len(notes)]
    page, *box = note.marker_box
    chars = _page(doc, page).chars
    kept = [c for c in chars if not _inside(c, box)]
    assert len(kept) < len(chars), note
    return _changed(doc, page, kept), page, f"marker of footnote {note.footnote_no} removed"


DEFECTS = {"blank_cell": blank_cell, "move_line": move_line, "remove_marker": remove_marker}
