"""Cross-checks inside one notice: figures the notice states twice must agree.

- A report sentence and an indicator cell stating the same indicator, year, kind and base unit
  (地区生产总值 … 1725.56亿元 in both) must agree in base value, within the precision printed
  (1725.6亿元 agrees with 1725.56亿元). The matching is deliberately tolerant — a missed pair costs
  nothing, a false alarm costs a reader's time:
  * a fact belongs to an indicator when its clause, up to the number and with the verbs and
    qualifiers just before it removed (完成, 达到, 同比增长 …), ends with the name the notice's own
    table prints for the indicator (or that name without its bracketed part), normalised as
    pipeline/keys.py normalises indicator names but without the aliases; a growth rate whose
    clause names nothing (…，比去年同期增长6.5%) belongs to the indicator of the figure before it
    in the sentence;
  * the year is the last "20xx年" of the sentence before the number, else of the section headings;
  * only figures stated as exact take part (no qualifier, or 达到 / 新增 …: patterns.json
    `cross_check_exact_qualifiers`), and no sentence about part of a year (前三季度, 1-9月 …);
  * the figure agrees when any quantity of that indicator, year, kind and base unit in the
    notice's tables (target or actual) agrees: a sentence may quote the target or the outcome.
- A typed quantity (an indicator cell's, a report sentence's, a project's investment) must lie in
  the range schemas/plausible.csv gives its base unit and kind (a share at most 100 %, a ratio to
  another amount — 完成年度计划的112.4% — at most 1000 %, money above zero …): on a scan, a misread
  digit or a lost decimal point breaks it.
- The investments of a section's projects must add up to the total printed for the section (its
  section row or a 小计 row), and all projects of a table to its 合计 row, where one is printed,
  within the rounding of the printed figures.

Each disagreement is a Problem naming both places (page and text); a value out of range names its
page and the box of its cell (or paragraph)."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from pipeline.checks.certainty import Certainty, cell_box
from pipeline.model.problems import Code
from pipeline.model.records import Problem
from pipeline.model.rows import (
    FactRow,
    IndicatorRow,
    IndicatorValueRow,
    ParagraphRow,
    ProjectRow,
    TableCellRow,
    Tables,
)
from pipeline.vocab import data
from pipeline.vocab.keys import compact_name, normalise_indicator
from pipeline.vocab.text import CLAUSE_END, clause_start

YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年")


def cross_checks(tables: Tables, sure: Certainty | None = None) -> list[Problem]:
    """Every disagreement between figures the notice states twice. `sure` tells the figures read for
    sure (a text layer, or OCR with high confidence): a disagreement of two such figures is the
    notice's own (a source issue), not a doubt of the extraction."""
    return [*report_against_tables(tables.get("facts", []), tables.get("paragraphs", []),
                                   tables.get("indicators", []), tables.get("indicator_values", []),
                                   tables.get("table_cells", []), sure),
            *project_totals(tables.get("projects", [])), *implausible(tables)]


def report_table_pairs(facts: list[FactRow], paragraphs: list[ParagraphRow], indicators: list[IndicatorRow],
                       values: list[IndicatorValueRow]):
    """(fact, its paragraph, sentence, year, the indicator cells' quantities it is compared with) for
    every report figure that names an indicator of the tables, stated as exact, with a table figure
    of the same year, kind and base unit."""
    years = {(r.table_no, r.seq): r.year for r in indicators}
    cells: dict[tuple, list[IndicatorValueRow]] = defaultdict(list)
    named = [(v, v.indicator_part) for v in values if v.indicator_part is not None]    # (values.py names each)
    for v, part in named:
        cells[(normalise_indicator(part), years.get((v.table_no, v.seq)), v.kind, v.base_unit)].append(v)
    names = _names({part for _, part in named})
    paras = {p.para_id: p for p in paragraphs}
    for (para_id, sentence), group in _sentences(facts).items():
        para = paras.get(para_id)
        if para is None or data.regex("cross_check_partial_period").search(sentence):
            continue
        for fact, start, key in _indicators_of(sentence, group, names):
            year = _year(sentence[:start]) or _year(para.section_path or "")
            exact = fact.qualifier in (None, *data.patterns()["cross_check_exact_qualifiers"])
            found = cells.get((key, year, fact.kind, fact.base_unit), []) if key and exact else []
            if found:
                yield fact, para, sentence, year, found


def agrees(fact: FactRow, found: list[IndicatorValueRow]) -> bool:
    return any(_agree(fact, c) for c in found)


def report_against_tables(facts: list[FactRow], paragraphs: list[ParagraphRow], indicators: list[IndicatorRow],
                          values: list[IndicatorValueRow], table_cells: Sequence[TableCellRow] = (),
                          sure: Certainty | None = None) -> list[Problem]:
    value_cells = {(c.table_no, c.seq, c.field): c for c in table_cells if c.output == "indicators"}
    problems = []
    for fact, para, sentence, year, found in report_table_pairs(facts, paragraphs, indicators, values):
        if agrees(fact, found):
            continue
        c = found[0]
        shown = [value_cells.get((x.table_no, x.seq, f"{x.measure}_text")) for x in found]
        both_sure = sure is not None and sure.paragraph(para, fact.raw) and all(
            x is not None and sure.cell(x) for x in shown)
        where = "a text layer" if para.source == "text" and all(x and x.source == "text" for x in shown) \
            else "a text layer or OCR read with high confidence"
        problems.append(Problem(
            "check", f"report and table disagree: {c.indicator_part} {year} ({fact.kind})",
            page=para.page_first,
            text=f"report p.{para.page_first}: {fact.raw} in 「{sentence}」; 表{c.table_no} row "
                 f"{c.seq} (p.{_page(indicators, c)}) {c.indicator_part}: "
                 + "/".join(x.raw for x in found),
            table_no=c.table_no, row=c.seq,
            code=Code.REPORT_TABLE_PRINTED if both_sure else Code.REPORT_TABLE_DISAGREE,
            evidence=f"both figures read from {where}: the report prints {fact.raw}, 表{c.table_no} prints "
                     + "/".join(x.raw for x in found) if both_sure else ""))
    return problems


def _sentences(facts: list[FactRow]) -> dict[tuple, list[FactRow]]:
    out: dict[tuple, list[FactRow]] = defaultdict(list)
    for f in facts:
        out[(f.para_id, f.sentence)].append(f)
    return out


def _names(printed: set[str]) -> list[tuple[str, str]]:
    """(name as a sentence may print it, the indicator it names), longest first: each part name the
    notice's tables print, also without its bracketed part. Keys (schemas/indicators.csv) join
    notices, not sentences: a sentence's 公共泊位 may count all spaces where a table's
    新增公共停车泊位 counts the new ones."""
    names: dict[str, str] = {}
    for name in sorted(printed):
        names.setdefault(compact_name(re.sub(r"[(（][^)）]*[)）]", "", name)), normalise_indicator(name))
    for name in sorted(printed):
        names[compact_name(name)] = normalise_indicator(name)          # a name as printed wins over a variant
    minimum = data.patterns()["cross_check_min_name_chars"]
    return sorted(((n, k) for n, k in names.items() if len(n) >= minimum), key=lambda nk: -len(nk[0]))


def _indicators_of(sentence: str, facts: list[FactRow], names: list[tuple[str, str]]):
    """(fact, its position, the normalised indicator name it states or None) for the facts of one
    sentence."""
    cursor, previous = 0, None
    for f in facts:
        start = sentence.find(f.raw, cursor)
        if start < 0:
            yield f, cursor, None
            continue
        lead = sentence[cursor:start]
        clause = _strip_verbs(compact_name(lead[clause_start(lead, len(lead), CLAUSE_END):]))
        key = next((k for n, k in names if clause.endswith(n)), None)
        if key is None and not clause and f.kind == "growth":
            key = previous
        previous = key
        cursor = start + len(f.raw)
        yield f, start, key


def _strip_verbs(clause: str) -> str:
    p = data.patterns()
    words = sorted({*p["qualifiers_before"], *p["growth_up"], *p["growth_down"], *p["subject_not"],
                    *p["cross_check_verbs"]}, key=len, reverse=True)
    changed = True
    while changed and clause:
        changed = False
        for w in words:
            if clause.endswith(w):
                clause, changed = clause[: -len(w)], True
    return clause


def _year(text: str) -> int | None:
    found = YEAR.findall(text)
    return int(found[-1]) if found else None


def _page(indicators: list[IndicatorRow], cell: IndicatorValueRow) -> int | None:
    return next((r.page for r in indicators if (r.table_no, r.seq) == (cell.table_no, cell.seq)), None)


def _agree(a: FactRow | IndicatorValueRow, b: FactRow | IndicatorValueRow) -> bool:
    """Equal base values within half a unit of the last digit printed by the coarser of the two."""
    gap = abs(Decimal(a.base_value) - Decimal(b.base_value))
    return gap <= max(_half_step(a), _half_step(b))


def _half_step(q: FactRow | IndicatorValueRow) -> Decimal:
    digits = re.search(r"[0-9]+(?:\.([0-9]+))?", q.raw)
    if not digits or not q.value:
        return Decimal(0)
    places = len(digits.group(1) or "")
    per_unit = abs(Decimal(q.base_value) / Decimal(str(q.value)))
    return Decimal(5) / Decimal(10) ** (places + 1) * per_unit


def implausible(tables: Tables) -> list[Problem]:
    """Every typed quantity outside the plausible range of its base unit and kind, with the page and
    box of the cell (or the paragraph) that prints it."""
    cells = {(c.output, c.table_no, c.seq, c.field): c for c in tables.get("table_cells", []) if c.output}
    paras = {p.para_id: p for p in tables.get("paragraphs", [])}
    # (raw, base value, base unit, kind, cell or None, paragraph or None, text)
    found: list[tuple[str, Decimal | None, str, str, TableCellRow | None, ParagraphRow | None, str]] = []
    for v in tables.get("indicator_values", []):
        found.append((v.raw, v.base_value, v.base_unit, v.kind,
                      cells.get(("indicators", v.table_no, v.seq, f"{v.measure}_text")), None,
                      f"表{v.table_no} row {v.seq} {v.indicator_part}: {v.part_text}"))
    for p in tables.get("projects", []):
        found.append((f"{p.investment_yi}亿元", p.investment_cny, "CNY", "level",
                      cells.get(("projects", p.table_no, p.seq, "investment_yi")), None,
                      f"表{p.table_no} row {p.seq} {p.name}"))
    for f in tables.get("facts", []):
        found.append((f.raw, f.base_value, f.base_unit, f.kind, None, paras.get(f.para_id), f.sentence))
    problems = []
    for raw, value, unit, kind, cell, para, text in found:
        before = text[:max(0, text.find(raw))]
        if unit == "%" and kind == "level" and data.regex("ratio_to_another").search(before):
            kind = "ratio"          # 完成年度计划的112.4%: not a share of a whole, it may pass 100
        bounds = data.plausible_ranges().get((unit, kind))
        if value is None or bounds is None:
            continue
        low, high = bounds
        if low <= Decimal(value) <= high:
            continue
        page: int | None = None
        bbox: tuple[float, float, float, float] | None = None
        if cell is not None:
            page, bbox = cell.page, cell_box(cell)
        elif para and para.boxes:
            page, bbox = para.page_first, para.boxes[0][1:]
        problems.append(Problem("check", f"{raw} is out of the plausible range for {unit} ({kind}): "
                                         f"{low:g} to {high:g}",
                                page=page, text=text, bbox=bbox, code=Code.IMPLAUSIBLE))
    return problems


def project_totals(projects: list[ProjectRow]) -> list[Problem]:
    problems = []
    sections: dict[tuple, list[ProjectRow]] = defaultdict(list)
    tables: dict[int, list[ProjectRow]] = defaultdict(list)
    for p in projects:
        sections[(p.table_no, p.section_no, p.section)].append(p)
        tables[p.table_no].append(p)
    for (table_no, _, section), rows in sections.items():
        printed = rows[0].section_total_yi
        if printed is not None and not _adds_up(rows, printed):
            problems.append(Problem("check", f"section projects add up to {_sum(rows)} 亿元, the section prints "
                                             f"{printed} 亿元", page=rows[0].page, text=section or "",
                                    table_no=table_no, code=Code.TOTAL_DISAGREES))
    for table_no, rows in tables.items():
        printed = rows[0].table_total_yi
        if printed is not None and not _adds_up(rows, printed):
            problems.append(Problem("check", f"projects add up to {_sum(rows)} 亿元, the table's total row prints "
                                             f"{printed} 亿元", page=rows[-1].page, text=f"表{table_no}",
                                    table_no=table_no, code=Code.TOTAL_DISAGREES))
    return problems


def _sum(rows: list[ProjectRow]) -> Decimal:
    return sum((Decimal(str(r.investment_yi)) for r in rows if r.investment_yi is not None), Decimal(0))


def _adds_up(rows: list[ProjectRow], printed: float) -> bool:
    """The sum of rounded figures may miss the rounded total by half a printed step per figure."""
    figures = [Decimal(str(r.investment_yi)) for r in rows if r.investment_yi is not None]
    total = Decimal(str(printed))
    slack = sum((_step(x) for x in [*figures, total]), Decimal(0)) / 2
    return abs(_sum(rows) - total) <= slack


def _step(x: Decimal) -> Decimal:
    exponent = x.as_tuple().exponent
    if not isinstance(exponent, int):       # "n", "N", "F": a NaN or an infinity prints no step
        raise ValueError(f"not a finite figure: {x}")
    return Decimal(1).scaleb(min(exponent, 0))
