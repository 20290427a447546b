"""The "browser" producer: a corpus notice (tests/corpus/) written as one HTML document with a CSS print
layout and printed to PDF by headless chromium (Skia), as a notice saved from a web page or an office
suite's HTML export is.

What chromium makes of it (Debian chromium 156, Skia/PDF m156; checked with pikepdf, pdfplumber and
pypdfium2, and held by test_corpus.py::test_browser_pdfs_are_what_the_corpus_relies_on):
- Noto Serif / Sans CJK SC (fonts-noto-cjk: OpenType CFF faces with a real bold) come out as Type 3
  fonts only, regular and bold alike: some 1,500 small Type 3 fonts for a 16-page notice, each with a
  ToUnicode and a FontDescriptor named after its face (`AAAAAA+NotoSerifCJKsc-Bold`,
  `BAAAAA+NotoSerifCJKsc-Regular`), so bold is told by the name. The ToUnicode maps the glyphs the
  face shares with the Kangxi radicals (U+2F00…) and the CJK radicals supplement (U+2E80…) to those
  code points: pdfplumber reads ⻓ for 长, ⺠ for 民, ⽣ for 生, ⾼ for 高, ⼯ for 工 (546 of 6,252
  chars in deqing-2024; NFKC maps the Kangxi radicals back but leaves 83 supplement chars such as
  ⻓ ⺠ ⻅ ⻔), while pypdfium2 reads the ideographs;
- AR PL UMing / UKai (TrueType, no bold) come out as CID fonts (Type0 / CIDFontType2, embedded
  subsets `BAAAAA+UMingCN`) for the regular text, and Skia draws their bold itself as Type 3 fonts
  whose FontDescriptor carries the regular face's name (`AAAAAA+UMingCN`): bold is told by the glyphs'
  weight only;
- <sup> markers are the face at 0.58 size raised; table rules are filled rectangles, not strokes;
  page numbers come from the print footer template.

Chromium has no CSS footnotes, so whatever the layout says the notes are gathered under 注释： after
the report (the ground truth does not depend on where the notes are printed).
"""
from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from render import (
    CIRCLED,
    COLUMN_LOOK,
    MM,
    Printed,
    Style,
    label_and_title,
    layout_of,
    printed_tables,
    rows_as_printed,
    under_title,
)

# style.font → (CSS family, family of the 楷体 runs): Noto has a real bold (a CID font named …-Bold),
# the AR PL faces are made bold by Skia (Type 3 glyphs)
FAMILIES = {"serif": "'Noto Serif CJK SC'", "sans": "'Noto Sans CJK SC'", "kai": "'AR PL UKai CN'",
            "stsong": "'AR PL UMing CN'"}
KAI = "'AR PL UKai CN'"
FONT_FILES = {"serif": "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",      # fonts-noto-cjk
              "sans": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
              "kai": "/usr/share/fonts/truetype/arphic/ukai.ttc",
              "stsong": "/usr/share/fonts/truetype/arphic/uming.ttc"}


def missing_fonts(style: Style) -> list[str]:
    """Chromium falls back to another face without a word when one is missing: say it instead."""
    return [f for f in {FONT_FILES[style.font], FONT_FILES["kai"]} if not Path(f).exists()]


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _css(style: Style) -> str:
    top, bottom, left, right = style.margins

    def mm(v: float) -> str:
        return f"{v / MM:.1f}mm"
    rules = {
        "grid": "table.t td, table.t th { border: 0.7pt solid #000; }",
        "cells": "table.t td, table.t th { border: 0.7pt solid #000; }",
        "three_line": ("table.t { border-top: 1.5pt solid #000; border-bottom: 1.5pt solid #000; }\n"
                       "table.t thead th { border-bottom: 0.75pt solid #000; }"),
        "none": "",
    }[style.rules]
    wide = "size: A4 landscape; margin: 28mm 30mm;" if style.orientation != "portrait" else ""
    return f"""
@page {{ size: A4; margin: {mm(top)} {mm(right)} {mm(bottom)} {mm(left)}; }}
@page wide {{ {wide or 'size: A4;'} }}
html {{ font-family: {FAMILIES[style.font]}; font-size: {style.body_size}pt; color: #000; }}
body {{ margin: 0; }}
p {{ margin: 0; line-height: 1.75; text-align: {'justify' if style.justify else 'left'}; }}
p.para, p.h {{ text-indent: 2em; }}
p.h.l2 {{ font-family: {KAI}; }}
p.h.l1, p.h.l3 {{ font-weight: bold; }}
p.title {{ font-size: 22pt; font-weight: bold; text-align: center; line-height: 1.6; margin: 0.5em 0; }}
p.sub {{ font-family: {KAI}; text-align: center; }}
p.left {{ text-indent: 0; text-align: left; }}
p.right {{ text-align: right; }}
p.issuer {{ margin-top: 2em; padding-right: 2em; }}
p.date {{ padding-right: 3em; }}
p.item {{ padding-left: 5em; text-indent: -2em; }}
p.notes-head, p.note {{ font-size: 0.875em; }}
p.note {{ text-indent: 2em; }}
sup {{ font-size: 0.58em; vertical-align: 0.6em; line-height: 0; }}
sup.circled {{ font-size: 1em; vertical-align: 0.3em; }}
.newpage {{ break-before: page; }}
.tables {{ page: wide; }}
div.thead-block {{ break-inside: avoid; break-after: avoid; }}
p.tlabel {{ font-weight: bold; text-align: left; margin-top: 1em; }}
p.ttitle {{ font-size: 14pt; font-weight: bold; text-align: center; line-height: 1.6; margin-bottom: 0.3em; }}
{rules}
table.t {{ border-collapse: collapse; width: 100%; font-size: {style.table_size}pt; margin-bottom: 0.4em; }}
table.t td, table.t th {{ padding: {0.4 * style.table_size:.1f}pt; line-height: 1.3; vertical-align: middle;
  text-align: left; }}
table.t th {{ font-weight: bold; text-align: center; }}
table.t td.c {{ text-align: center; }}
table.t td.span {{ font-weight: bold; }}
table.t tr {{ break-inside: avoid; }}
p.tnote {{ font-size: 10.5pt; text-indent: 0; margin-bottom: 1.2em; }}
"""


def _marker(no: int, marker: str) -> str:
    if marker == "circled":
        return f'<sup class="circled">{CIRCLED[no - 1]}</sup>'
    return f"<sup>{no if marker == 'superscript' else f'[{no}]'}</sup>"


def _paragraph_html(b: dict, anchors: dict[int, str], marker: str) -> str:
    """The paragraph's text with its lead in <b> and a <sup> marker after each note's anchor."""
    text, lead = b["text"], b.get("lead")
    cuts = []
    at = 0
    for no in b["footnote_refs"]:
        k = text.find(anchors[no], at)
        if k < 0:
            raise ValueError(f"anchor of footnote {no} not in its paragraph: {anchors[no]!r}")
        at = k + len(anchors[no])
        cuts.append((at, no))
    lead_end = len(lead) if lead and text.startswith(lead) else 0
    out, start = [], 0
    for pos in sorted({0, lead_end, len(text), *(c for c, _ in cuts)}):
        if pos > start:
            piece = _e(text[start:pos])
            out.append(f"<b>{piece}</b>" if start < lead_end else piece)
            start = pos
        out += [_marker(no, marker) for c, no in cuts if c == pos]
    return "".join(out)


def _table_html(pt, lay: dict) -> str:
    n = len(pt.fields)
    centre = [COLUMN_LOOK[f][1] for f, _ in pt.fields]
    cat_col = next((j for j, (f, _) in enumerate(pt.fields) if f == "category"), None)
    out = ['<div class="tbl"><div class="thead-block">']
    label, title = label_and_title(pt, lay)
    if label:
        out.append(f'<p class="tlabel">{_e(label)}</p>')
    out.append(f'<p class="ttitle">{_e(title)}</p></div>')
    out.append('<table class="t"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in pt.header)
               + "</tr></thead><tbody>")
    spans: dict[int, int] = {}            # first row index of a category group → its row count
    if cat_col is not None and pt.kind == "indicators":
        k = 0
        while k < len(pt.rows):
            end = k
            while end + 1 < len(pt.rows) and pt.rows[end + 1].get("category") == pt.rows[k].get("category"):
                end += 1
            spans[k] = end - k + 1
            k = end + 1
    for k, (r, cells, above, _) in enumerate(rows_as_printed(pt)):
        if above:
            out.append(f'<tr><td class="span" colspan="{n}">{_e(above)}</td></tr>')
        tds = []
        for j, text in enumerate(cells):
            if j == cat_col and pt.kind == "indicators":
                if k in spans:
                    tds.append(f'<td class="c" rowspan="{spans[k]}">{_e(r.get("category") or "")}</td>')
                continue
            cls = ' class="c"' if centre[j] else ""
            tds.append(f"<td{cls}>{_e(text)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    if pt.note:
        out.append(f'<p class="tnote">{_e(pt.note)}</p>')
    out.append("</div>")
    return "\n".join(out)


def notice_html(golden: dict, style: Style) -> str:
    """The whole notice as one HTML document."""
    lay = layout_of(golden)
    notice = golden["notice"]
    tables = printed_tables(golden)
    attachments = notice.get("attachments") or []
    body: list[str] = [f'<p class="title">{_e(notice["title"])}</p>']
    paras = [b for b in golden["narrative"] if b["part"] == "notice"]
    for k, b in enumerate(paras):
        text = _e(b["text"])
        if k == 0 and b["text"].endswith("："):
            body.append(f'<p class="left">{text}</p>')
        elif k == len(paras) - 2:
            body.append(f'<p class="right issuer">{text}</p>')
        elif k == len(paras) - 1:
            body.append(f'<p class="right date">{text}</p>')
        elif re.match(r"^\d+、", b["text"]):
            body.append(f'<p class="item">{text}</p>')
        else:
            body.append(f'<p class="para">{text}</p>')

    def table_block(heading, title):
        out = ['<div class="newpage tables">']
        if heading:
            out.append(f'<p class="left">{_e(heading)}</p>')
        if title:
            out.append(f'<p class="title">{_e(title)}</p>')
        out += [_table_html(pt, lay) for pt in tables]
        out.append("</div>")
        return "\n".join(out)

    if lay["tables_at"] == "front":
        body.append(table_block("附件1", attachments[0] if attachments else None))
        report_label = "附件2"
    else:
        report_label = "附件1" if len(attachments) > 1 else ("附件" if attachments else None)
    body.append('<div class="newpage">')
    if report_label:
        body.append(f'<p class="left">{report_label}</p>')
    anchors = {f["no"]: f["anchor"] for f in golden["footnotes"]}
    inside = {pt.after_para: pt for pt in tables} if lay["tables_at"] == "body" else {}
    report = [(i, b) for i, b in enumerate(golden["narrative"]) if b["part"] == "report"]
    first_heading = next((k for k, (_, b) in enumerate(report) if b["kind"] == "heading"), len(report))
    for k, (i, b) in enumerate(report):
        text = b["text"]
        if k == 0:
            body.append(f'<p class="title">{_e(text)}</p>')
        elif k < first_heading and under_title(text):
            body.append(f'<p class="sub">{_e(text)}</p>')
        elif k < first_heading and text.endswith("：") and len(text) <= 10:
            body.append(f'<p class="left" style="margin-top:1em">{_e(text)}</p>')
        elif b["kind"] == "heading":
            body.append(f'<p class="h l{b["level"]}">{_e(text)}</p>')
        else:
            body.append(f'<p class="para">{_paragraph_html(b, anchors, style.marker)}</p>')
        if i in inside:
            body.append(_table_html(inside[i], lay))
    if golden["footnotes"]:
        body.append('<p class="notes-head left" style="margin-top:0.5em">注释：</p>')
        body += [f'<p class="note">{n["no"]}．{_e(n["text"])}</p>' for n in golden["footnotes"]]
    body.append("</div>")
    if lay["tables_at"] == "end":
        body.append(table_block("附件2" if len(attachments) > 1 else None,
                                attachments[1] if len(attachments) > 1 else None))
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>'
            + _e(notice["title"]) + "</title><style>" + _css(style) + "</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _footer(style: Style) -> str:
    text = ('第 <span class="pageNumber"></span> 页' if style.page_numbers == "chinese"
            else '— <span class="pageNumber"></span> —')
    return (f'<div style="width:100%;display:flex;justify-content:center;font-size:11pt;'
            f'font-family:{FAMILIES[style.font]};margin-bottom:12mm"><span>{text}</span></div>')


def print_pdf(driver, golden: dict, values: list[dict], style: Style, path: Path, workdir: Path) -> Printed:
    """Write the notice as HTML beside `path`, load it in `driver` (a selenium chromium) and print it
    with DevTools' Page.printToPDF (the CSS @page size and margins, a page-number footer)."""
    if missing_fonts(style):
        raise FileNotFoundError(f"fonts missing (make test installs them): {missing_fonts(style)}")
    page = workdir / (path.stem + ".html")
    page.write_text(notice_html(golden, style), encoding="utf-8")
    driver.get(page.resolve().as_uri())
    driver.execute_script("return document.fonts.ready.then(() => true)")
    result = driver.execute_cdp_cmd("Page.printToPDF", {
        "preferCSSPageSize": True, "printBackground": False, "displayHeaderFooter": True,
        "headerTemplate": "<div></div>", "footerTemplate": _footer(style), "generateDocumentOutline": False,
        "generateTaggedPDF": False})
    path.write_bytes(base64.b64decode(result["data"]))
    return Printed(golden, values)
