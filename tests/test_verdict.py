"""Every notice gets a verdict in report.json: "complete", or "needs_review" with the reasons; the
summary line shows it and `extract --strict` fails a batch in which any notice needs review."""
import json

import pytest
from defects import DEFECTS

from pipeline.batch.summary import summary_line
from pipeline.cli import main
from pipeline.model.problems import DOUBT, of_kind, verdict
from pipeline.model.records import Problem

from conftest import NOTICES, ROOT
from pdfs import Doc, table


def test_verdict_counts_each_reason_once_in_order():
    problems = [Problem("check", "b"), Problem("tables", "a"), Problem("check", "b")]
    assert verdict(problems) == ("needs_review", ["b (×2)", "a"])
    assert verdict([]) == ("complete", [])


def test_shared_notice_is_complete_with_its_section_counts_as_source_issues(written):
    """baoshan-2022 prints (7项) over six rows and (10项) over nine, but its 序号 runs on into the
    next section without a gap: nothing was lost, the notice contradicts itself."""
    report = json.loads((written / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "complete"
    assert report["reasons"] == [] and report["problems"] == []
    issues = report["source_issues"]
    assert [(i["code"], i["reason"], i["page"]) for i in issues] == [
        ("section_count_printed", "section declares 7 projects, 6 listed", 7),
        ("section_count_printed", "section declares 10 projects, 9 listed", 7)]
    assert "序号 1–6" in issues[0]["evidence"] and "next row is 序号 7" in issues[0]["evidence"]


def test_a_declared_count_with_a_gap_in_its_numbers_stays_a_doubt():
    from pipeline.model.records import LogicalTable
    from pipeline.tables.kinds import classify, table_rows

    def section_problems(rows):
        t = LogicalTable(0, "表2", 2, ("序号", "项目名称", "总投资"), tuple(rows), (7,) * len(rows), ())
        _, _, problems = table_rows("n", [t], [classify(t)])
        return [(p.code.value, p.reason) for p in problems if p.code.value.startswith("section_count")]

    rows = [("（一）路网（3项）", "", ""), ("1", "甲路", "1.0"), ("2", "乙路", "2.0"),
            ("（二）建设（2项）", "", ""), ("4", "丙馆", "1.0"), ("5", "丁馆", "1.0")]
    assert section_problems(rows) == [("section_count", "section declares 3 projects, 2 listed")]   # 序号 3 is missing
    continuous = [r if r[0] not in ("4", "5") else (str(int(r[0]) - 1), *r[1:]) for r in rows]
    assert [code for code, _ in section_problems(continuous)] == ["section_count_printed"]
    last = rows[:3]                                     # the last section: nothing after it to show a gap
    assert [code for code, _ in section_problems(last)] == ["section_count"]


def _clean_notice(path):
    d = Doc()
    d.text(60, 80, "表1 主要目标完成情况", size=12)
    table(d, [60, 100, 220, 340, 460], 110, [["序号", "指标内容", "预期目标", "完成情况"],
                                               ["1", "地区生产总值", "增长6%", "增长6.5%"]])
    return d.save(path)


def test_summary_line_and_strict_exit(tmp_path, capsys):
    pdf = _clean_notice(tmp_path / "clean.pdf")
    out = tmp_path / "out"
    assert main(["extract", str(pdf), "--out", str(out), "--quiet", "--strict"]) == 0
    assert "complete" in capsys.readouterr().out
    assert json.loads((out / "clean" / "report.json").read_text(encoding="utf-8"))["status"] == "complete"

    assert main(["extract", str(ROOT / "raw" / "baoshan-2022.pdf"), "--out", str(out), "--quiet", "--strict"]) == 0
    assert "complete (2 source issues in report)" in capsys.readouterr().out

    broken = tmp_path / "broken.pdf"        # a footnote whose marker is gone: a doubt
    d = Doc()
    d.text(60, 80, "表1 主要目标完成情况", size=12)
    table(d, [60, 100, 220, 340, 460], 110, [["序号", "指标内容", "预期目标", "完成情况"],
                                               ["1", "地区生产总值", "增长6%", "增长6.5%"]])
    d.hline(60, 200, 760)
    d.text(60, 770, "1 绿道：指沿河道设置的慢行道。", size=9)
    d.save(broken)
    assert main(["extract", str(broken), "--out", str(out), "--quiet", "--strict"]) == 1
    captured = capsys.readouterr()
    assert "needs_review (1 doubt in report)" in captured.out
    assert "need review (--strict): broken" in captured.err


def test_summary_counts_what_was_written(tmp_path, monkeypatch, extractions):
    """A row the schema check leaves out (here a repeated primary key) is not counted as written,
    and the summary line says how many were left out."""
    from dataclasses import replace

    from pipeline import api
    from pipeline.checks.schema import validated
    ex = extractions["baoshan-2022"]
    indicators = ex.tables["indicators"]
    ex = validated(replace(ex, tables={**ex.tables, "indicators": [*indicators, indicators[0]]}, validated=False))
    monkeypatch.setattr(api, "extract", lambda pdf, **options: ex)
    s = api.extract_to(ROOT / "raw" / "baoshan-2022.pdf", tmp_path)
    assert s.counts["indicators"] == len(ex.tables["indicators"]) == len(indicators) == 50
    assert s.left_out == 1
    assert "50 indicators" in summary_line(s) and "1 row left out by the schema check" in summary_line(s)
    report = json.loads((tmp_path / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["indicators"] == 50
    assert any("repeats the primary key" in p["reason"] for p in report["problems"])


def test_every_problem_the_pipeline_raises_has_a_code():
    """A problem without a code would count as a doubt whatever it says: each call names its code."""
    import ast

    from pipeline.model.problems import Code
    missing = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
                codes = [k.value for k in node.keywords if k.arg == "code"]
                if not codes:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []
    assert all(c.kind in ("doubt", "source", "confirmed", "note", "tool") for c in Code)


# ------------------------------------------------------------------ defects injected

@pytest.fixture(scope="module")
def loaded(backend):
    """Each shared notice loaded once per backend and extracted as it is."""
    from pipeline.api import extract_document
    from pipeline.load.document import load_pdf
    from pipeline.settings import DEFAULT
    docs = {n: load_pdf(ROOT / "raw" / f"{n}.pdf", DEFAULT, backend=backend) for n in NOTICES}
    return {n: (doc, extract_document(doc)) for n, doc in docs.items()}


def needs_review_at(ex, page: int, what: str) -> None:
    """The verdict a defect must give: needs_review, with a doubt on the page of the defect."""
    found = [(p.reason, p.page) for p in of_kind(ex.problems, DOUBT)]
    assert verdict(ex.problems)[0] == "needs_review", what
    assert page in {p for _, p in found}, (what, page, found)


@pytest.mark.parametrize("defect", list(DEFECTS))
@pytest.mark.parametrize("notice_id", NOTICES)
def test_a_defect_in_a_shared_notice_is_a_doubt_on_its_page(loaded, notice_id, defect):
    from pipeline.api import extract_document
    doc, ex = loaded[notice_id]
    assert verdict(ex.problems) == ("complete", [])
    for turn in range(2):                       # two places of each defect
        changed, page, what = DEFECTS[defect](doc, ex, turn)
        needs_review_at(extract_document(changed), page, what)
