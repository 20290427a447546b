"""Small immutable records passed from one stage to the next."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pipeline.model.problems import Code
from pipeline.model.rows import Tables


@dataclass(frozen=True, slots=True)
class Char:
    text: str
    x0: float
    x1: float
    top: float          # distance from the top of the page, PDF points
    bottom: float
    baseline: float     # y of the glyph origin, measured from the top
    size: float
    font: str           # font name without the subset prefix
    bold: bool
    conf: float | None = None   # OCR confidence of the glyph (0..1); None for a text layer's char


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle on a page, PDF points, `top` and `bottom` measured from the top of the page."""
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True, slots=True)
class Rule(Box):
    """A horizontal or vertical ruling line (a stroked line or one edge of a rectangle)."""

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(frozen=True, slots=True)
class Page:
    number: int         # 1-based
    width: float
    height: float
    chars: tuple[Char, ...]
    rules: tuple[Rule, ...]
    images: int = 0     # image objects drawn on the page (a scan shows up here, not in chars)
    outlines: int = 0   # path objects with curves (text drawn as glyph outlines shows up here, not in chars)
    source: str = "text"    # "text": read from the PDF's text layer; "ocr": read from its image
    turn: int = 0           # quarter turns counterclockwise OCR gave the page image to read it upright (0-3)
    skew: float = 0.0       # then degrees counterclockwise it was deskewed by: the frame of the chars' boxes


@dataclass(frozen=True, slots=True)
class Document:
    notice_id: str
    source_file: str
    sha256: str
    metadata: dict[str, str]
    pages: tuple[Page, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    stage: str
    reason: str
    page: int | None = None
    text: str = ""
    table_no: int | None = None
    row: int | None = None
    bbox: tuple[float, float, float, float] | None = None   # x0, top, x1, bottom on `page`, PDF points
    code: Code | None = None    # what it means for the verdict (pipeline/model/problems.py)
    evidence: str = ""          # a source issue's proof that the reading is right, or what confirmed a number


@dataclass(frozen=True, slots=True)
class Line:
    """A line of text; `chars` keeps every glyph, superscripts included."""
    page: int
    chars: tuple[Char, ...]
    text: str           # its chars' texts, a space between Latin words (made once: read many times a notice)
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    size: float         # the dominant (body) size of the line


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell(Box):
    """One cell of a grid: its box, then its place in keywords (Cell(x0, top, x1, bottom, row=…))."""
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str
    markers: tuple[tuple[int, str], ...] = ()   # footnote markers: (number, cell text before it)
    confidence: float | None = None             # lowest OCR confidence of its chars (None: text layer)


@dataclass(frozen=True, slots=True, kw_only=True)
class Grid(Box):
    """One table fragment as printed on one page: its box, then the rest in keywords."""
    page: int
    n_rows: int
    n_cols: int
    cells: tuple[Cell, ...]
    header_rows: int | None = None    # known when rules mark the header off (a three-line table)
    source: str = "text"        # the page's source: "text" | "ocr"


@dataclass(frozen=True, slots=True)
class PageLayout:
    page: Page
    body: tuple[Line, ...]          # text lines outside tables, footers and footnote area
    footnote_lines: tuple[Line, ...]
    grids: tuple[Grid, ...]
    footer: str | None
    furniture: tuple[Line, ...] = ()    # lines left out as page furniture: page numbers, running headers


@dataclass(frozen=True, slots=True)
class CellMarker:
    """A footnote marker printed in a table cell: the table stage finds it, the narrative stage pairs
    it with its note."""
    number: int
    page: int
    table_no: int | None
    row: int                    # the cell's place in its logical table (TableCell.row, .col)
    col: int
    anchor: str                 # the cell's text before the marker
    bbox: tuple[float, float, float, float] | None      # the cell's box on `page`


@dataclass(frozen=True, slots=True)
class Note:
    """A footnote as printed: at a page's bottom, or gathered at the report's end."""
    number: int
    page: int                   # where it starts
    parts: tuple[str, ...]      # the texts of its lines, the number taken off the first
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a notice's body text between two 附件 labels: the cover notice before the first,
    then each attachment (all of it the report when there is no label)."""
    part: str                   # "notice" | "report"
    lines: tuple[Line, ...]     # its body lines, without the label and the lines the tables took
    table_rows: int             # rows of the table grids set in it
    attachment: int | None      # the number its 附件 label gives; None before the first label


@dataclass(frozen=True, slots=True)
class TableCell:
    page: int
    row: int            # numbered across the continuation pages of one logical table
    col: int
    rowspan: int
    colspan: int
    is_header: bool
    text: str
    markers: tuple[tuple[int, str], ...] = ()
    bbox: tuple[float, float, float, float] | None = None   # x0, top, x1, bottom on `page`, PDF points
    source: str = "text"
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class LogicalTable:
    """A table joined across pages: header texts and body rows as text, cells for audit."""
    index: int
    title: str
    table_no: int | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]   # spanned cells repeated in every row they cover
    row_pages: tuple[int, ...]
    cells: tuple[TableCell, ...]
    notes: tuple[tuple[int, str], ...] = ()   # (page, text) of each note printed under it (备注：…)
    unit: str = ""          # the "单位：亿元" printed with the title, if any
    row_numbers: tuple[int, ...] = ()   # the printed row (TableCell.row) each of `rows` starts at
    row_sources: tuple[str, ...] = ()                   # per body row: "ocr" if any cell was OCR'd
    row_confidence: tuple[float | None, ...] = ()       # per body row: lowest OCR confidence of its cells


@dataclass(frozen=True, slots=True)
class Quantity:
    raw: str
    start: int
    end: int
    value: float
    unit: str
    base_value: Decimal
    base_unit: str
    kind: str            # "level" | "growth"
    qualifier: str | None
    label: str | None = None
    bound: str | None = None  # "low" | "high" for the two ends of a range


@dataclass(frozen=True, slots=True)
class Furniture:
    """A line left out of the text as page furniture (a page number, a running header): drawn on the
    review page."""
    page: int
    bbox: tuple[float, float, float, float]     # x0, top, x1, bottom on `page`, PDF points
    text: str


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one notice: the row records (pipeline/rows.py) of each output table.
    A stage that adds to it makes a new one (dataclasses.replace); the schema check does so once
    (checks.schema.validated), and the outputs are written from what it returns, as it is."""
    notice_id: str
    tables: Tables = field(default_factory=Tables)
    problems: tuple[Problem, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)     # seconds per stage
    furniture: tuple[Furniture, ...] = ()       # page furniture left out of the text
    frames: Mapping[int, tuple[int, float]] = field(default_factory=dict)  # page → (turn, skew) of a page OCR turned
    validated: bool = False     # `tables` are the rows the schema check keeps; what it left out is in `problems`


@dataclass(frozen=True)
class Summary:
    notice_id: str
    source: str
    ok: bool
    pages: int = 0
    counts: dict[str, int] | None = None
    problems: int = 0           # doubts: what the extraction may have lost or misread
    status: str = ""            # the verdict of report.json: "complete" | "needs_review"
    source_issues: int = 0      # what the notice contradicts in itself (no doubt of the extraction)
    review_error: str | None = None     # the review page could not be written (the outputs stand)
    left_out: int = 0           # rows the schema check kept out of the outputs (invalid, repeated key)
    seconds: float = 0.0
    error_kind: str | None = None
    error: str | None = None
    skipped: bool = False       # done by an earlier run (manifest.parquet), not run again
