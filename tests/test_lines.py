"""The one marker-aware text builder behind table cells and paragraphs."""
import pytest

from pipeline.layout.grids import cell_text
from pipeline.layout.lines import build_lines
from pipeline.model.records import Char
from pipeline.narrative.paragraphs import paragraph_text
from pipeline.settings import DEFAULT

SIZE = 10.0


def _chars(text: str, x: float, baseline: float, size: float = SIZE) -> list[Char]:
    """Chars of one run; a space in `text` is a gap (a word space), not a char."""
    out = []
    for ch in text:
        if ch != " ":
            out.append(Char(ch, x, x + 0.6 * size, baseline - size, baseline, baseline, size, "SimSun", False))
        x += 0.6 * size
    return out


def _sup(text: str, x: float, baseline: float) -> list[Char]:
    return _chars(text, x, baseline - 0.4 * SIZE, size=0.6 * SIZE)


# a Latin word wrapped onto the next line, a footnote marker after it, an exponent, a word space
WRAPPED = (_chars("推进GDP", 100, 100) + _chars("PPP建设", 100, 115) + _sup("1", 130.5, 115)
           + _chars("，面积5km", 134, 115) + _sup("2", 188, 115) + _chars("和A B", 192, 115))


@pytest.mark.once
def test_cells_and_paragraphs_build_the_same_text():
    text, markers = cell_text(WRAPPED, 1, DEFAULT.layout)
    assert text == "推进GDP PPP建设，面积5km²和A B"
    assert markers == ((1, "推进GDP PPP建设"),)
    para_text, lead, para_markers = paragraph_text(build_lines(WRAPPED, 1, DEFAULT.layout), notes={}, s=DEFAULT.layout)
    assert para_text == text
    assert lead is None
    [(number, page, anchor, box)] = para_markers
    assert (number, page, anchor) == (1, 1, "推进GDP PPP建设")          # the anchor is text as written
    assert box[0] == pytest.approx(130.5)


@pytest.mark.once
def test_a_raised_digit_after_a_digit_is_a_marker_in_a_paragraph_only_when_its_note_exists():
    chars = _chars("达到100", 100, 100) + _sup("1", 130, 100) + _chars("个", 134, 100)
    para = build_lines(chars, 1, DEFAULT.layout)
    assert paragraph_text(para, notes={}, s=DEFAULT.layout)[0] == "达到100¹个"
    text, _, markers = paragraph_text(para, notes={(1, 1): {}}, s=DEFAULT.layout)
    assert text == "达到100个"
    assert [m[:3] for m in markers] == [(1, 1, "达到100")]
    assert cell_text(chars, 1, DEFAULT.layout) == ("达到100¹个", ())
