"""The review page of each shared notice in a real browser (headless chromium): one box per table
cell, a line from every footnote marker to its note, every problem in red on its page, layer
toggles, overlay colours where the cells are; and a notice full of script payloads runs none."""
import csv
import io
import json
from collections import Counter

import pytest
from PIL import Image
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from pipeline.api import review_to, write_review
from pipeline.output.review import ROLES

from conftest import NOTICES, ROOT
from pdfs import HOSTILE_NAME, PAYLOADS, hostile_notice

pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def pages(written, extractions):
    """Each notice's review page, written beside its outputs."""
    return {n: write_review(extractions[n], ROOT / "raw" / f"{n}.pdf", written / n) for n in NOTICES}


def _open(browser, path, fragment=""):
    browser.get(path.resolve().as_uri() + fragment)
    return browser


def _csv(path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


@pytest.mark.parametrize("notice_id", NOTICES)
def test_one_box_per_cell_in_its_role(browser, pages, written, notice_id):
    cells = _csv(written / notice_id / "table_cells.csv")
    b = _open(browser, pages[notice_id])
    boxes = b.find_elements(By.CSS_SELECTOR, "rect.cell")
    assert len(boxes) == len(cells)
    assert Counter(e.get_attribute("data-role") for e in boxes) == Counter(c["role"] for c in cells)
    assert {r["role"] for r in cells} >= {"header", "category", "section", "data"}
    # each box sits where its row of table_cells says, on its page, and names what the cell became
    for c in cells[:: max(1, len(cells) // 25)]:
        box = b.find_element(By.ID, f"cell-{c['table_index']}-{c['page']}-{c['row']}-{c['col']}")
        page = box.find_element(By.XPATH, "ancestor::*[local-name()='svg']").get_attribute("data-page")
        assert page == c["page"]
        assert float(box.get_attribute("x")) == pytest.approx(float(c["x0"]), abs=0.06)
        assert float(box.get_attribute("y")) == pytest.approx(float(c["top"]), abs=0.06)
        tip = box.find_element(By.TAG_NAME, "title").get_attribute("textContent")
        assert c["text"][:40] in tip
        if c["output"]:
            assert f"→ {c['output']} row seq {c['seq']}, field {c['field']}" in tip


def test_tooltip_names_the_typed_values(browser, pages, written):
    values = _csv(written / "baoshan-2022" / "indicator_values.csv")
    cells = _csv(written / "baoshan-2022" / "table_cells.csv")
    v = next(v for v in values if v["measure"] == "actual" and v["unit"] == "亿元")
    cell = next(c for c in cells if c["output"] == "indicators" and c["table_no"] == v["table_no"]
                and c["seq"] == v["seq"] and c["field"] == "actual_text")
    b = _open(browser, pages["baoshan-2022"])
    tip = b.find_element(By.ID, f"cell-{cell['table_index']}-{cell['page']}-{cell['row']}-{cell['col']}") \
        .find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert f"value: {v['raw']} = {float(v['value']):g} 亿元" in tip
    assert "CNY" in tip
    money = next(c for c in cells if c["field"] == "investment_yi" and c["text"])
    tip = b.find_element(By.ID, f"cell-{money['table_index']}-{money['page']}-{money['row']}-{money['col']}") \
        .find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert "亿元 = " in tip and "CNY" in tip


@pytest.mark.parametrize("notice_id", NOTICES)
def test_every_footnote_is_joined_to_its_marker(browser, pages, written, notice_id, extractions):
    footnotes = extractions[notice_id].tables["footnotes"]
    assert len(footnotes) == len(_csv(written / notice_id / "footnotes.csv")) > 0
    b = _open(browser, pages[notice_id])
    for i, f in enumerate(footnotes):
        lines = b.find_elements(By.CSS_SELECTOR, f'line.fn-link[data-fn="{i}"]')
        assert lines, f
        marker = b.find_element(By.ID, f"marker-{i}")
        page = marker.find_element(By.XPATH, "ancestor::*[local-name()='svg']").get_attribute("data-page")
        assert int(page) == f.marker_box[0]
        first = lines[0]      # the line starts at the marker (under its middle)
        assert float(first.get_attribute("x1")) == pytest.approx((f.marker_box[1] + f.marker_box[3]) / 2, abs=0.1)


@pytest.mark.parametrize("notice_id", NOTICES)
def test_every_problem_is_red_on_its_page(browser, pages, written, notice_id):
    report = json.loads((written / notice_id / "report.json").read_text(encoding="utf-8"))
    shown = report["problems"] + report["source_issues"]        # the shared notices have only source issues
    assert shown, "the shared notices have problems to show"
    b = _open(browser, pages[notice_id])
    assert b.find_element(By.ID, "verdict").text == report["status"]
    assert len(b.find_elements(By.CSS_SELECTOR, "#source-issues li")) == len(report["source_issues"])
    listed = b.find_elements(By.CSS_SELECTOR, "#problem-list li")
    assert len(listed) == len(shown)
    for i, p in enumerate(shown):
        assert p["reason"] in listed[i].text
        if "page" not in p:
            continue
        mark = b.find_element(By.CSS_SELECTOR, f'svg[data-page="{p["page"]}"] rect.problem[data-problem="{i}"]')
        assert mark.value_of_css_property("stroke") == "rgb(224, 0, 0)"
        assert p["reason"] in mark.find_element(By.TAG_NAME, "title").get_attribute("textContent")


def test_layer_toggles_hide_and_show(browser, pages):
    b = _open(browser, pages["baoshan-2022"])
    for layer, selector in (("cells", "rect.cell"), ("paragraphs", "rect.para"), ("footnotes", "line.fn-link"),
                            ("problems", "rect.problem"), ("furniture", "rect.furniture")):
        shown = [e for e in b.find_elements(By.CSS_SELECTOR, selector)][:3]
        assert shown and all(e.is_displayed() for e in shown), layer
        toggle = b.find_element(By.ID, f"show-{layer}")
        toggle.click()
        assert not any(e.is_displayed() for e in shown), layer
        others = b.find_elements(By.CSS_SELECTOR, "rect.cell" if layer != "cells" else "rect.para")[:1]
        assert others[0].is_displayed()       # only that layer goes
        toggle.click()
        assert all(e.is_displayed() for e in shown), layer


def test_screenshot_shows_the_cell_colours(browser, pages, written):
    cells = [c for c in _csv(written / "baoshan-2022" / "table_cells.csv") if c["table_index"] == "0"]
    page = cells[0]["page"]
    b = _open(browser, pages["baoshan-2022"], f"#page-{page}")
    b.execute_script("document.getElementById(arguments[0]).scrollIntoView()", f"page-{page}")
    shot = Image.open(io.BytesIO(b.get_screenshot_as_png())).convert("RGB")
    colours = shot.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50 and max(n for n, _ in colours) < 0.9 * shot.width * shot.height   # not blank
    checked = Counter()
    for c in cells:
        if c["page"] != page:
            continue
        r = b.execute_script("const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                             "return [r.left, r.top, r.right, r.bottom];",
                             f"cell-{c['table_index']}-{c['page']}-{c['row']}-{c['col']}")
        top, bottom = max(r[1], 0), min(r[3], shot.height)     # the part of the cell on screen
        if bottom - top < 12 or r[2] - r[0] < 12:
            continue
        # the commonest colour inside the cell (its background, not its text) is the role's colour
        # laid over the white page
        inside = shot.crop((int(r[0]) + 3, int(top) + 3, int(r[2]) - 3, int(bottom) - 3)).getcolors(1 << 16)
        background = max(inside)[1]
        want = _hex(ROLES[c["role"]])
        expected = tuple(255 + 0.28 * (w - 255) for w in want)
        assert all(abs(got - e) < 12 for got, e in zip(background, expected, strict=False)), (c, background, expected)
        checked[c["role"]] += 1
    assert checked["data"] > 5 and checked["header"] > 2 and checked["category"] >= 1


def test_script_payloads_show_as_text(browser, tmp_path):
    pdf = hostile_notice(tmp_path)
    page = review_to(pdf, tmp_path / "out")
    assert page.parent.name == HOSTILE_NAME
    b = _open(browser, page)
    browser.get_log("browser")                        # (earlier pages' entries)
    b.refresh()
    with pytest.raises(NoAlertPresentException):
        b.switch_to.alert.text  # noqa: B018  (reading it raises when there is no alert)
    assert [e for e in b.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    assert b.execute_script("return document.querySelectorAll('script, img, iframe, object, embed, b, "
                            "[onerror], [onmouseover], a[href^=\"javascript\"]').length") == 0
    assert b.execute_script("return [...document.querySelectorAll('a')].every(a => a.getAttribute('href')"
                            ".startsWith('#'))")
    assert b.find_element(By.TAG_NAME, "h1").text == PAYLOADS["title"]            # shown, as text
    assert HOSTILE_NAME + ".pdf" in b.find_element(By.CLASS_NAME, "source").text
    tips = b.execute_script("return [...document.querySelectorAll('title')].map(t => t.textContent).join('\\n')")
    for where in ("heading", "paragraph", "cell", "note"):
        assert PAYLOADS[where] in tips, where
    assert PAYLOADS["title"] in b.title
    assert len(b.find_elements(By.CSS_SELECTOR, "rect.cell")) == 6 and b.find_elements(By.CSS_SELECTOR, "line.fn-link")


def test_review_command_and_extract_flag(tmp_path, capsys):
    from pipeline.cli import main
    pdf = hostile_notice(tmp_path)
    assert main(["extract", str(pdf), "--out", str(tmp_path / "plain"), "--quiet"]) == 0
    assert (tmp_path / "plain" / HOSTILE_NAME / "report.json").exists()
    assert not (tmp_path / "plain" / HOSTILE_NAME / "review.html").exists()        # off unless asked
    assert main(["extract", str(pdf), "--out", str(tmp_path / "asked"), "--quiet", "--review"]) == 0
    page = (tmp_path / "asked" / HOSTILE_NAME / "review.html").read_text("utf-8")
    assert page.count('class="cell role-') == 6
    # by notice_id, from --raw
    assert main(["review", HOSTILE_NAME, "--raw", str(tmp_path), "--out", str(tmp_path / "by-id")]) == 0
    assert (tmp_path / "by-id" / HOSTILE_NAME / "review.html").read_text("utf-8") == page
    assert main(["review", "no-such-notice", "--raw", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "no-such-notice: no such PDF" in capsys.readouterr().err


def test_a_field_no_row_record_has_shows_the_cells_text(extractions):
    """A column kept in table_cells with a field its row record lacks (a 备注 column as `remark`)
    crashed the page with AttributeError; the page shows the cell's text and role instead."""
    import copy
    from dataclasses import replace

    from pipeline.output.review import review_html
    ex = copy.deepcopy(extractions["baoshan-2022"])
    cells = ex.tables["table_cells"]
    k = next(i for i, c in enumerate(cells) if c.output == "projects" and c.field == "name" and c.text)
    cells[k] = replace(cells[k], field="remark")
    page = review_html(ex, [(n, 595.0, 842.0, b"") for n in range(1, 40)], "x.pdf")
    assert "no field remark in the projects row" in page and cells[k].text[:20] in page


def test_a_failed_review_leaves_the_extraction_standing(tmp_path, monkeypatch, extractions):
    import copy

    from pipeline import api
    monkeypatch.setattr(api, "extract", lambda pdf, **options: copy.deepcopy(extractions["baoshan-2022"]))
    monkeypatch.setattr(api, "review_html", lambda *a, **k: (_ for _ in ()).throw(AttributeError("boom")))
    monkeypatch.setattr(api, "render_pages", lambda pdf, **frames: [])
    s = api.extract_to(ROOT / "raw" / "baoshan-2022.pdf", tmp_path, review=True)
    assert s.ok and s.status == "complete" and s.review_error == "AttributeError: boom"
    report = json.loads((tmp_path / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "complete" and report["review_failed"] == "AttributeError: boom"
    assert (tmp_path / "baoshan-2022" / "projects.csv").exists()
    from pipeline.batch.summary import summary_line
    assert "review page FAILED: AttributeError: boom" in summary_line(s)
