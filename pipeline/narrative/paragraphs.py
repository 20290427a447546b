"""Body lines → the narrative: parts, paragraphs stitched across pages, headings, bold leads,
and footnote markers linked to the notes at the page bottoms."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, field, replace

from pipeline.layout.lines import (
    box,
    is_superscript,
    join_lines,
    line_text,
    marked_text,
    marker_number,
)
from pipeline.model.problems import Code
from pipeline.model.records import CellMarker, Char, Line, Note, PageLayout, Problem, Segment
from pipeline.model.rows import FootnoteRow, ParagraphRow
from pipeline.settings import LayoutSettings
from pipeline.vocab import data
from pipeline.vocab.grammar import cn_to_number
from pipeline.vocab.text import PARAGRAPH_END, compact, first_sentence_end, nfkc


@dataclass
class _Para:
    part: str
    lines: list[Line] = field(default_factory=list)


@dataclass(frozen=True)
class Narrative:
    title: str                      # the cover notice's title (its large leading lines)
    paragraphs: list[ParagraphRow]
    footnotes: list[FootnoteRow]
    problems: list[Problem]


def build_narrative(notice_id: str, layouts: list[PageLayout], skip: set[Line],
                    cell_markers: list[CellMarker], s: LayoutSettings) -> Narrative:
    """`cell_markers`: footnote markers found in table cells.
    Paragraph and footnote rows carry their boxes on the page (`boxes`, `marker_box`, `note_boxes`) for the
    review page; the schemas keep them off the written outputs."""
    parts, attached = _split_parts(layouts, skip, s)
    left, right, body_size = _margins(layouts, s)
    centers = {lay.page.number: lay.page.width / 2 for lay in layouts}
    notes, problems = _collect_notes([ln for lay in layouts for ln in lay.footnote_lines], s)
    title = ""
    paras: list[_Para] = []
    segments: list[int] = []            # per paragraph: the part (notice, report, attachment) it is in
    end_notes: dict[tuple[int, int], Note] = {}
    for segment, seg in enumerate(parts):
        part, lines = seg.part, list(seg.lines)
        if part == "report":            # notes gathered under 注释： after the report's last paragraph
            lines, gathered, more = _end_notes(lines, s)
            end_notes.update(gathered)
            problems.extend(more)
        if part == "notice":            # the cover's title is the notice's title, not a paragraph
            start, end = _cover_title(lines, body_size, s)
            title = "".join(line_text(ln, s=s) for ln in lines[start:end])
            lines = lines[:start] + lines[end:]
        elif not title:                 # no cover: the report's own title names the notice
            title = "".join(line_text(ln, s=s) for ln in lines[:_leading_title_count(lines, body_size, s)])
        found = _paragraphs(part, lines, left, right, centers, body_size, s)
        paras.extend(found)
        segments.extend([segment] * len(found))
    ocr_pages = {lay.page.number for lay in layouts if lay.page.source == "ocr"}
    rows, footnotes, paired = _rows(notice_id, paras, {**notes, **end_notes}, cell_markers, ocr_pages, s,
                                    anywhere={number for _, number in end_notes})
    problems.extend(paired)
    problems.extend(_missing_attachments(rows, attached))
    problems.extend(_doubtful_paragraphs(paras, rows, segments, layouts, left, right, s))
    return Narrative(title=title, paragraphs=rows, footnotes=footnotes, problems=problems)


# ------------------------------------------------------------------ parts

def _split_parts(layouts: list[PageLayout], skip: set[Line],
                 s: LayoutSettings) -> tuple[list[Segment], dict[int | None, int]]:
    """Text before the first 附件 label is the notice; an attachment that is mostly tables (附件 1:
    titles and tables; no numbered headings, or far more table rows than lines of text) is left to
    the table stage; any other attachment is the report (tables inside it are fine). Without
    labels, everything is the report. Also returns, per attachment number, how many lines and
    table rows follow its label."""
    segments = _segments(layouts, skip, s)
    attached: dict[int | None, int] = {}
    for seg in segments[1:]:
        attached[seg.attachment] = attached.get(seg.attachment, 0) + len(seg.lines) + seg.table_rows

    def tables_only(seg: Segment) -> bool:
        return seg.table_rows > 0 and (seg.table_rows >= 2 * len(seg.lines)
                                       or not any(_heading_level(line_text(ln, s=s)) for ln in seg.lines))

    return [seg for seg in segments if not (seg.part == "report" and tables_only(seg))], attached


def _segments(layouts: list[PageLayout], skip: set[Line], s: LayoutSettings) -> list[Segment]:
    """The body text parted at its 附件 labels, in reading order (lines in `skip` left out)."""
    label = data.regex("attachment_label")
    flow: list[Line | int] = []         # body lines and the row counts of table grids, in reading order
    for lay in layouts:
        items: list[tuple[float, Line | int]] = [(ln.top, ln) for ln in lay.body]
        items += [(g.top, g.n_rows) for g in lay.grids]
        flow.extend(x for _, x in sorted(items, key=lambda t: t[0]))
    starts: list[tuple[int, int | None]] = [(0, None)]     # where each segment starts in `flow`, its 附件 number
    for k, x in enumerate(flow):
        if isinstance(x, Line) and (m := label.match(line_text(x, s=s))):
            starts.append((k + 1, _numeral(m.group(1)) if m.group(1) else 1))     # a lone 附件: the one
    ends = [k - 1 for k, _ in starts[1:]] + [len(flow)]
    return [Segment(part="notice" if i == 0 and len(starts) > 1 else "report",
                    lines=tuple(x for x in flow[a:b] if isinstance(x, Line) and x not in skip),
                    table_rows=sum(x for x in flow[a:b] if isinstance(x, int)), attachment=number)
            for i, ((a, number), b) in enumerate(zip(starts, ends, strict=True))]


def _numeral(text: str) -> int | None:
    t = nfkc(text)
    return int(t) if t.isdigit() else cn_to_number(t)


def _missing_attachments(rows: list[ParagraphRow], attached: dict[int | None, int]) -> list[Problem]:
    """Each item of the cover's attachment list (after "附件：", numbered 1、2、…) must open an
    attachment with something in it."""
    problems: list[Problem] = []
    listing = False
    for r in rows:
        if r.part != "notice":
            break
        if re.match(r"^附件\s*[:：]", r.text):
            listing = True
            rest = re.sub(r"^附件\s*[:：]\s*", "", r.text)
            if not data.regex("list_item").match(rest):
                continue
            text = rest
        elif listing and data.regex("list_item").match(r.text):
            text = r.text
        else:
            listing = False
            continue
        digits = re.match(r"\s*([0-9０-９]+)", text)       # (a list item opens with its number)
        if digits is None:
            continue
        number = _numeral(digits.group(1))
        if number is None or not attached.get(number):
            problems.append(Problem("narrative", f"attachment {number} listed on the cover yields nothing",
                                    page=r.page_first, text=text, code=Code.ATTACHMENT_EMPTY))
    return problems


def _margins(layouts: list[PageLayout], s: LayoutSettings) -> tuple[float, float, float]:
    lines = [ln for lay in layouts for ln in lay.body]
    if not lines:
        return 0.0, 0.0, s.fallback_body_size
    body_size = Counter(round(ln.size) for ln in lines).most_common(1)[0][0]
    body = [ln for ln in lines if round(ln.size) == body_size] or lines
    lefts = sorted(ln.x0 for ln in body)
    left = lefts[int(s.left_quantile * (len(lefts) - 1))]
    rights = sorted(ln.x1 for ln in body)
    width = Counter(round(lay.page.width) for lay in layouts).most_common(1)[0][0]
    # where full lines end; a short document may have none, so no less than a mirrored left margin
    right = max(rights[int(s.right_quantile * (len(rights) - 1))], width - left - body_size)
    return float(left), float(right), float(body_size)


def _cover_title(lines: list[Line], body_size: float, s: LayoutSettings) -> tuple[int, int]:
    """The run of large lines on the cover's first page that is the title: the one saying 关于 or
    通知 (a masthead such as "某某委员会文件" above it is another large run), else the first."""
    runs: list[list[int]] = []
    for i, ln in enumerate(lines):
        if lines and ln.page != lines[0].page:
            break
        if ln.size > s.title_size * body_size:
            if runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
    for a, b in runs:
        if data.regex("cover_title_words").search("".join(line_text(ln, s=s) for ln in lines[a:b])):
            return a, b
    return (runs[0][0], runs[0][1]) if runs else (0, 0)


def _leading_title_count(lines: list[Line], body_size: float, s: LayoutSettings) -> int:
    n = 0
    while n < len(lines) and lines[n].size > s.title_size * body_size and lines[n].page == lines[0].page:
        n += 1
    return n


# ------------------------------------------------------------------ paragraphs

def _paragraphs(part: str, lines: list[Line], left: float, right: float, centers: dict[int, float],
                body_size: float, s: LayoutSettings) -> list[_Para]:
    paras: list[_Para] = []
    prev: Line | None = None
    pitch = _typical_pitch(lines)
    for ln in lines:
        if prev is None or _next_item(ln, paras[-1].lines[0], s) or (
                not _hangs_under_label(ln, paras[-1].lines[0], s)
                and not _title_goes_on(ln, prev, left, centers, pitch, body_size, s)
                and _starts_paragraph(ln, prev, left, right, pitch, centers, s)):
            paras.append(_Para(part))
        paras[-1].lines.append(ln)
        prev = ln
    return paras


def _typical_pitch(lines: list[Line]) -> dict[int, float]:
    gaps: dict[int, Counter] = {}
    for a, b in zip(lines, lines[1:], strict=False):
        if a.page == b.page and round(a.size) == round(b.size) and b.baseline > a.baseline:
            gaps.setdefault(round(a.size), Counter())[round(b.baseline - a.baseline)] += 1
    return {s: float(c.most_common(1)[0][0]) for s, c in gaps.items()}


def _hangs_under_label(ln: Line, first: Line, s: LayoutSettings) -> bool:
    """A wrapped line of a list item ("1、…" in the cover's attachment list) set under the item's
    text, after its number: the item goes on (however deep or shallow that hanging indent is)."""
    opens = _item_text(first, s)
    if opens is None or ln.page != first.page:
        return False
    return abs(ln.x0 - opens.x0) < s.hang_align * ln.size


def _item_text(ln: Line, s: LayoutSettings) -> Char | None:
    """The first char after a list item's number ("1、" of "1、…"); None when the line opens no
    item or is nothing but its number."""
    m = data.regex("list_item").match(line_text(ln, s=s))
    if m is None:
        return None
    label, seen = len("".join(m.group().split())), 0
    for c in ln.chars:
        if seen >= label:
            return c
        seen += len(c.text)
    return None


def _title_goes_on(ln: Line, prev: Line, left: float, centers: dict[int, float], pitch: dict[int, float],
                   body_size: float, s: LayoutSettings) -> bool:
    """A title wrapped over lines: both larger than the body, in one size and face, the line centred
    under the one before at the title's pitch (however far its start is from the margin)."""
    return (ln.page == prev.page and min(ln.size, prev.size) > s.title_size * body_size
            and abs(ln.size - prev.size) <= s.size_change * max(ln.size, prev.size) and _font(ln) == _font(prev)
            and _centered(ln, left, centers, s)
            and ln.baseline - prev.baseline <= s.paragraph_gap * pitch.get(round(ln.size), s.default_pitch * ln.size))


def _next_item(ln: Line, first: Line, s: LayoutSettings) -> bool:
    """The next numbered item of a list opens a paragraph of its own, even flush left."""
    item = data.regex("list_item")
    both = item.match(line_text(first, s=s)) and item.match(line_text(ln, s=s))
    return bool(both) and abs(ln.x0 - first.x0) < s.hang_align * ln.size


def _centered(ln: Line, left: float, centers: dict[int, float], s: LayoutSettings) -> bool:
    """Set in the middle of the page (a title, a subtitle), not flush with the left margin."""
    return (ln.x0 - left > s.centred * ln.size
            and abs((ln.x0 + ln.x1) / 2 - centers.get(ln.page, 0)) < s.centred * ln.size)


def _font(ln: Line) -> str:
    return Counter(c.font for c in ln.chars).most_common(1)[0][0]


def _starts_paragraph(ln: Line, prev: Line, left: float, right: float, pitch: dict[int, float],
                      centers: dict[int, float], s: LayoutSettings) -> bool:
    size = ln.size
    offset = (ln.x0 - left) / size
    if abs(ln.size - prev.size) > s.size_change * max(ln.size, prev.size) \
            or (_font(ln) != _font(prev) and _heading_level(line_text(ln, s=s))):
        return True
    if ln.page == prev.page:
        normal = pitch.get(round(size), s.default_pitch * size)
        if ln.baseline - prev.baseline > s.paragraph_gap * normal:
            return True
    if s.indent_min <= offset <= s.indent_max:                  # first-line indent
        return True
    prev_full = prev.x1 >= right - s.full_line * size
    if prev_full:
        return False
    # a centred line under a centred line goes on its paragraph (a wrapped subtitle), unless it is the
    # wider: the last line of a wrapped text is its shortest, so a wider one opens the next (the
    # reporter's name under the subtitle's last words)
    if _centered(ln, left, centers, s) and _centered(prev, left, centers, s) and _font(ln) == _font(prev):
        return ln.x1 - ln.x0 > prev.x1 - prev.x0 + s.full_line * size
    # ragged right: a line that stops short without ending its sentence goes on in the next
    return not (offset < s.flush and not line_text(prev, s=s).endswith(tuple(PARAGRAPH_END)))


def _heading_level(text: str) -> int | None:
    t = nfkc(text).strip()
    for h in data.patterns()["heading"]:
        if re.match(h["pattern"], t):
            return h["level"]
    return None


# ------------------------------------------------------------------ doubts about the paragraphs

CLOSING = "”’」』）)》〉】"
# a paragraph starting with one of these starts in the middle of a sentence
CONTINUING = "，。、；：？！）》」』”’,.;:?!)%‰"


def _ends_sentence(ln: Line, s: LayoutSettings) -> bool:
    """The line's text (footnote markers and closing quotes or brackets aside) ends a sentence."""
    text = line_text(ln, keep=lambda c: not is_superscript(c, ln, s), s=s).rstrip()
    text = text.rstrip(CLOSING)
    return bool(text) and text[-1] in PARAGRAPH_END


def _doubtful_paragraphs(paras: list[_Para], rows: list[ParagraphRow], segments: list[int],
                         layouts: list[PageLayout], left: float, right: float, s: LayoutSettings) -> list[Problem]:
    """Doubts about how the lines were made paragraphs: a break after a line that is full to the right
    margin and ends no sentence (the paragraph may have been cut in two), a paragraph opening with
    the punctuation that goes on a sentence, a heading whose number breaks its level's sequence."""
    grids = {lay.page.number: lay.grids for lay in layouts}
    item = data.regex("list_item")
    problems: list[Problem] = []
    for k in range(1, len(paras)):
        a, b, row_a, row_b = paras[k - 1], paras[k], rows[k - 1], rows[k]
        prev, first = a.lines[-1], b.lines[0]
        if segments[k] != segments[k - 1] or row_a.kind != "paragraph" or row_b.kind != "paragraph":
            continue
        text = row_b.text.lstrip()
        if text and text[0] in CONTINUING:
            problems.append(Problem("narrative", "paragraph starts in the middle of a sentence", page=first.page,
                                    text=_short(row_b.text), bbox=box([first]), code=Code.STARTS_MID_SENTENCE))
            continue
        # both lines where the body's lines start (flush or indented): a centred line (a subtitle, an
        # author) opens no paragraph of the body, even under a line that fills the width
        full = prev.x1 >= right - s.full_line * prev.size and prev.x0 <= left + s.indent_max * prev.size \
            and first.x0 <= left + s.indent_max * first.size
        same_size = abs(first.size - prev.size) <= s.size_change * max(first.size, prev.size)
        if first.page == prev.page:     # a table between the two lines parts them, whatever they end with
            between = any(prev.bottom <= g.top and g.bottom <= first.top for g in grids.get(first.page, ()))
        else:
            between = any(g.top >= prev.bottom for g in grids.get(prev.page, ())) or any(
                g.bottom <= first.top for g in grids.get(first.page, ()))
        if full and same_size and not between and not _ends_sentence(prev, s) \
                and not item.match(row_a.text) and not item.match(row_b.text):
            problems.append(Problem("narrative", "paragraph break after a full line that ends no sentence",
                                    page=first.page,
                                    text=_short(line_text(prev, s=s)) + " ⏎ " + _short(line_text(first, s=s)),
                                    bbox=box([first]), code=Code.BREAK_AFTER_FULL_LINE))
    problems.extend(_heading_sequence(rows, segments))
    return problems


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _heading_sequence(rows: list[ParagraphRow], segments: list[int]) -> list[Problem]:
    """Each heading's number follows the last of its level under the same parent heading (the first
    under a new parent is 1), or the last of its level anywhere before (some notices number on
    across their parents); anything else breaks the sequence: a heading may be lost or misread."""
    problems: list[Problem] = []
    under: dict[int, int] = {}          # level → last number under the current parent
    anywhere: dict[int, int] = {}       # level → last number in the part
    segment = None
    for row, seg in zip(rows, segments, strict=True):
        if seg != segment:
            under, anywhere, segment = {}, {}, seg
        level = row.level
        number = _heading_number(row.text) if row.kind == "heading" and level is not None else None
        if number is None or level is None:
            continue
        due = under.get(level, 0) + 1
        if number not in (due, anywhere.get(level, 0) + 1):
            problems.append(Problem("narrative", f"heading numbered {number} where {due} was due at its level",
                                    page=row.page_first, text=row.text, code=Code.HEADING_SEQUENCE))
        under = {k: v for k, v in under.items() if k < level}
        under[level] = anywhere[level] = number
    return problems


def _heading_number(text: str) -> int | None:
    m = re.match(r"^\s*[（(]?\s*([一二三四五六七八九十百零〇两0-9]+)", nfkc(text))
    if not m:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else cn_to_number(m.group(1))


# ------------------------------------------------------------------ footnotes

def _collect_notes(lines: list[Line], s: LayoutSettings) -> tuple[dict[tuple[int, int], Note], list[Problem]]:
    """Footnote texts by (page, number); a note with no number continues the last one."""
    notes: dict[tuple[int, int], Note] = {}
    problems: list[Problem] = []
    last: tuple[int, int] | None = None
    for ln in lines:
        number, rest = _split_note_number(ln, s)
        if number is not None:
            last = (ln.page, number)
            notes[last] = Note(number, ln.page, (rest,), (ln,))
        elif last is not None:
            note = notes[last]
            notes[last] = replace(note, parts=(*note.parts, line_text(ln, s=s)), lines=(*note.lines, ln))
        else:
            problems.append(Problem("footnotes", "footnote text with no number", page=ln.page,
                                    text=line_text(ln, s=s),
                                    code=Code.NOTE_WITHOUT_NUMBER))
    return notes, problems


def _end_notes(lines: list[Line], s: LayoutSettings) -> tuple[list[Line], dict[tuple[int, int], Note], list[Problem]]:
    """The notes a report gathers after its last paragraph, under a line `注释：` (patterns
    `notes_heading`) whose next line opens with a note number (1．…): the report's lines without
    them, and the notes as _collect_notes reads them."""
    heading = data.regex("notes_heading")
    for k in range(len(lines) - 2, -1, -1):
        if heading.match(compact(line_text(lines[k], s=s))) and _split_note_number(lines[k + 1], s)[0] is not None:
            notes, problems = _collect_notes(lines[k + 1:], s)
            return lines[:k], notes, problems
    return lines, {}, []


def _split_note_number(ln: Line, s: LayoutSettings) -> tuple[int | None, str]:
    chars = list(ln.chars)
    sup = []
    while chars and is_superscript(chars[0], ln, s):
        sup.append(chars.pop(0))
    if sup:
        return marker_number("".join(c.text for c in sup)), line_text(ln, keep=lambda c: c not in sup, s=s)
    text = line_text(ln, s=s)
    m = data.regex("note_number").match(text)
    if m is None and _gap_after_number(ln, s):
        m = data.regex("note_number_bare").match(text)
    if m:
        return marker_number(m.group(1)), text[m.end():].lstrip()
    return None, text


def _gap_after_number(ln: Line, s: LayoutSettings) -> bool:
    """"1 绿道：…" with a visible gap: a note number; "2021年…" or "5个基地…": text."""
    digits = 0
    while digits < len(ln.chars) and ln.chars[digits].text.isdigit():
        digits += 1
    return 0 < digits < len(ln.chars) and ln.chars[digits].x0 - ln.chars[digits - 1].x1 > s.note_number_gap * ln.size


# ------------------------------------------------------------------ rows

def _rows(notice_id: str, paras: list[_Para], notes: dict[tuple[int, int], Note], cell_markers: list[CellMarker],
          ocr_pages: set[int], s: LayoutSettings,
          anywhere: Set[int] = frozenset()) -> tuple[list[ParagraphRow], list[FootnoteRow], list[Problem]]:
    """Paragraph and footnote rows, and the problems met pairing markers with notes: markers in table
    cells first, then those in the paragraphs, then the notes no marker took (linked by their topic
    words where they tell). `anywhere`: numbers of notes gathered at the report's end (a marker finds
    them on any page)."""
    cell_notes, taken, problems = _cell_footnotes(notice_id, cell_markers, notes)
    rows, para_notes, taken, more = _paragraph_rows(notice_id, paras, notes, taken, ocr_pages, s, anywhere)
    rows, lost, unmarked = _unmarked_notes(notice_id, rows, paras, notes, taken, s)
    footnotes = sorted([*cell_notes, *para_notes, *lost], key=lambda f: (f.footnote_no, f.page))
    return rows, footnotes, [*problems, *more, *unmarked]


def _cell_footnotes(notice_id: str, cell_markers: list[CellMarker], notes: dict[tuple[int, int], Note]
                    ) -> tuple[list[FootnoteRow], set[tuple[int, int]], list[Problem]]:
    """The footnotes table cells point to (a cell's marker takes the note of its number on its page),
    the notes they took, and the markers with no note."""
    footnotes: list[FootnoteRow] = []
    taken: set[tuple[int, int]] = set()
    problems: list[Problem] = []
    for m in cell_markers:
        key = (m.page, m.number)
        if key not in notes or key in taken:
            problems.append(Problem("footnotes", f"marker {m.number} in a table cell has no footnote text",
                                    page=m.page, text=m.anchor, table_no=m.table_no, bbox=m.bbox,
                                    code=Code.MARKER_WITHOUT_NOTE))
            continue
        taken.add(key)
        footnotes.append(FootnoteRow(notice_id=notice_id, footnote_no=m.number, text=join_lines(notes[key].parts),
                                     page=m.page, para_id=None, anchor=m.anchor, table_no=m.table_no,
                                     cell_row=m.row, cell_col=m.col,
                                     marker_box=(m.page, *m.bbox) if m.bbox else None,
                                     note_boxes=page_boxes(notes[key].lines)))
    return footnotes, taken, problems


def _paragraph_rows(notice_id: str, paras: list[_Para], notes: dict[tuple[int, int], Note],
                    taken: set[tuple[int, int]], ocr_pages: set[int], s: LayoutSettings, anywhere: Set[int]
                    ) -> tuple[list[ParagraphRow], list[FootnoteRow], set[tuple[int, int]], list[Problem]]:
    """A row per paragraph (a heading, or a paragraph with its section path and lead), the footnotes
    its markers point to, the notes taken by then, and the problems met."""
    rows: list[ParagraphRow] = []
    footnotes: list[FootnoteRow] = []
    problems: list[Problem] = []
    used = set(taken)
    path: dict[int, str] = {}
    for para_id, p in enumerate(paras, start=1):
        text, lead, markers = paragraph_text(p.lines, notes, s, anywhere)
        if lead and lead.rstrip(CLOSING)[-1:] not in PARAGRAPH_END:
            problems.append(Problem("narrative", "bold lead does not end where a sentence ends", page=p.lines[0].page,
                                    text=lead, bbox=box([p.lines[0]]), code=Code.LEAD_NOT_SENTENCE))
        level = _heading_level(text) if len(text) <= data.patterns()["heading_max_chars"] \
            and not re.search(r"[。；;]", text[:-1]) and p.part == "report" else None
        section, path = _section(path, level, text)
        found, missing = _marker_footnotes(notice_id, para_id, markers, notes, used)
        footnotes += found
        problems += missing
        first, last = p.lines[0].page, p.lines[-1].page
        rows.append(ParagraphRow(
            notice_id=notice_id, para_id=para_id, part=p.part,
            kind="heading" if level is not None else "paragraph", level=level,
            section_path=section, lead=lead if level is None else None, text=text,
            footnote_refs=",".join(str(m[0]) for m in markers),
            page_first=first, page_last=last, boxes=page_boxes(p.lines),
            # provenance: a paragraph with any line read by OCR says so
            source="ocr" if ocr_pages & set(range(first, last + 1)) else "text",
        ))
    return rows, footnotes, used, problems


def _section(path: dict[int, str], level: int | None, text: str) -> tuple[str, dict[int, str]]:
    """The section path of a paragraph (the headings above it, " / " between them), and the headings
    in force after it: a heading of `level` replaces those of its level and below."""
    if level is None:
        return " / ".join(path[k] for k in sorted(path)), path
    above = {k: v for k, v in path.items() if k < level}
    return " / ".join(above[k] for k in sorted(above)), {**above, level: text}


def _marker_footnotes(notice_id: str, para_id: int, markers: list[tuple[int, int, str, tuple]],
                      notes: dict[tuple[int, int], Note], used: set[tuple[int, int]]
                      ) -> tuple[list[FootnoteRow], list[Problem]]:
    """The footnotes a paragraph's markers point to (the note of the number on the marker's page, else
    the first of that number not yet taken), and the markers with no note; adds the notes taken to
    `used`."""
    footnotes: list[FootnoteRow] = []
    problems: list[Problem] = []
    for number, page, anchor, marker_box in markers:
        note_key = (page, number) if (page, number) in notes else next(
            (k for k in notes if k[1] == number and k not in used), None)
        if note_key is None:
            problems.append(Problem("footnotes", f"marker {number} has no footnote text", page=page, text=anchor,
                                    bbox=marker_box, code=Code.MARKER_WITHOUT_NOTE))
            continue
        used.add(note_key)
        note = notes[note_key]
        footnotes.append(FootnoteRow(notice_id=notice_id, footnote_no=number, text=join_lines(note.parts),
                                     page=note.page, para_id=para_id, anchor=anchor,
                                     marker_box=(page, *marker_box), note_boxes=page_boxes(note.lines)))
    return footnotes, problems


def _unmarked_notes(notice_id: str, rows: list[ParagraphRow], paras: list[_Para], notes: dict[tuple[int, int], Note],
                    taken: set[tuple[int, int]], s: LayoutSettings
                    ) -> tuple[list[ParagraphRow], list[FootnoteRow], list[Problem]]:
    """The notes no marker took, as footnotes: linked to the paragraph their topic words name (its
    row then refers to them), else kept unlinked (a note is never dropped); each is a problem."""
    rows = list(rows)
    footnotes: list[FootnoteRow] = []
    problems: list[Problem] = []
    for key, note in notes.items():
        if key in taken:
            continue
        text = join_lines(note.parts)
        linked, anchor = _topic_anchor(text, [(i, p) for i, p in enumerate(paras, start=1)], note.page, s)
        bbox = box([ln for ln in note.lines if ln.page == note.page])
        if linked is None:
            problems.append(Problem("footnotes", f"footnote {note.number} has no marker in the text",
                                    page=note.page, text=text, bbox=bbox, code=Code.NOTE_WITHOUT_MARKER))
        else:                             # its marker lost (a scan), its topic words tell the anchor
            problems.append(Problem("footnotes", f"footnote {note.number} has no marker: linked by its topic words",
                                    page=note.page, text=f"{anchor} ← {text}", bbox=bbox,
                                    code=Code.NOTE_LINKED_BY_TOPIC))
            row = rows[linked - 1]
            rows[linked - 1] = replace(row, footnote_refs=",".join(filter(None, [row.footnote_refs, str(note.number)])))
        footnotes.append(FootnoteRow(notice_id=notice_id, footnote_no=note.number, text=text,
                                     page=note.page, para_id=linked, anchor=anchor,
                                     marker_box=None, note_boxes=page_boxes(note.lines)))
    return rows, footnotes, problems


def _topic_anchor(note: str, paras: list[tuple[int, _Para]], page: int,
                  s: LayoutSettings) -> tuple[int | None, str | None]:
    """(para_id, anchor) of the paragraph a note whose marker is lost explains, told by its topic
    words: the terms before the note's first colon (5个基地、3个产业研究院：…) found on the note's page,
    each at most once, all in one paragraph; the anchor is the text before the last term found. A
    term may be found with a few chars between its own (the note shortens 3个产业技术研究院). None
    when no term is found, or one is found twice, or in two paragraphs: guessing would link wrongly."""
    head = data.regex("note_topic").match(nfkc(note))
    if head is None:
        return None, None
    terms = [t.strip(" “”\"'") for t in data.regex("note_topic_split").split(head.group(1))]
    texts = [(para_id, nfkc(marked_text(on_page, s=s)[0])) for para_id, p in paras
             if (on_page := [ln for ln in p.lines if ln.page == page])]
    found: list[tuple[int, int, str]] = []          # (para_id, end of the term, paragraph text on the page)
    for term in (t for t in terms if len(t) >= 2):
        pattern = re.compile(f".{{0,{s.topic_gap}}}".join(re.escape(c) for c in term))
        hits = [(para_id, m.end(), text) for para_id, text in texts for m in pattern.finditer(text)]
        if len(hits) > 1:
            return None, None
        found += hits
    if not found or len({para_id for para_id, _, _ in found}) > 1:
        return None, None
    para_id, end, text = max(found, key=lambda f: f[1])
    while end < len(text) and text[end] in "”’」』》）)":     # a marker stands after the closing quote
        end += 1
    return para_id, _anchor(text[:end])


def page_boxes(lines: Sequence[Line]) -> tuple[tuple[int, float, float, float, float], ...]:
    """The box (page, x0, top, x1, bottom) around the lines on each page they cover, for the review page."""
    pages: dict[int, list[Line]] = {}
    for ln in lines:
        pages.setdefault(ln.page, []).append(ln)
    return tuple((page, *box(group)) for page, group in pages.items())


def paragraph_text(lines: Sequence[Line], notes: dict[tuple[int, int], Note], s: LayoutSettings,
                   anywhere: Set[int] = frozenset()) -> tuple[str, str | None, list[tuple[int, int, str, tuple]]]:
    """A paragraph's text (its lines joined, markers taken out: a raised number is a marker where
    `notes` holds its (page, number) or `anywhere` its number), its lead, and its markers
    (number, page, anchor, box)."""
    text, found = marked_text(lines, known=lambda page, number: (page, number) in notes or number in anywhere,
                              s=s)
    markers: list[tuple[int, int, str, tuple]] = []
    last = 0
    for m in found:
        markers.append((m.number, m.page, _anchor(m.before[last:]), m.box))
        last = len(m.before)
    return text, _lead(_opening(lines, s), text), markers


def _opening(lines: Sequence[Line], s: LayoutSettings) -> list[Char]:
    """The run of emphasised chars (bold, or another face than the paragraph's) it opens with."""
    chars = [(c, ln) for ln in lines for c in ln.chars]
    commonest = Counter(c.font for c, ln in chars if not is_superscript(c, ln, s)).most_common(1)
    body_font = commonest[0][0] if commonest else ""
    opening: list[Char] = []
    for c, ln in chars:
        if is_superscript(c, ln, s):
            continue
        if not (c.bold or c.font != body_font):
            break
        opening.append(c)
    return opening


def _lead(opening: list[Char], text: str) -> str | None:
    """The opening sentence when it is set apart: in bold (up to its first sentence end), or in
    another face than the paragraph's (a whole sentence, 楷体 leads)."""
    run = "".join(c.text for c in opening).strip()
    end = first_sentence_end(run)
    if end is not None:
        run = run[:end]
    elif not all(c.bold for c in opening):
        return None
    if not run or len(run) >= len(text.strip()):
        return None
    return run


def _anchor(before: str, limit: int = 20) -> str:
    cut = max(before.rfind(ch) for ch in "，。；：、,;:！？")
    anchor = before[cut + 1:] if cut >= 0 else before
    if len(anchor) < 2:
        anchor = before[-limit:]
    return anchor[-limit:]
