"""Logical tables → indicator and project rows, driven by the header synonyms in schemas/."""
from __future__ import annotations

import re
from collections.abc import Set
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from pipeline.model.problems import Code
from pipeline.model.records import LogicalTable, Problem
from pipeline.model.rows import IndicatorRow, ProjectRow, TableCellRow
from pipeline.vocab import data
from pipeline.vocab.grammar import magnitudes, split_unit
from pipeline.vocab.headers import Column, read_columns
from pipeline.vocab.text import compact, nfkc

YI = Decimal(magnitudes()["亿"])


def _kinds() -> dict:
    return data.table_kinds()


Kind = tuple[str | None, dict[int, Column]]   # a table's kind (None: not recognised), what its columns mean


def classify(table: LogicalTable) -> Kind:
    """The table's kind and what each of its known columns means (column index → Column)."""
    best: Kind = (None, {})
    for kind, spec in _kinds().items():
        cols = read_columns(table.header, spec["fields"])
        found = {c.field for c in cols.values()}
        if set(spec["requires"]) <= found and (not spec.get("requires_any") or found & set(spec["requires_any"])) \
                and len(cols) > len(best[1]):
            best = (kind, cols)
    return best


def _year(table: LogicalTable, cols: dict[int, Column]) -> int | None:
    """The year a one-year table is about: its target column's, else any measure column's, else its title's."""
    order = ("target_text", "target_stage", "actual_text", "progress_text", "plan_investment_yi")
    for f in order:
        year = next((c.year for c in cols.values() if c.field == f and c.year is not None), None)
        if year is not None:
            return year
    m = data.regex("year_of_column").search(compact(table.title))
    return int(m.group(1)) if m else None


Views = list[tuple[int | None, dict[int, Column]]]     # a table read per year: (year, what its columns mean)


def views(kind: str, table: LogicalTable, cols: dict[int, Column]) -> Views:
    """The table read once per year its measure columns name (table_kinds.json `measures`): a table
    printing 2023年计划 | 2023年预计完成 | 2024年目标 is read as the 2023 table (target and actual of
    2023) and the 2024 table (its target), each with the columns that are no measure (序号, 指标名称,
    单位 …); a measure column printing no year goes to the first year that lacks its field. A table
    whose measures name one year or none is read once, its year from its columns or its title."""
    measures = set(_kinds()[kind].get("measures", ()))
    years = sorted({c.year for c in cols.values() if c.field in measures and c.year is not None})
    if len(years) <= 1:
        out: list[tuple[int | None, dict[int, Column]]] = [(_year(table, cols), dict(cols))]
    else:
        out = [(y, {i: c for i, c in cols.items() if c.field not in measures or c.year == y}) for y in years]
        for i, c in cols.items():
            if c.field in measures and c.year is None:
                view = next((v for _, v in out if c.field not in {x.field for x in v.values()}), None)
                if view is not None:
                    view[i] = c
    return [(y, _first_of_each(v)) for y, v in out]


def _first_of_each(cols: dict[int, Column]) -> dict[int, Column]:
    """One column per field: the first (leftmost) printed."""
    seen: set[str] = set()
    out = {}
    for i in sorted(cols):
        if cols[i].field not in seen:
            seen.add(cols[i].field)
            out[i] = cols[i]
    return out


def _fieldmap(cols: dict[int, Column]) -> dict[int, str]:
    return {i: c.field for i, c in cols.items()}


def _int(text: str) -> int | None:
    t = nfkc(text).strip()
    return int(t) if re.fullmatch(r"\d+", t) else None


def _decimal(text: str) -> Decimal | None:
    t = nfkc(text).replace(",", "").strip()
    try:
        return Decimal(t) if re.fullmatch(r"-?\d+(\.\d+)?", t) else None
    except InvalidOperation:
        return None


def table_rows(notice_id: str, tables: list[LogicalTable],
               kinds: list[Kind]) -> tuple[list[IndicatorRow], list[ProjectRow], list[Problem]]:
    """Returns (indicators, projects, problems): IndicatorRow and ProjectRow records (a project's
    `project_key` is filled in once the notice's district is known: keys.keyed_projects). `kinds`:
    `classify` of each table."""
    indicators: list[IndicatorRow] = []
    projects: list[ProjectRow] = []
    problems: list[Problem] = []
    numbers = [t.table_no for t in tables if t.table_no is not None]
    next_no = max(numbers, default=0) + 1
    for t, (kind, cols) in zip(tables, kinds, strict=True):
        if kind is None:
            problems.append(Problem("table_kinds", f"table kind not recognised from header {list(t.header)}",
                                    page=t.row_pages[0] if t.row_pages else None, table_no=t.table_no,
                                    code=Code.TABLE_KIND_UNKNOWN))
            continue
        if t.table_no is None:
            problems.append(Problem("table_kinds", f"{kind} table without a printed number; numbered {next_no}",
                                    page=t.row_pages[0] if t.row_pages else None, code=Code.TABLE_UNNUMBERED))
            table_no, next_no = next_no, next_no + 1
            t = replace(t, table_no=table_no)
        else:
            table_no = t.table_no
        for i, h in enumerate(t.header):
            if i not in cols:
                problems.append(Problem("table_kinds", f"unknown column {h!r} kept in table_cells only",
                                        page=t.row_pages[0] if t.row_pages else None, table_no=t.table_no,
                                        code=Code.COLUMN_UNKNOWN))
        if "seq" not in {c.field for c in cols.values()}:
            problems.append(Problem("table_kinds", "no 序号 column: rows numbered by their position",
                                    page=t.row_pages[0] if t.row_pages else None, table_no=t.table_no,
                                    code=Code.NO_SEQ_COLUMN))
        if kind == "indicators":
            found_indicators, probs = _indicator_rows(notice_id, t, table_no, views(kind, t, cols))
            indicators.extend(found_indicators)
        else:
            found_projects, probs = _project_rows(notice_id, t, table_no, views(kind, t, cols))
            projects.extend(found_projects)
        problems.extend(probs)
    return indicators, projects, problems


def with_years(rows: list, plan_year: int | None, review_year: int | None) -> list:
    """Rows of a table that prints no year (neither in a column header nor in its title) take the
    notice's: the review year for a table reporting outcomes (a 完成情况 column), else the plan year."""
    def year(r) -> int | None:
        reviewed = getattr(r, "actual_text", None) is not None or getattr(r, "progress_text", None) is not None
        return review_year if reviewed else plan_year
    return [r if r.year is not None else replace(r, year=year(r)) for r in rows]


def _source(t: LogicalTable, i: int) -> dict:
    """Where an output row came from: its logical table and printed row (kept off the outputs by the
    schemas; `table_cell_rows` links every cell to the row and field it became), and how it was read:
    `source` "text" or "ocr", with the lowest OCR confidence of its cells."""
    return {"table_index": t.index, "source_row": t.row_numbers[i] if i < len(t.row_numbers) else None,
            "source": t.row_sources[i] if i < len(t.row_sources) else "text",
            "confidence": t.row_confidence[i] if i < len(t.row_confidence) else None}


def table_cell_rows(notice_id: str, tables: list[LogicalTable], kinds: list[Kind], indicators: list[IndicatorRow],
                    projects: list[ProjectRow]) -> list[TableCellRow]:
    """The audit trail: every printed cell of every table, with its box on the page, its role
    (header, category, section row, data, or unused: in no output row), and the output row
    (indicators/projects, seq) and field its text became."""
    linked: dict[tuple, list] = {}
    for output, rows in (("indicators", indicators), ("projects", projects)):
        for r in rows:
            linked.setdefault((r.table_index, r.source_row), []).append((output, r))
    out = []
    for t, (kind, cols) in zip(tables, kinds, strict=True):
        numbers = [r.table_no for (index, _), found in linked.items() if index == t.index for _, r in found]
        table_no = numbers[0] if numbers else t.table_no
        texts: dict[int, list] = {}
        for c in t.cells:
            texts.setdefault(c.row, []).append(c)
        for c in t.cells:
            column = cols.get(c.col) if kind and not c.is_header else None
            found = linked.get((t.index, c.row), [])
            # a measure column of one year of a table with several feeds that year's row
            name, row = next(((n, r) for n, r in found if column is not None and column.year is not None
                              and r.year == column.year), found[0] if found else (None, None))
            field = column.field if column is not None else None
            if c.is_header:
                role = "header"
            elif row is None:
                role = "section" if kind and _section_row(texts[c.row]) else "unused"
            else:
                role = "category" if field == "category" else "data"
            x0, top, x1, bottom = (round(v, 2) for v in c.bbox) if c.bbox else (None,) * 4
            out.append(TableCellRow(notice_id=notice_id, table_no=table_no, table_index=t.index, page=c.page,
                                    row=c.row, col=c.col, rowspan=c.rowspan, colspan=c.colspan,
                                    is_header=c.is_header, text=c.text,
                                    footnote_refs=",".join(str(n) for n, _ in c.markers),
                                    x0=x0, top=top, x1=x1, bottom=bottom, role=role,
                                    output=name, seq=row.seq if row else None,
                                    field=field if row is not None else None,
                                    source=c.source, confidence=c.confidence))
    return out


def _section_row(cells) -> bool:
    """A row with text in one cell only, a section ("（一）区级骨干路网（7项）") or group ("一、经济发展")."""
    filled = [c for c in cells if compact(c.text)]
    return len(filled) == 1 and (filled[0].col == 0 or filled[0].colspan > 1)


# Fields that hold a value (a target, an outcome, an amount, a stage): a cell there printing only a
# dash means "no value". OCR reads that dash as 一 (the CJK "one" is the same stroke); in a value
# field a lone 一 is the dash, because a value of one is printed in digits (1, 1个) — whereas in 序号
# or in a name a lone 一 is the numeral.
VALUE_FIELDS = frozenset({"target_text", "actual_text", "investment_yi", "plan_investment_yi", "target_stage",
                          "progress_text"})
LONE_YI = re.compile(r"一{1,2}")


def _fields(row: tuple[str, ...], cols: dict[int, str]) -> dict[str, str]:
    return {f: "—" * len(compact(row[i])) if f in VALUE_FIELDS and LONE_YI.fullmatch(compact(row[i])) else row[i]
            for i, f in cols.items()}


def _label_row(row: tuple[str, ...], besides: Set[int | None] = frozenset()) -> tuple[str, str, int | None, str] | None:
    """A row whose only text (cells in `besides` aside: a section's total investment) names a group
    of rows: a section ("（一）区级骨干路网（7项）") or a group row ("一、经济发展") → (number, name,
    declared count, text as printed)."""
    filled = [x for j, x in enumerate(row) if compact(x) and j not in besides]
    if len(filled) != 1:
        return None
    for pattern in ("section_row", "group_row"):
        m = data.regex(pattern).match(compact(filled[0]))
        if m:
            declared = int(nfkc(m.group(3))) if m.group(3) else None
            return m.group(1), m.group(2), declared, filled[0].strip()
    bare = data.regex("section_row_bare").match(compact(filled[0]))     # 先进制造业项目（6个）: no ordinal
    return ("", bare.group(1), int(nfkc(bare.group(2))), filled[0].strip()) if bare else None


@dataclass
class _Group:
    """A section or group row, the rows listed under it and the 小计 row that closes it, if any."""
    number: str
    name: str
    declared: int | None
    text: str
    page: int
    row: tuple[str, ...]
    listed: int = 0
    subtotal: tuple[str, ...] | None = None


@dataclass
class _Walk:
    rows: list[tuple]                   # (index, page, group, fields, seq) of each numbered row
    groups: list[_Group]
    total: tuple[str, ...] | None       # the 合计 / 总计 row
    problems: list[Problem]


def _walk(t: LogicalTable, cols: dict[int, str], what: str, besides: Set[int | None] = frozenset()) -> _Walk:
    """The table's rows in order, sorted into numbered rows, group rows and total rows, with the
    problems met: a row without a number, a 序号 that repeats or skips (numbering may restart at 1
    under a new group), a group without rows, a section declaring another count than it lists."""
    w = _Walk([], [], None, [])
    last_seq, restart = 0, True
    for i, (row, page) in enumerate(zip(t.rows, t.row_pages, strict=False)):
        label = _label_row(row, besides)
        if label is not None:
            w.groups.append(_Group(*label, page=page, row=row))
            restart = True
            continue
        if _total_row(w, row):
            continue
        f = _fields(row, cols)
        seq = _int(f["seq"]) if "seq" in f else len(w.rows) + 1
        if seq is None:
            w.problems.append(Problem("table_kinds", f"{what} row without a number skipped", page=page,
                                      text="|".join(row), table_no=t.table_no, code=Code.ROW_WITHOUT_NUMBER))
            continue
        if seq != last_seq + 1 and not (restart and seq == 1):
            reason = f"序号 {seq} repeated" if seq <= last_seq else f"序号 jumps from {last_seq} to {seq}"
            w.problems.append(Problem("check", reason, page=page, text="|".join(row), table_no=t.table_no, row=seq,
                                      code=Code.SEQ_BREAK))
        last_seq, restart = seq, False
        if w.groups:
            w.groups[-1].listed += 1
        w.rows.append((i, page, w.groups[-1] if w.groups else None, f, seq))
    w.problems.extend(_doubtful_cells(t, w.rows, cols))
    w.problems.extend(_group_problems(t, w, "seq" in cols.values()))
    return w


def _total_row(w: _Walk, row: tuple[str, ...]) -> bool:
    """A 合计 / 总计 row (the table's total) or a 小计 row (its group's subtotal), kept in `w`."""
    total = data.regex("total_row").match(next((compact(x) for x in row if compact(x)), ""))
    if total is None:
        return False
    if total.group(1) != "小计":
        w.total = row
    elif w.groups:
        w.groups[-1].subtotal = row
    return True


def _group_problems(t: LogicalTable, w: _Walk, numbered: bool) -> list[Problem]:
    """A group without rows, a section declaring another count than it lists (the count printed
    wrong, not a row lost, when the 序号 column runs on unbroken across its end)."""
    problems = []
    unbroken = numbered and not any(p.code in (Code.SEQ_BREAK, Code.ROW_WITHOUT_NUMBER) for p in w.problems)
    for g in w.groups:
        if g.declared is not None and g.declared != g.listed:
            reason = f"section declares {g.declared} projects, {g.listed} listed"
            evidence = _nothing_lost(w.rows, g) if unbroken else None
            problems.append(Problem("check", reason, page=g.page, text=g.text, table_no=t.table_no,
                                    code=Code.SECTION_COUNT_PRINTED if evidence else Code.SECTION_COUNT,
                                    evidence=evidence or ""))
        elif g.listed == 0:
            problems.append(Problem("check", "section without rows", page=g.page, text=g.text,
                                    table_no=t.table_no, code=Code.SECTION_EMPTY))
    return problems


NAME_FIELDS = ("indicator", "name")
# columns that every row of a table fills where nearly all do: one left empty was lost or blanked
FILLED_FIELDS = ("target_text", "investment_yi")
# "nearly all": at least this many rows filled per row found empty
FILLED_RATIO = 3
BARE_NUMBER = re.compile(r"[-+]?[0-9][0-9.,]*%?")


def _doubtful_cells(t: LogicalTable, rows: list[tuple], cols: dict[int, str]) -> list[Problem]:
    """A name cell empty or holding a bare number (the row's cells shifted by a column), and a cell
    left empty in a column that the other rows fill."""
    problems = []
    fields = set(cols.values())
    for _, page, _, f, seq in rows:
        for name in (n for n in NAME_FIELDS if n in fields):
            text = compact(nfkc(f.get(name, "")))
            if not text:
                problems.append(Problem("table_kinds", f"row {seq} has an empty {name} cell", page=page,
                                        text="|".join(f.values()), table_no=t.table_no, row=seq, code=Code.CELL_EMPTY))
            elif BARE_NUMBER.fullmatch(text):
                problems.append(Problem("table_kinds", f"a number in the {name} column: the row's cells may be shifted",
                                        page=page, text="|".join(f.values()), table_no=t.table_no, row=seq,
                                        code=Code.CELLS_SHIFTED))
    for column in (c for c in FILLED_FIELDS if c in fields):
        empty = [(page, f, seq) for _, page, _, f, seq in rows if not compact(f.get(column, ""))]
        if empty and len(rows) - len(empty) >= FILLED_RATIO * len(empty):
            problems.extend(Problem("table_kinds", f"row {seq} has an empty {column} cell, the other rows fill it",
                                    page=page, text="|".join(f.values()), table_no=t.table_no, row=seq,
                                    code=Code.CELL_EMPTY) for page, f, seq in empty)
    return problems


def _nothing_lost(rows: list[tuple], g: _Group) -> str | None:
    """Why no row of group `g` can have been lost, or None: the table's 序号 runs without a gap or a
    repeat, and it goes on across the group's end (the next group's first row continues the count
    instead of starting again at 1), so a row lost at the group's end would show as a gap."""
    mine = [k for k, r in enumerate(rows) if r[2] is g]
    if not mine or mine[-1] + 1 >= len(rows):
        return None
    seqs = [rows[k][4] for k in mine]
    after = rows[mine[-1] + 1][4]
    if after != seqs[-1] + 1:
        return None
    return (f"序号 {seqs[0]}–{seqs[-1]} listed under it without a gap or repeat, and the next row is "
            f"序号 {after}: the notice prints {g.declared} over {g.listed} rows")


def _indicator_rows(notice_id: str, t: LogicalTable, table_no: int,
                    table_views: Views) -> tuple[list[IndicatorRow], list[Problem]]:
    """One row per printed row and year of the table (table_views: `views`)."""
    w = _walk(t, _fieldmap(table_views[0][1]), "indicator")
    out = []
    for year, cols in table_views:
        fields = _fieldmap(cols)
        header_unit = {c.field: c.unit for c in cols.values() if c.unit}
        category, group = None, None
        for i, page, g, _, seq in w.rows:
            f = _fields(t.rows[i], fields)
            if g is not group:              # a group row names the category of the rows under it
                group, category = g, g.name
            category = f.get("category") or category        # a 类别 printed once is filled down
            out.append(IndicatorRow(
                **_source(t, i), notice_id=notice_id, table_no=table_no, year=year, seq=seq,
                category=category, indicator=f.get("indicator", ""),
                target_text=f.get("target_text", ""),
                actual_text=f.get("actual_text", "") if "actual_text" in fields.values() else None,
                unit=_text_or_none(f.get("unit")), attribute=_text_or_none(f.get("attribute")), page=page,
                target_unit=header_unit.get("target_text"), actual_unit=header_unit.get("actual_text"),
            ))
    return out, w.problems


def _text_or_none(text: str | None) -> str | None:
    """A cell's text, None when the table has no such column or the cell is blank or a dash."""
    t = compact(text or "")
    return None if not t or re.fullmatch(r"[—–\-－/]+", t) else (text or "").strip()


def _project_rows(notice_id: str, t: LogicalTable, table_no: int,
                  table_views: Views) -> tuple[list[ProjectRow], list[Problem]]:
    """One row per printed project and year of the table (table_views: `views`)."""
    first = table_views[0][1]
    inv_col = next((j for j, c in first.items() if c.field == "investment_yi"), None)
    money_factor = _money_factor(t, first.get(inv_col) if inv_col is not None else None)
    w = _walk(t, _fieldmap(first), "project", besides={inv_col})
    problems = w.problems
    table_total = _money(w.total, inv_col, money_factor) if w.total else None
    out = []
    for year, cols in table_views:
        fields = _fieldmap(cols)
        has_progress = "progress_text" in fields.values()
        plan_col = next((j for j, c in cols.items() if c.field == "plan_investment_yi"), None)
        plan_factor = _money_factor(t, cols.get(plan_col) if plan_col is not None else None)
        for i, page, g, _, seq in w.rows:
            f = _fields(t.rows[i], fields)
            inv_text = f.get("investment_yi", "")
            inv = _money(t.rows[i], inv_col, money_factor)
            if inv_text and inv is None and year == table_views[0][0]:
                problems.append(Problem("table_kinds", "investment is not a number", page=page, text=inv_text,
                                        table_no=t.table_no, row=seq, code=Code.INVESTMENT_NOT_NUMBER))
            plan = _money(t.rows[i], plan_col, plan_factor)
            if f.get("plan_investment_yi") and plan is None and _text_or_none(f["plan_investment_yi"]):
                problems.append(Problem("table_kinds", "planned investment is not a number", page=page,
                                        text=f["plan_investment_yi"], table_no=t.table_no, row=seq,
                                        code=Code.INVESTMENT_NOT_NUMBER))
            section_total = _money(g.subtotal or g.row, inv_col, money_factor) if g else None
            progress = f.get("progress_text", "") if has_progress else None
            out.append(ProjectRow(
                **_source(t, i), notice_id=notice_id, table_no=table_no, year=year, seq=seq,
                section_no=(g.number or None) if g else None, section=g.name if g else None,
                section_declared_count=g.declared if g else None,
                name=f.get("name", ""), project_key="",     # keyed with the notice's district: keys.keyed_projects
                investment_yi=float(inv) if inv is not None else None,
                investment_cny=inv * YI if inv is not None else None,
                target_stage=f.get("target_stage", ""), progress_text=progress,
                progress_pct=_progress_pct(progress), builder=f.get("builder"),
                content=_text_or_none(f.get("content")), period=_text_or_none(f.get("period")),
                plan_investment_yi=float(plan) if plan is not None else None,
                plan_investment_cny=plan * YI if plan is not None else None, page=page,
                section_total_yi=float(section_total) if section_total is not None else None,
                table_total_yi=float(table_total) if table_total is not None else None,
            ))
    return out, problems


def _money(row: tuple[str, ...], col: int | None, factor: Decimal) -> Decimal | None:
    """亿元 in cell `col` of `row` (the table's printed unit converted), None when it holds no number."""
    found = _decimal(row[col]) if col is not None else None
    return found * factor / YI if found is not None else None


def _money_factor(t: LogicalTable, column: Column | None) -> Decimal:
    """CNY per printed unit of a money column: the unit its header prints ("(万元)"), else the
    table's "单位：" line, else 亿元 (the unit these tables use)."""
    for unit in ((column.unit if column else None), t.unit or None, "亿元"):
        split = split_unit(unit) if unit else None
        if split and split[1].base == "CNY":
            magnitude, u = split
            return Decimal(magnitude.numerator) * Decimal(u.factor.numerator) / Decimal(u.factor.denominator)
    return YI


def _progress_pct(text: str | None) -> float | None:
    if not text:
        return None
    m = data.regex("progress_pct").search(nfkc(text))
    return float(m.group(1)) if m else None
