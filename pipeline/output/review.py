"""The review page: one self-contained HTML file that draws what was extracted over the pages.

A pure view of an Extraction: every box comes from the records the stages built (table cells,
paragraphs, footnote markers and notes, page furniture, problems); nothing is re-detected here.
Every string from the PDF is untrusted: it enters the page only through `_e` (escaped), the page
carries no script at all, and its Content-Security-Policy allows only its own style (by hash)
and images from data: URIs.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re
from collections import defaultdict
from collections.abc import Sequence

from pipeline.checks.certainty import cell_box
from pipeline.model.problems import DOUBT, SOURCE, kind_of, of_kind, verdict
from pipeline.model.records import Extraction, Problem
from pipeline.model.rows import IndicatorRow, NoticeRow, PageBox, ParagraphRow, ProjectRow, TableCellRow, rows_of
from pipeline.vocab.text import compact

ROLES = {               # cell role → colour; the page images are grey, so the overlays stand out
    "header": "#1f6fd0", "category": "#9b3fc7", "section": "#f08c00", "data": "#1f9d3a", "unused": "#808080",
}
LAYERS = ("cells", "paragraphs", "footnotes", "furniture", "problems")
SHOWN = 1.5             # CSS pixels per PDF point at full width
TIP = 240               # longest text quoted in a tooltip, chars

STYLE = """
body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#222;display:flex}
nav{position:sticky;top:0;height:100vh;overflow:auto;width:22rem;flex:none;padding:0 1rem;
 box-sizing:border-box;background:#f6f6f4;border-right:1px solid #ccc}
main{flex:1;padding:1rem;min-width:0}
h1{font-size:1.05rem;margin:.8rem 0 .2rem}h2{font-size:.95rem;margin:1rem 0 .3rem}
.source{color:#666;font-size:.85rem;word-break:break-all}
.verdict{display:inline-block;padding:.1rem .5rem;border-radius:3px;color:#fff;font-weight:600}
.complete{background:#1f9d3a}.needs_review{background:#c62828}
nav ul,nav ol{padding-left:1.2rem;margin:.2rem 0}nav li{margin:.15rem 0}
nav table{border-collapse:collapse}nav td{padding:0 .5rem 0 0}
nav a{color:#1a4f9c;text-decoration:none}nav a:hover{text-decoration:underline}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.2rem;vertical-align:-.1rem}
section.page{margin:0 0 1.5rem}section.page h2{margin:0 0 .3rem;color:#555}
svg.sheet{width:100%;max-width:VIEWpx;height:auto;border:1px solid #bbb;background:#fff;display:block}
.cell{fill-opacity:.28;stroke-width:.6}
.para{fill:none;stroke:#0b7285;stroke-width:.7;stroke-dasharray:3 2}
.para-label{font-size:6px;fill:#0b7285;stroke:none}
.furniture{fill:#777;fill-opacity:.55}
.marker{fill:#e8590c;fill-opacity:.35;stroke:#e8590c;stroke-width:.6}
.note{fill:#e8590c;fill-opacity:.12;stroke:#e8590c;stroke-width:.6}
.fn-link{stroke:#e8590c;stroke-width:.9}
.problem{fill:#e00000;fill-opacity:.18;stroke:#e00000;stroke-width:1.5}
.problem-label{font-size:7px;fill:#e00000;font-weight:700;stroke:none}
svg :target{stroke:#000;stroke-width:2.5}
""".replace("VIEW", str(round(595 * SHOWN))) + "".join(
    f"body:has(#show-{layer}:not(:checked)) .layer-{layer}{{display:none}}\n" for layer in LAYERS) + "".join(
    f".role-{role}{{fill:{colour};stroke:{colour};background:{colour}}}\n" for role, colour in ROLES.items())

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _e(value) -> str:
    """Any text on its way into the page (PDF text above all): control chars and lone surrogates
    replaced, then HTML-escaped (quotes too, so it is safe in attributes)."""
    return html.escape(_CONTROL.sub("\ufffd", "" if value is None else str(value)), quote=True)


def _short(text, limit: int = TIP) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _n(x: float) -> str:
    return f"{x:.1f}"


def _rect(box, cls: str, tip: str, ident: str = "", extra: str = "") -> str:
    x0, top, x1, bottom = box
    ident = f' id="{ident}"' if ident else ""
    return (f'<rect{ident} class="{cls}"{extra} x="{_n(x0)}" y="{_n(top)}" width="{_n(max(x1 - x0, 1))}" '
            f'height="{_n(max(bottom - top, 1))}"><title>{_e(tip)}</title></rect>')


def review_html(ex: Extraction, pages: list[tuple[int, float, float, bytes]], source: str = "") -> str:
    """The review page of one notice. `pages`: (number, width, height in PDF points, PNG bytes) per page."""
    drawn: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sizes = {n: (w, h) for n, w, h, _ in pages}
    _cells(ex, drawn)
    _paragraphs(ex, drawn)
    _footnotes(ex, drawn, sizes)
    for f in ex.furniture:
        drawn[f.page]["furniture"].append(_rect(f.bbox, "furniture", f"page furniture, left out: {f.text}"))
    placed = _problems(ex, drawn, sizes)
    body = "".join(_page(n, w, h, png, drawn[n]) for n, w, h, png in pages)
    nav = _sidebar(ex, source, placed)
    notice = _notice(ex)
    title = notice.title if notice else None
    csp = ("default-src 'none'; img-src data:; style-src 'sha256-"
           + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
           + "'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
    return (f'<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            f'<meta name="referrer" content="no-referrer">\n'
            f'<title>{_e(ex.notice_id)} · review · {_e(_short(title, 80))}</title>\n'
            f'<style>{STYLE}</style></head>\n<body>\n{nav}\n<main>\n{body}</main>\n</body></html>\n')


def _notice(ex: Extraction) -> NoticeRow | None:
    return next(iter(ex.tables.get("notices", [])), None)


def _page(number: int, width: float, height: float, png: bytes, layers: dict[str, list[str]]) -> str:
    groups = "".join(f'<g class="layer-{layer}">{"".join(layers.get(layer, ()))}</g>' for layer in LAYERS)
    image = base64.b64encode(png).decode()
    return (f'<section class="page" id="page-{number}"><h2>page {number}</h2>\n'
            f'<svg class="sheet" data-page="{number}" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{round(width * SHOWN)}" height="{round(height * SHOWN)}" xmlns="http://www.w3.org/2000/svg">'
            f'<image href="data:image/png;base64,{image}" x="0" y="0" width="{_n(width)}" height="{_n(height)}"/>'
            f'{groups}</svg></section>\n')


# ------------------------------------------------------------------ layers

def _cell_id(c: TableCellRow) -> str:
    return f"cell-{c.table_index}-{c.page}-{c.row}-{c.col}"


def _cells(ex: Extraction, drawn) -> None:
    rows: dict[tuple[str | None, int | None, int | None], IndicatorRow | ProjectRow] = {
        **{("indicators", r.table_no, r.seq): r for r in ex.tables.get("indicators", [])},
        **{("projects", r.table_no, r.seq): r for r in ex.tables.get("projects", [])}}
    values = defaultdict(list)
    for v in ex.tables.get("indicator_values", []):
        values[(v.table_no, v.seq, v.measure)].append(v)
    for c in ex.tables.get("table_cells", []):
        if c.x0 is None:
            continue
        table = f"表{c.table_no}" if c.table_no is not None else f"table {c.table_index + 1}"
        tip = [f"{table}, row {c.row}, col {c.col}: {c.role}"]
        if c.output:
            tip.append(f"→ {c.output} row seq {c.seq}, field {c.field or '(none: column not read)'}")
            row = rows.get((c.output, c.table_no, c.seq))
            tip.extend(_typed(c, row, values))
        elif c.role == "section":
            tip.append("→ section (or category) of the rows below it")
        elif c.role != "header":
            tip.append("→ in no output row")
        tip.append(f"text: {_short(c.text)}")
        if c.footnote_refs:
            tip.append(f"footnote marker(s): {c.footnote_refs}")
        drawn[c.page]["cells"].append(
            _rect((c.x0, c.top, c.x1, c.bottom), f"cell role-{c.role}", "\n".join(tip), _cell_id(c),
                  f' data-role="{_e(c.role)}"'))


def _typed(cell: TableCellRow, row: IndicatorRow | ProjectRow | None, values) -> list[str]:
    """The typed value(s) the pipeline read from the cell, as written in its output row. A field its
    row record does not have (a column kept in table_cells only, 建设内容 …) shows nothing more
    than the cell's own text and role, which the tooltip gives anyway."""
    field = cell.field
    if row is None or not field:
        return []
    if field in ("target_text", "actual_text"):
        found = values.get((cell.table_no, cell.seq, field.split("_")[0]), [])
        return [f"value: {v.raw} = {v.value:g} {v.unit} ({v.kind}"
                + (f", {v.qualifier}" if v.qualifier else "") + f") → {v.base_value} {v.base_unit}"
                for v in found] or ["value: no quantity read"]
    if field == "investment_yi" and isinstance(row, ProjectRow):
        return [f"value: {row.investment_yi} 亿元 = {row.investment_cny} CNY"]
    if field == "progress_text" and isinstance(row, ProjectRow):
        return [f"value: {row.progress_text!s}", f"progress_pct: {row.progress_pct}"]
    if not hasattr(row, field):
        return [f"(no field {field} in the {cell.output} row: the cell's text is what was read)"]
    return [f"value: {getattr(row, field)}"]


def _paragraphs(ex: Extraction, drawn) -> None:
    for p in ex.tables.get("paragraphs", []):
        tip = (f"¶{p.para_id} {p.kind}" + (f" level {p.level}" if p.level else "")
               + f" ({p.part}), pages {p.page_first}–{p.page_last}"
               + (f"\nlead: {_short(p.lead)}" if p.lead else "")
               + (f"\nsection: {_short(p.section_path)}" if p.section_path else "")
               + (f"\nfootnotes: {p.footnote_refs}" if p.footnote_refs else "")
               + f"\ntext: {_short(p.text)}")
        for page, *box in p.boxes:
            label = f"¶{p.para_id} {p.kind}" + (f" · {_short(p.lead, 24)}" if p.lead else "")
            drawn[page]["paragraphs"].append(
                f'<g id="para-{p.para_id}-{page}">{_rect(box, "para", tip)}'
                f'<text class="para-label" x="{_n(box[0])}" y="{_n(box[1] - 1)}">{_e(label)}</text></g>')


def _footnotes(ex: Extraction, drawn, sizes) -> None:
    for i, f in enumerate(ex.tables.get("footnotes", [])):
        notes: Sequence[PageBox] = f.note_boxes or []
        cited = (f"¶{f.para_id}" if f.para_id else f"表{f.table_no} cell") if f.marker_box \
            else "no marker"
        tip = f"footnote {f.footnote_no} (page {f.page}), cited by {cited} after «{_short(f.anchor, 40)}»" \
              f"\n{_short(f.text)}"
        for page, *box in notes:
            drawn[page]["footnotes"].append(_rect(box, "note", tip, f"note-{i}-{page}"))
        marker = f.marker_box
        if not marker or not notes:
            continue
        mpage, *mbox = marker
        drawn[mpage]["footnotes"].append(_rect(mbox, "marker", tip, f"marker-{i}"))
        npage, *nbox = notes[0]
        start = ((mbox[0] + mbox[2]) / 2, mbox[3])
        end = (nbox[0], nbox[1])
        if npage == mpage:
            drawn[mpage]["footnotes"].append(_line(start, end, i, tip))
        else:               # the note is on another page: a line to the page edge, and on from the edge there
            height = sizes.get(mpage, (0, 842))[1]
            drawn[mpage]["footnotes"].append(_line(start, (start[0], height), i, tip + f"\n(note on page {npage})"))
            drawn[npage]["footnotes"].append(_line((end[0], 0), end, i, tip + f"\n(marker on page {mpage})"))


def _line(a, b, i: int, tip: str) -> str:
    return (f'<line class="fn-link" data-fn="{i}" x1="{_n(a[0])}" y1="{_n(a[1])}" x2="{_n(b[0])}" y2="{_n(b[1])}">'
            f'<title>{_e(tip)}</title></line>')


def _problems(ex: Extraction, drawn, sizes) -> list[tuple[Problem, str | None]]:
    """Each problem drawn in red on its page: at its box, else at the cell or paragraph its text
    names, else as a band across the top of the page. Returns (problem, anchor id or None)."""
    cells = defaultdict(list)
    for c in ex.tables.get("table_cells", []):
        if c.x0 is not None:
            cells[c.page].append(c)
    paras: defaultdict[int, list[tuple[ParagraphRow, list[float]]]] = defaultdict(list)
    for para in ex.tables.get("paragraphs", []):
        for page, *para_box in para.boxes:
            paras[page].append((para, para_box))
    placed: list[tuple[Problem, str | None]] = []
    for i, p in enumerate(ex.problems):
        if p.page is None or p.page not in sizes:
            placed.append((p, None))
            continue
        box: Sequence[float] | None = p.bbox or _box_of_text(p, cells[p.page], paras[p.page])
        tip = f"problem ({p.stage}, {kind_of(p)}): {p.reason}" + (f"\n{_short(p.text)}" if p.text else "") \
            + (f"\nevidence: {_short(p.evidence)}" if p.evidence else "")
        if box is None:
            box = (0, 0, sizes[p.page][0], 14)
        mark = _rect(box, "problem", tip, f"problem-{i}", f' data-problem="{i}"')
        label_y = box[1] - 1.5 if box[1] > 10 else box[3] + 7      # above the box, or below one at the top
        drawn[p.page]["problems"].append(
            f'<g>{mark}'
            f'<text class="problem-label" x="{_n(box[0] + 2)}" y="{_n(label_y)}">{_e(_short(p.reason, 80))}</text></g>')
        placed.append((p, f"problem-{i}"))
    return placed


def _box_of_text(p: Problem, cells: list[TableCellRow],
                 paras: list[tuple[ParagraphRow, list[float]]]) -> tuple[float, ...] | None:
    want = compact(p.text or "")
    if not want:
        return None
    for c in cells:
        if (p.table_no is None or c.table_no == p.table_no) and compact(c.text or "") == want:
            return cell_box(c)
    for para, box in paras:
        if want in compact(para.text):
            return tuple(box)
    return None


# ------------------------------------------------------------------ sidebar

def _sidebar(ex: Extraction, source: str, placed) -> str:
    notice = _notice(ex)
    status, reasons = verdict(ex.problems)
    out = [f'<nav><h1>{_e((notice and notice.title) or ex.notice_id)}</h1>',
           f'<div class="source">{_e(ex.notice_id)} · {_e(source or (notice and notice.source_file))}</div>',
           f'<h2>Verdict</h2><span class="verdict {status}" id="verdict">{_e(status)}</span>']
    if reasons:
        out.append('<h2>Doubts</h2><ul id="doubts">' + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>")
    issues = of_kind(ex.problems, SOURCE)
    if issues:
        out.append(f'<h2>Source issues ({len(issues)})</h2><ul id="source-issues">' + "".join(
            f"<li>{_e(p.reason)} — page {p.page}: {_e(_short(p.evidence, 160))}</li>" for p in issues) + "</ul>")
    out.append("<h2>Layers</h2>" + "".join(
        f'<label><input type="checkbox" id="show-{layer}" checked> {layer}</label> ' for layer in LAYERS))
    out.append("<div>" + "".join(f'<span class="swatch role-{r}"></span>{r} ' for r in ROLES) + "</div>")
    out.append("<h2>Rows per output</h2><table>" + "".join(
        f"<tr><td>{_e(t)}</td><td>{len(rows_of(ex.tables, t))}</td></tr>" for t in ex.tables) + "</table>")
    out.append("<h2>Tables</h2><ol>" + "".join(_table_entry(cells) for cells in _tables(ex)) + "</ol>")
    out.append(f"<h2>Problems ({len(placed)})</h2><ol id=\"problem-list\">")
    for p, anchor in placed:
        where = f"page {p.page}" if p.page else "no page"
        kind = kind_of(p)
        text = ("" if kind == DOUBT else f"[{kind}] ") + f"{_e(p.reason)} — {where}" \
            + (f": {_e(_short(p.text, 60))}" if p.text else "")
        out.append(f'<li><a href="#{anchor}">{text}</a></li>' if anchor else f"<li>{text}</li>")
    out.append("</ol></nav>")
    return "\n".join(out)


def _tables(ex: Extraction) -> list[list[TableCellRow]]:
    by_index = defaultdict(list)
    for c in ex.tables.get("table_cells", []):
        by_index[c.table_index].append(c)
    return [by_index[k] for k in sorted(by_index)]


def _table_entry(cells: list[TableCellRow]) -> str:
    first = cells[0]
    pages = sorted({c.page for c in cells})
    outputs = defaultdict(set)
    for c in cells:
        if c.output:
            outputs[c.output].add(c.seq)
    roles: defaultdict[str | None, int] = defaultdict(int)
    for c in cells:
        roles[c.role] += 1
    name = f"表{first.table_no}" if first.table_no is not None else f"table {first.table_index + 1}"
    made = ", ".join(f"{len(seqs)} {out} rows" for out, seqs in sorted(outputs.items())) or "no output rows"
    return (f'<li><a href="#{_cell_id(first)}">{_e(name)}</a>: pages {pages[0]}–{pages[-1]}, {len(cells)} cells '
            f'({", ".join(f"{n} {r}" for r, n in sorted(roles.items()))}); {_e(made)}</li>')
