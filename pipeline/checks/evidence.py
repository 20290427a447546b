"""Evidence weighs the problems: what the notice itself proves turns a doubt into a source issue
(the notice contradicts itself and the reading is right) or confirms an uncertain reading.

- A declared section count the rows listed disagree with (while 序号 shows no row lost) is the
  notice's own when the count was read for sure.
- A printed total the rows miss is the notice's own when its table's rows were all read (序号
  without a gap or repeat, no row skipped, every figure present) and every figure of the table was
  read for sure (a text layer, or OCR with high confidence).
- A report figure that disagrees with its table is the notice's own when both were read for sure
  (pipeline/checks/cross.py, with `Certainty`) and nothing else about that table is in doubt (a
  cell without a quantity read, a row skipped …: its columns may have been read wrong).
- A number OCR read with low confidence is confirmed when the notice confirms it: it makes a
  printed total add up, it is a 序号 of a run without a gap or repeat, or a declared section count
  that the rows listed agree with, a cross-check that uses it agrees (report and table state the same
  figure), or the notice states the same figure elsewhere, read for sure. The problem says what
  confirmed it; a number nothing confirms stays a doubt."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from pipeline.checks.certainty import Certainty, cell_box, inside, number_of
from pipeline.checks.cross import _adds_up, _sum, agrees, cross_checks, report_table_pairs
from pipeline.model.problems import DOUBT, Code
from pipeline.model.records import Problem
from pipeline.model.rows import ParagraphRow, ProjectRow, TableCellRow, Tables
from pipeline.vocab.text import compact

# problems that say a row of a table may be lost or misread: a total the rows miss is then a doubt
ROW_DOUBTS = {Code.SEQ_BREAK, Code.ROW_WITHOUT_NUMBER, Code.SECTION_COUNT, Code.INVESTMENT_NOT_NUMBER,
              Code.CELLS_SHIFTED, Code.CELL_EMPTY, Code.ROW_LEFT_OUT, Code.NO_SEQ_COLUMN}
# a figure is specific enough to be recognised elsewhere with at least this many digits, and not round
SPECIFIC_DIGITS = 3
ROUND = re.compile(r"[0-9]0+(?:\.0+)?")


def weigh(found: list[Problem], tables: Tables) -> list[Problem]:
    """`found` (every stage's problems) with the cross-checks added, each judged by the evidence."""
    sure = Certainty(found)
    problems = [*found, *cross_checks(tables, sure)]
    problems = [_total(p, problems, tables, sure) if p.code == Code.TOTAL_DISAGREES
                else _declared(p, tables, sure) if p.code == Code.SECTION_COUNT_PRINTED else p for p in problems]
    troubled = {q.table_no for q in problems if q.table_no is not None and q.code is not None
                and q.code.kind == DOUBT}
    problems = [replace(p, code=Code.REPORT_TABLE_DISAGREE, evidence="")
                if p.code == Code.REPORT_TABLE_PRINTED and p.table_no in troubled else p for p in problems]
    if sure.uncertain:
        confirm = _Confirmations(problems, tables, sure)
        problems = [confirm(p) if p.code == Code.OCR_LOW_CONFIDENCE else p for p in problems]
    return problems


def _seq_run(rows: list[ProjectRow]) -> str:
    seqs = [r.seq for r in rows]
    return f"序号 {seqs[0]}–{seqs[-1]}" if seqs else "no rows"


def _total(p: Problem, problems: list[Problem], tables: Tables, sure: Certainty) -> Problem:
    rows = [r for r in tables.get("projects", []) if r.table_no == p.table_no]
    if not rows or any(q.code in ROW_DOUBTS and q.table_no == p.table_no for q in problems):
        return p
    if any(r.investment_yi is None for r in rows):
        return p
    cells = [c for c in tables.get("table_cells", []) if c.table_no == p.table_no]
    if not all(sure.cell(c) for c in cells):
        return p
    where = "a text layer" if all(c.source == "text" for c in cells) else "a text layer or OCR with high confidence"
    return replace(p, code=Code.TOTAL_PRINTED,
                   evidence=f"表{p.table_no}: {_seq_run(rows)} without a gap or repeat, every row with its figure, "
                            f"every figure read from {where}; the rows as printed add up to {_sum(rows)} 亿元")


def _declared(p: Problem, tables: Tables, sure: Certainty) -> Problem:
    """A declared count over another number of rows is the notice's own only when the count itself
    was read for sure: a (7项) OCR read with low confidence may be a misread (6项)."""
    row = [c for c in tables.get("table_cells", []) if c.table_no == p.table_no and c.page == p.page
           and (c.text or "").strip() == p.text.strip()]
    if (row and all(sure.cell(c) for c in row)) or not sure.uncertain:
        return p
    return replace(p, code=Code.SECTION_COUNT, evidence="")


def _token(number: str) -> re.Pattern:
    return re.compile(rf"(?<![0-9.]){re.escape(number)}(?![0-9]|\.[0-9])")


class _Confirmations:
    """What in the notice confirms each low-confidence number."""

    def __init__(self, problems: list[Problem], tables: Tables, sure: Certainty):
        self.sure = sure
        self.cells = [c for c in tables.get("table_cells", []) if c.x0 is not None]
        self.paragraphs: list[ParagraphRow] = tables.get("paragraphs", [])
        self.projects: list[ProjectRow] = tables.get("projects", [])
        self.broken_tables = {q.table_no for q in problems if q.code in (Code.SEQ_BREAK, Code.ROW_WITHOUT_NUMBER)}
        self.counts_off = {(q.table_no, compact(q.text)) for q in problems          # sections whose count is off
                           if q.code in (Code.SECTION_COUNT, Code.SECTION_COUNT_PRINTED)}
        self.agreeing = []          # (fact, paragraph, the indicator cells it agrees with) of sure figures
        value_cells = {(c.table_no, c.seq, c.field): c for c in self.cells if c.output == "indicators"}
        for fact, para, _, _, found in report_table_pairs(tables.get("facts", []), self.paragraphs,
                                                           tables.get("indicators", []),
                                                           tables.get("indicator_values", [])):
            # the same figure, not one that agrees within rounding (14.5% against a printed 15%)
            shown = [value_cells.get((v.table_no, v.seq, f"{v.measure}_text")) for v in found
                     if agrees(fact, [v]) and Decimal(fact.base_value) == Decimal(v.base_value)]
            if shown:
                self.agreeing.append((fact, para, [c for c in shown if c is not None]))

    def __call__(self, p: Problem) -> Problem:
        number = number_of(p)
        cell = next((c for c in self.cells if c.page == p.page and inside(p.bbox, cell_box(c))), None)
        para = None if cell else next((q for q in self.paragraphs
                                       if any(page == p.page and inside(p.bbox, box) for page, *box in q.boxes)),
                                      None)
        why = ((cell and (self._total(cell, number) or self._seq(cell, number) or self._count(cell, number)
                          or self._cell_agrees(cell, number)))
               or (para and self._para_agrees(para, number))
               or self._elsewhere(p, number, cell, para))
        if not why:
            return p
        return replace(p, code=Code.OCR_CONFIRMED, reason="number read with low OCR confidence, confirmed",
                       evidence=why)

    def _total(self, cell: TableCellRow, number: str) -> str | None:
        """The number is a project's investment, or a printed total, and the rows add up to it."""
        sections: dict[tuple, list[ProjectRow]] = defaultdict(list)
        for r in self.projects:
            if r.table_no == cell.table_no:
                sections[(r.section_no, r.section)].append(r)
        for (_, name), rows in sections.items():
            for printed, of, group in ((rows[0].section_total_yi, f"section {name}", rows),
                                       (rows[0].table_total_yi, f"表{cell.table_no}",
                                        [r for r in self.projects if r.table_no == cell.table_no])):
                if printed is None or not _adds_up(group, printed):
                    continue
                mine = cell.output == "projects" and cell.field == "investment_yi" and any(
                    r.seq == cell.seq for r in group)
                total = cell.output is None and _is(number, printed)
                if mine or total:
                    return f"the rows of {of} add up to its printed total {printed} 亿元"
        return None

    def _seq(self, cell: TableCellRow, number: str) -> str | None:
        in_run = cell.field == "seq" and cell.output and cell.table_no not in self.broken_tables \
            and _is(number, cell.seq)
        return f"表{cell.table_no}'s 序号 run without a gap or repeat through {cell.seq}" if in_run else None

    def _count(self, cell: TableCellRow, number: str) -> str | None:
        """A section row's declared count that the rows listed under it agree with."""
        declared = cell.output is None and (cell.table_no, compact(cell.text or "")) not in self.counts_off \
            and re.search(rf"[（(]\s*{re.escape(number)}\s*[个项]", cell.text or "")
        return f"the section lists {number} rows, as its row declares" if declared else None

    def _cell_agrees(self, cell: TableCellRow, number: str) -> str | None:
        for fact, para, cells in self.agreeing:
            if cell in cells and self.sure.paragraph(para, fact.raw) and _token(number).search(fact.raw):
                return f"the report states the same figure on p.{para.page_first}: {fact.raw}"
        return None

    def _para_agrees(self, para: ParagraphRow, number: str) -> str | None:
        for fact, p, cells in self.agreeing:
            if p.para_id == para.para_id and _token(number).search(fact.raw) and cells \
                    and all(self.sure.cell(c) for c in cells):
                return f"表{cells[0].table_no} row {cells[0].seq} states the same figure: {cells[0].text}"
        return None

    def _elsewhere(self, p: Problem, number: str, cell: TableCellRow | None, para: ParagraphRow | None) -> str | None:
        """The same figure printed at another place and read there for sure."""
        digits = number.replace(".", "")
        if len(digits) < SPECIFIC_DIGITS or ROUND.fullmatch(number):
            return None
        token = _token(number)
        for c in self.cells:
            if c is cell or not token.search(c.text or ""):
                continue
            if c.source == "text" or not any(number_of(q) == number for q in self.sure.in_cell(c)):
                return f"printed again in 表{c.table_no} on p.{c.page}, read for sure: {c.text}"
        for q in self.paragraphs:
            times = len(token.findall(q.text))
            if not times:
                continue
            doubted = sum(number_of(u) == number for u in self.sure.in_paragraph(q)) if q.source != "text" else 0
            if times > doubted:
                return f"printed again on p.{q.page_first} (¶{q.para_id}), read for sure"
        return None


def _is(number: str, value) -> bool:
    try:
        return value is not None and float(number) == float(value)
    except ValueError:
        return False
