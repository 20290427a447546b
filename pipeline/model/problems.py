"""What a notice's problems mean for its verdict.

Every Problem carries a code. A code is of one of these kinds:
- `doubt`: the extraction may have lost or misread something; a person should look (the notice is
  `needs_review` while it has one);
- `source`: the notice contradicts itself, and the evidence (Problem.evidence) says the reading is
  right: the data team may want to know, but there is nothing to review in the extraction;
- `confirmed`: something that would be a doubt (a number OCR read with low confidence) that the
  notice itself confirms; Problem.evidence says how;
- `note`: what the notice prints that the outputs hold another way, nothing lost or doubted (a
  column no output field takes, kept in table_cells; a table without a printed number, numbered
  by its order);
- `tool`: a failure of the tool beside the extraction (the review page could not be written): the
  outputs stand, and say nothing about it.

The verdict is a function of the codes alone: `complete` when no problem is a doubt, whatever the
source issues, else `needs_review`."""
from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Protocol, TypeVar

DOUBT, SOURCE, CONFIRMED, NOTE, TOOL = "doubt", "source", "confirmed", "note", "tool"


class Code(str, Enum):
    """A problem's code, with its kind (`Code.X.kind`)."""

    kind: str

    def __new__(cls, value: str, kind: str) -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.kind = kind
        return member

    # load: pages or characters that could not be read
    DAMAGED_PDF = ("damaged_pdf", DOUBT)
    PAGES_MISSING = ("pages_missing", DOUBT)
    PAGE_UNPARSED = ("page_unparsed", DOUBT)
    UNDECODABLE_CHARS = ("undecodable_chars", DOUBT)
    UNREADABLE_PAGE = ("unreadable_page", DOUBT)
    OCR_FAILED = ("ocr_failed", DOUBT)
    OCR_TEXT_UNCERTAIN = ("ocr_text_uncertain", DOUBT)
    OCR_LOW_CONFIDENCE = ("ocr_low_confidence", DOUBT)          # a number nothing in the notice confirms
    OCR_CONFIRMED = ("ocr_confirmed", CONFIRMED)                # a low-confidence number the notice confirms
    # tables
    TABLE_UNTITLED = ("table_untitled", DOUBT)
    TABLE_EMPTY = ("table_empty", DOUBT)
    TITLE_WITHOUT_TABLE = ("title_without_table", DOUBT)
    TABLE_UNNUMBERED = ("table_unnumbered", NOTE)               # numbered by its order among its kind
    TABLE_KIND_UNKNOWN = ("table_kind_unknown", DOUBT)
    COLUMN_UNKNOWN = ("column_unknown", NOTE)                   # its cells kept in table_cells
    NO_SEQ_COLUMN = ("no_seq_column", DOUBT)
    ROW_WITHOUT_NUMBER = ("row_without_number", DOUBT)
    SEQ_BREAK = ("seq_break", DOUBT)                            # 序号 repeats or jumps
    SECTION_COUNT = ("section_count", DOUBT)                    # declared ≠ listed, and a row may be lost
    SECTION_COUNT_PRINTED = ("section_count_printed", SOURCE)   # declared ≠ listed, 序号 shows none lost
    SECTION_EMPTY = ("section_empty", DOUBT)
    INVESTMENT_NOT_NUMBER = ("investment_not_number", DOUBT)
    CELLS_SHIFTED = ("cells_shifted", DOUBT)                    # a number where a name belongs
    CELL_EMPTY = ("cell_empty", DOUBT)                          # a name, or a cell the other rows fill, empty
    # quantities
    NO_QUANTITY = ("no_quantity", DOUBT)
    # narrative
    ATTACHMENT_EMPTY = ("attachment_empty", DOUBT)
    NOTE_WITHOUT_NUMBER = ("note_without_number", DOUBT)
    MARKER_WITHOUT_NOTE = ("marker_without_note", DOUBT)
    NOTE_WITHOUT_MARKER = ("note_without_marker", DOUBT)
    NOTE_LINKED_BY_TOPIC = ("note_linked_by_topic", DOUBT)      # its marker lost: the anchor is a guess
    BREAK_AFTER_FULL_LINE = ("break_after_full_line", DOUBT)    # a paragraph may have been cut in two
    STARTS_MID_SENTENCE = ("starts_mid_sentence", DOUBT)
    LEAD_NOT_SENTENCE = ("lead_not_sentence", DOUBT)            # a bold lead that ends mid-sentence
    HEADING_SEQUENCE = ("heading_sequence", DOUBT)              # a heading breaks its level's numbering
    # cross-checks
    REPORT_TABLE_DISAGREE = ("report_table_disagree", DOUBT)
    REPORT_TABLE_PRINTED = ("report_table_printed", SOURCE)     # both figures read for sure: the notice's own
    IMPLAUSIBLE = ("implausible", DOUBT)
    TOTAL_DISAGREES = ("total_disagrees", DOUBT)
    TOTAL_PRINTED = ("total_printed", SOURCE)                   # every row read for sure, the sum as printed
    # output
    ROW_LEFT_OUT = ("row_left_out", DOUBT)
    REVIEW_FAILED = ("review_failed", TOOL)                     # the review page failed; the outputs stand
    UNCLASSIFIED = ("unclassified", DOUBT)                      # a problem raised without a code


class Problem(Protocol):
    """What the verdict reads of a problem (pipeline/model/records.py has the record itself)."""

    @property
    def code(self) -> Code | None: ...

    @property
    def reason(self) -> str: ...


P = TypeVar("P", bound=Problem)     # the problem record itself: the lists below keep its type


def code_of(p: Problem) -> Code:
    return p.code if p.code is not None else Code.UNCLASSIFIED


def kind_of(p: Problem) -> str:
    return code_of(p).kind


def of_kind(problems: Iterable[P], kind: str) -> list[P]:
    """The problems of one kind (DOUBT, SOURCE, CONFIRMED, NOTE, TOOL), in order."""
    return [p for p in problems if kind_of(p) == kind]


def distinct(problems: Iterable[Problem]) -> list[str]:
    """Each reason once, with how often it occurred, in the order first met."""
    counts: dict[str, int] = {}
    for p in problems:
        counts[p.reason] = counts.get(p.reason, 0) + 1
    return [r if n == 1 else f"{r} (×{n})" for r, n in counts.items()]


def verdict(problems: Iterable[Problem]) -> tuple[str, list[str]]:
    """"complete" when no problem is a doubt (source issues and confirmed numbers aside), else
    "needs_review" with the distinct reasons of the doubts (each once, with how often it occurred),
    in the order first met."""
    reasons = distinct(of_kind(problems, DOUBT))
    return ("needs_review" if reasons else "complete"), reasons
