"""The typesetting matrix: both ground-truth notices typeset in many styles (tests/render.py), each
PDF run through the pipeline and scored against the ground truth its style implies, with the
project's shared scorer (../shared/tools/score.py).

A style the pipeline does not read yet is marked xfail(strict=True) with what fails: the mark
fails the suite once the pipeline reads it, so it is removed with the fix."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pikepdf
import pytest

from conftest import NOTICES, ROOT, expected_values, golden
from pdfs import Doc
from render import MM, Printed, Style, derive, missing_fonts, render

SCORER = ROOT.parent / "shared" / "tools" / "score.py"
NARROW = (25 * MM, 25 * MM, 22 * MM, 22 * MM)
WIDE = (45 * MM, 40 * MM, 35 * MM, 35 * MM)

# Every value of every axis is tested by at least one style; README "Layout variations supported"
# lists them.
STYLES = [
    Style("plain"),
    Style("stsong", font="stsong"),
    Style("cell_boxes", rules="cells"),
    Style("sans_small", font="sans", body_size=12, table_size=9, margins=NARROW),
    Style("kai_ragged", font="kai", justify=False, body_size=14, table_size=10.5),
    Style("first_row", category="first_row"),
    Style("group_rows", category="group_rows"),
    Style("unit_column", units="column"),
    Style("wan_yuan", units="header", extra_columns=True),
    Style("two_row_header", header_rows=2),
    Style("circled", marker="circled"),
    Style("bracketed", marker="bracketed", bold_ink=True),
    Style("landscape", orientation="landscape", table_size=10.5),
    Style("rotated", orientation="rotate"),
    Style("alternate_numbers", page_numbers="alternate", margins=WIDE),
    Style("chinese_numbers", page_numbers="chinese"),
    Style("three_line", rules="three_line", category="first_row"),
    Style("three_line_merged", rules="three_line"),
    Style("no_rules", rules="none", category="first_row"),
    Style("another_district", font="sans", rules="three_line", category="group_rows", units="column",
          header_rows=2, marker="bracketed", page_numbers="alternate", extra_columns=True),
    # unseen combinations: axes the styles above test one at a time, set together (each found or
    # guards a bug the single-axis styles did not show)
    Style("grid_district", category="group_rows", units="column", header_rows=2, extra_columns=True,
          marker="bracketed", orientation="landscape", page_numbers="alternate", table_size=10.5),
    Style("kai_circled_rotated", font="kai", justify=False, body_size=14, table_size=10.5, category="first_row",
          units="column", header_rows=2, marker="circled", orientation="rotate", page_numbers="chinese"),
    Style("stsong_cell_groups", font="stsong", rules="cells", category="group_rows", units="header",
          extra_columns=True, marker="bracketed", margins=WIDE),
]

# (style, notice or None for both, backend or None for both) → what fails, for whoever fixes it.
XFAIL: dict[tuple[str, str | None, str | None], str] = {}    # every style reads exactly today

METRICS = ("table_rows_found", "table_cells_exact", "paragraphs_exact", "leads_exact", "footnotes_text_exact",
           "footnotes_linked", "values_found", "values_base_ok")


def _scorer():
    if not SCORER.exists():
        raise FileNotFoundError(f"the shared scorer is expected beside the clone: {SCORER}")
    spec = importlib.util.spec_from_file_location("shared_score", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def typeset_style(cache: Path, style: Style, notice_id: str, pdf: Path) -> Printed:
    """Typeset `notice_id` in `style` into `pdf`, through a cache that outlives the session: `make
    test` runs the suite twice (once per PDF backend) and typesetting is half of a style's cost.
    The key covers everything the PDF depends on: the renderer's source, the style, the golden."""
    sources = sorted({render.__code__.co_filename, Doc.__init__.__code__.co_filename})     # render.py, pdfs.py
    recipe = (*(Path(f).read_bytes() for f in sources), repr(style).encode(),
              json.dumps([golden(notice_id), expected_values(notice_id)], sort_keys=True).encode())
    digest = hashlib.sha256(b"\0".join(recipe)).hexdigest()[:24]
    cached = cache / f"{style.name}-{notice_id}-{digest}.pdf"
    if not cached.exists():
        for stale in cache.glob(f"{style.name}-{notice_id}-*.pdf"):
            stale.unlink()
        partial = cached.with_suffix(f".{os.getpid()}.part")     # never a half-written PDF in the cache
        render(golden(notice_id), expected_values(notice_id), style, partial)
        partial.replace(cached)
    shutil.copyfile(cached, pdf)
    return derive(golden(notice_id), expected_values(notice_id), style)


@pytest.fixture(scope="session")
def typeset(tmp_path_factory, pytestconfig, backend):
    """style, notice → (PDF, scores, extraction): each typeset (or taken from the cache of typeset
    PDFs), extracted with each backend and scored once per session and backend."""
    from pipeline.api import extract_document
    from pipeline.load.document import load_pdf
    from pipeline.output.write import write_extraction
    from pipeline.settings import DEFAULT
    score = _scorer()
    root = tmp_path_factory.mktemp(f"matrix-{backend}")
    cache = pytestconfig.cache.mkdir("typeset") if getattr(pytestconfig, "cache", None) else root   # -p no:cacheprovider
    done: dict[tuple[str, str], tuple] = {}
    loaded: dict[tuple[str, str], object] = {}      # the loaded document, for the defects injected into it

    def get(style: Style, notice_id: str):
        key = (style.name, notice_id)
        if key not in done:
            folder = root / style.name
            folder.mkdir(exist_ok=True)
            pdf = folder / f"{notice_id}.pdf"
            printed = typeset_style(cache, style, notice_id, pdf)
            values = folder / f"{notice_id}.values.json"
            values.write_text(json.dumps(printed.values, ensure_ascii=False), encoding="utf-8")
            doc = load_pdf(pdf, DEFAULT, backend=backend)
            ex = extract_document(doc)
            loaded[key] = doc
            write_extraction(ex, folder)
            problems, out = [], {}
            score.score_tables(printed.golden, folder / notice_id, problems, out)
            score.score_narrative(printed.golden, folder / notice_id, problems, out)
            score.score_values(values, folder / notice_id, problems, out)
            assert not problems, problems
            done[key] = (pdf, out, ex)
        return done[key]

    get.loaded = loaded
    return get


def _cases():
    for style in STYLES:
        for notice_id in NOTICES:
            # one style's tests on one pytest-xdist worker: its extraction is made there once
            yield pytest.param(style, notice_id, id=f"{style.name}-{notice_id}",
                               marks=pytest.mark.xdist_group(f"matrix-{style.name}"))


def _expect_failure(request, style: Style, notice_id: str, backend: str) -> None:
    """A style listed in XFAIL for this notice and backend is a strict xfail: it goes with the fix."""
    reason = next((r for (s, n, b), r in XFAIL.items()
                   if s == style.name and n in (None, notice_id) and b in (None, backend)), None)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("style, notice_id", list(_cases()))
def test_style_reads_exactly(request, typeset, backend, style, notice_id):
    _expect_failure(request, style, notice_id, backend)
    assert not missing_fonts(style), f"fonts missing (make test installs them): {missing_fonts(style)}"
    _, scores, _ = typeset(style, notice_id)
    wrong = {k: round(scores[k], 4) for k in METRICS if scores[k] != 1.0}
    misses = scores["_table_misses"][:6] + scores["_value_misses"][:4]
    assert not wrong and scores["table_rows_spurious"] == 0, (wrong, scores["table_rows_spurious"], misses)


def test_every_axis_value_has_a_style():
    import dataclasses
    axes = {"rules": {"grid", "cells", "three_line", "none"}, "category": {"merged", "first_row", "group_rows"},
            "units": {"cell", "column", "header"}, "header_rows": {1, 2},
            "marker": {"superscript", "circled", "bracketed"}, "orientation": {"portrait", "landscape", "rotate"},
            "page_numbers": {"dash", "alternate", "chinese"}, "justify": {True, False},
            "font": {"stsong", "serif", "sans", "kai"}, "extra_columns": {True, False}, "bold_ink": {True, False}}
    for axis, values in axes.items():
        assert {getattr(s, axis) for s in STYLES} == values, axis
    for axis in ("body_size", "table_size", "margins"):
        assert len({getattr(s, axis) for s in STYLES}) >= 3, axis
    assert {f.name for f in dataclasses.fields(Style)} == {*axes, "name", "body_size", "table_size", "margins"}
    assert len(STYLES) >= 16 and len({s.name for s in STYLES}) == len(STYLES)


# ------------------------------------------------------------------ the renderer itself

@pytest.mark.parametrize("notice_id", NOTICES)
def test_plain_style_is_the_golden_itself(typeset, extractions, notice_id):
    """The plain style prints the golden unchanged, and the pipeline reads it as it reads the shared
    notice: the same rows, paragraphs and footnotes (pages aside), so the renderer can be trusted."""
    plain = STYLES[0]
    printed = derive(golden(notice_id), expected_values(notice_id), plain)
    assert printed.golden == golden(notice_id) and printed.values == expected_values(notice_id)
    _, scores, ex = typeset(plain, notice_id)
    assert all(scores[k] == 1.0 for k in METRICS), scores
    ours, shared = ex.tables, extractions[notice_id].tables
    same = ("title", "issuer", "issue_date", "plan_year", "review_year")
    assert [getattr(ours["notices"][0], k) for k in same] == [getattr(shared["notices"][0], k) for k in same]
    def content(rows):      # where a row was printed (pages, boxes, printed row numbers) aside
        layout = {"page", "page_first", "page_last", "source_row", "x0", "top", "x1", "bottom"}
        return [{k: v for k, v in asdict(r).items() if k not in layout and "box" not in k} for r in rows]

    for table in ("indicators", "projects", "indicator_values", "paragraphs"):
        assert content(ours[table]) == content(shared[table]), table
    assert [(f.footnote_no, f.text, f.para_id, f.anchor) for f in ours["footnotes"]] == \
        [(f.footnote_no, f.text, f.para_id, f.anchor) for f in shared["footnotes"]]


@pytest.mark.once
def test_unit_column_moves_single_units_out_of_the_cells():
    printed = derive(golden("baoshan-2022"), expected_values("baoshan-2022"), Style("u", units="column"))
    rows = {(t["table_no"], r["seq"]): r for t in printed.golden["tables"] for r in t["rows"]}
    assert (rows[(1, 5)]["target_text"], rows[(1, 5)]["actual_text"]) == ("25", "达到25")
    assert printed.units[(1, 5)] == "家"
    assert rows[(1, 1)]["actual_text"] == "1725.56亿元，增长6.5%"      # two quantities: unchanged
    assert (1, 1) not in printed.units
    assert printed.values == expected_values("baoshan-2022")           # the same quantities are printed


@pytest.mark.once
def test_table_pages_turned_or_wide(typeset):
    for name, check in (("rotated", lambda p: p.Rotate == 90 and float(p.MediaBox[3]) > float(p.MediaBox[2])),
                        ("landscape", lambda p: int(p.obj.get("/Rotate", 0)) == 0 and float(p.MediaBox[2]) > float(p.MediaBox[3]))):
        pdf, _, _ = typeset(next(s for s in STYLES if s.name == name), NOTICES[0])
        with pikepdf.open(pdf) as doc:
            turned = [i for i, p in enumerate(doc.pages, start=1) if check(p)]
            assert turned and turned[0] == 2, (name, turned)       # 附件1 starts on page 2
            assert all(not check(p) for p in doc.pages[turned[-1]:]), name


@pytest.mark.once
def test_truetype_fonts_are_embedded(typeset):
    for name in ("plain", "sans_small", "kai_ragged"):
        pdf, _, _ = typeset(next(s for s in STYLES if s.name == name), NOTICES[0])
        with pikepdf.open(pdf) as doc:
            fonts = {str(f.BaseFont): f for p in doc.pages for f in p.Resources.Font.values()
                     if str(f.get("/Subtype")) == "/TrueType"}
            assert any(n.endswith("-Bold") for n in fonts) and len(fonts) > 2, name
            assert all("/FontFile2" in f.FontDescriptor for f in fonts.values()), name


# ------------------------------------------------------------------ the verdict and the review page

@pytest.mark.parametrize("style, notice_id", list(_cases()))
def test_style_is_complete_and_its_review_page_is_written(typeset, style, notice_id):
    """Every exact rendering is `complete` (its source issues aside), and its review page is written
    whatever columns its tables have (a field a row record lacks is shown as the cell's text): the
    page is made over blank page images, as the overlays, not the images, are what could fail."""
    from pipeline.model.problems import DOUBT, of_kind, verdict
    from pipeline.output.review import review_html
    pdf, _, ex = typeset(style, notice_id)
    assert verdict(ex.problems)[0] == "complete", [(p.reason, p.page, p.text[:60]) for p in of_kind(ex.problems, DOUBT)]
    with pikepdf.open(pdf) as doc:
        sizes = [(float(p.mediabox[2]), float(p.mediabox[3])) for p in doc.pages]
    page = review_html(ex, [(n, w, h, BLANK_PNG) for n, (w, h) in enumerate(sizes, start=1)], pdf.name)
    cells = ex.tables["table_cells"]
    assert page.count('class="cell role-') == sum(c.x0 is not None for c in cells)
    assert 'id="verdict">complete<' in page


BLANK_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def _defect_cases():
    """One injected defect per style, the notice and the defect taken in turn: a third of a second
    pass over the matrix, without loading or typesetting again."""
    from defects import DEFECTS
    for k, style in enumerate(STYLES):
        notice_id = NOTICES[k % len(NOTICES)]
        defect = list(DEFECTS)[k % len(DEFECTS)]
        yield pytest.param(style, notice_id, defect, k, id=f"{style.name}-{notice_id}-{defect}",
                           marks=pytest.mark.xdist_group(f"matrix-{style.name}"))


@pytest.mark.parametrize("style, notice_id, defect, turn", list(_defect_cases()))
def test_a_defect_injected_is_a_doubt_on_its_page(typeset, style, notice_id, defect, turn):
    from defects import DEFECTS
    from test_verdict import needs_review_at

    from pipeline.api import extract_document
    _, _, ex = typeset(style, notice_id)
    changed, page, what = DEFECTS[defect](typeset.loaded[(style.name, notice_id)], ex, turn)
    needs_review_at(extract_document(changed), page, what)
