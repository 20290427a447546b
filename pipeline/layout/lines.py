"""Chars → text lines. Shared by the layout stage (body text, footnotes) and the table stage (cell text)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from statistics import median
from typing import TypeVar

from pipeline.model.records import Char, Line
from pipeline.settings import LayoutSettings
from pipeline.vocab import data
from pipeline.vocab.text import nfkc

T = TypeVar("T")


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def build_lines(chars: Iterable[Char], page: int, s: LayoutSettings) -> list[Line]:
    """Group chars into lines by baseline; a cluster of small raised chars joins the line it sits in."""
    chars = sorted(chars, key=lambda c: (c.baseline, c.x0))
    groups: list[list[Char]] = []
    for c in chars:
        g = groups[-1] if groups else None
        if g and abs(c.baseline - g[-1].baseline) <= s.same_line * min(c.size, g[-1].size) and _same_size(c, g, s):
            g.append(c)
        else:
            groups.append([c])
    lines = [_make_line(g, page, s) for g in groups]
    merged: list[Line] = []
    # larger lines first, so a cluster finds its home; sizes to 0.1 pt (a backend may read 14 as 13.99999)
    for ln in sorted(lines, key=lambda ln: (-round(ln.size, 1), -len(ln.chars))):
        home = next((m for m in merged if _superscript_of(ln, m, s)), None)
        if home is None:
            merged.append(ln)
        else:
            merged[merged.index(home)] = _make_line(list(home.chars) + list(ln.chars), page, s)
    return sorted(merged, key=lambda ln: (ln.baseline, ln.x0))


def _same_size(c: Char, group: list[Char], s: LayoutSettings) -> bool:
    size = group[0].size
    return s.small * size <= c.size <= size / s.small


def _superscript_of(small: Line, big: Line, s: LayoutSettings) -> bool:
    """A cluster of smaller chars sitting in `big`'s line, or a footnote marker (①, [1]) at the
    line's own size raised above its baseline by text rise."""
    # where it may sit, either way: tested first, as it is cheap and rules out almost every pair of
    # lines of a page (the marker test below parts the line into words)
    if not (big.baseline - s.sup_reach_up * big.size <= small.baseline <= big.baseline + s.sup_below * big.size
            and small.x0 >= big.x0 - s.sup_reach_side * big.size and small.x1 <= big.x1 + s.sup_reach_side * big.size):
        return False
    if small.size < s.small * big.size:
        return True
    return small.baseline <= big.baseline - s.rise * big.size and _raised_marker(small, big, s)


def _raised_marker(small: Line, big: Line, s: LayoutSettings) -> bool:
    """At the line's size and nothing but footnote markers: markers raised in one printed line share
    a baseline, so they come as one cluster; each of its runs (split where a gap is wider than a
    word space) must be a marker."""
    if small.size > big.size / s.small:
        return False
    words = runs(small, s.word_gap * small.size)
    return all(data.regex("footnote_marker").match(chars_text(run)) for run in words)


def runs(line: Line, min_gap: float) -> list[list[Char]]:
    """The line's chars parted where the gap between two is `min_gap` or wider: one run per word
    (`min_gap` a word gap) or per printed cell text (a column gap)."""
    return split_runs(line.chars, lambda run, c: c.x0 - run[-1].x1 >= min_gap)


def split_runs(items: Iterable[T], opens: Callable[[list[T], T], bool]) -> list[list[T]]:
    """`items` in runs, in order: a new run where `opens(the run so far, item)`."""
    out: list[list[T]] = []
    for x in items:
        if out and not opens(out[-1], x):
            out[-1].append(x)
        else:
            out.append([x])
    return out


def chars_text(chars: Iterable[Char]) -> str:
    """The chars' texts as they are, with no word spaces: for matching, where spacing does not count."""
    return "".join(c.text for c in chars)


def _make_line(chars: list[Char], page: int, s: LayoutSettings) -> Line:
    chars = sorted(chars, key=lambda c: c.x0)
    big = max(x.size for x in chars)
    size = median([c.size for c in chars if c.size >= s.small * big] or [big])
    body = [c for c in chars if c.size >= s.small * size] or chars
    return Line(
        page=page, chars=tuple(chars), text=_spaced_text(chars, size, None, s),
        x0=min(c.x0 for c in chars), x1=max(c.x1 for c in chars),
        top=min(c.top for c in chars), bottom=max(c.bottom for c in chars),
        baseline=median(c.baseline for c in body), size=size,
    )


def confidence(chars: Iterable[Char]) -> float | None:
    """The lowest OCR confidence among the chars; None when none was OCR'd."""
    return min((c.conf for c in chars if c.conf is not None), default=None)


def is_superscript(c: Char, line: Line, s: LayoutSettings) -> bool:
    """Smaller and raised, or at the line's size and raised by text rise."""
    raised = line.baseline - c.baseline
    return raised > (s.small_rise if c.size < s.small * line.size else s.rise) * line.size


SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}


def marker_number(token: str) -> int | None:
    """1, ①, [1] → 1; None for anything that is not a footnote number."""
    if token in CIRCLED:
        return CIRCLED[token]
    t = nfkc(token).strip("[]")
    return int(t) if t.isdigit() else None


def split_superscripts(line: Line, boxes: list | None = None, *, s: LayoutSettings):
    """The line as a sequence of ("text", char) and ("sup", token) items, superscript runs joined.
    `boxes`, when given, receives the box (x0, top, x1, bottom) of each "sup" item as it is yielded."""
    chars = line.chars
    i = 0
    while i < len(chars):
        if is_superscript(chars[i], line, s):
            j = i
            while j < len(chars) and is_superscript(chars[j], line, s):
                j += 1
            if boxes is not None:
                boxes.append(box(chars[i:j]))
            yield "sup", "".join(c.text for c in chars[i:j])
            i = j
        else:
            yield "text", chars[i]
            i += 1


def box(items) -> tuple[float, float, float, float]:
    """The box (x0, top, x1, bottom) around chars or lines."""
    return (min(c.x0 for c in items), min(c.top for c in items), max(c.x1 for c in items),
            max(c.bottom for c in items))


def is_power(before: str) -> bool:
    """A raised digit right after a Latin letter or a digit is an exponent (km², 10³), not a marker."""
    return before[-1:].isascii() and before[-1:].isalnum()


def gap_space(prev: Char | None, c: Char, line: Line, s: LayoutSettings) -> str:
    """" " where a wide gap separates two Latin letters or digits (a word space), else ""."""
    if (prev is not None and c.x0 - prev.x1 > s.word_gap * line.size
            and _is_latin(prev.text[-1]) and _is_latin(c.text[0])):
        return " "
    return ""


def line_text(line: Line, keep=None, *, s: LayoutSettings) -> str:
    """Text of a line (the chars `keep` accepts), with word spaces between Latin words."""
    return line.text if keep is None else _spaced_text(line.chars, line.size, keep, s)


def _spaced_text(chars: Iterable[Char], size: float, keep, s: LayoutSettings) -> str:
    # gap_space inlined: this runs for every char of every line (a third of the layout stage's time
    # when it was a call per char); the Latin test comes first, as it rules out almost every char
    # of a Chinese text
    gap = s.word_gap * size
    out: list[str] = []
    prev: Char | None = None
    for c in chars:
        if keep is not None and not keep(c):
            continue
        if prev is not None and _is_latin(c.text[0]) and _is_latin(prev.text[-1]) and c.x0 - prev.x1 > gap:
            out.append(" ")
        out.append(c.text)
        prev = c
    return "".join(out)


def join_lines(texts: Iterable[str]) -> str:
    """Join wrapped lines: no space in Chinese, one space between two Latin words."""
    out = ""
    for t in texts:
        if out and t and out[-1].isascii() and out[-1].isalpha() and t[0].isascii() and t[0].isalpha():
            out += " "
        out += t
    return out


@dataclass(frozen=True)
class Marker:
    """A footnote marker taken out of a text."""
    number: int
    page: int
    before: str                                 # the text before it, as `marked_text` returns it
    box: tuple[float, float, float, float]      # x0, top, x1, bottom of the raised chars


def marked_text(lines: Iterable[Line], known: Callable[[int, int], bool] | None = None,
                *, s: LayoutSettings) -> tuple[str, list[Marker]]:
    """The text of lines (a table cell's, a paragraph's) with footnote markers taken out: word spaces
    between Latin words, wrapped lines joined, raised chars that are no marker kept as superscripts
    (km², 10³). A raised token is a marker when it reads as a footnote number (①, 1, [1]) and does
    not follow a Latin letter or a digit (an exponent), unless `known(page, number)` says that
    footnote exists."""
    pieces: list[str] = []
    markers: list[Marker] = []
    for ln in lines:
        out: list[str] = []
        prev: Char | None = None
        boxes: list[tuple] = []
        for kind, item in split_superscripts(ln, boxes, s=s):
            if kind == "text":
                out.append(gap_space(prev, item, ln, s) + item.text)
                prev = item
                continue
            before = join_lines(pieces + ["".join(out)])
            number = marker_number(item)
            if number is not None and data.regex("footnote_marker").match(item) and (
                    not is_power(before) or (known is not None and known(ln.page, number))):
                markers.append(Marker(number, ln.page, before, boxes[-1]))
            else:
                out.append(item.translate(SUPERSCRIPT))
        pieces.append("".join(out))
    return join_lines(pieces), markers
