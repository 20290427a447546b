"""Every notice gets a verdict in report.json: "complete", or "needs_review" with the reasons; the
summary line shows it and `extract --strict` fails a batch in which any notice needs review."""
import json

from pipeline.batch.summary import summary_line
from pipeline.cli import main
from pipeline.model.records import Problem
from pipeline.output.write import verdict

from conftest import ROOT
from pdfs import Doc, table


def test_verdict_counts_each_reason_once_in_order():
    problems = [Problem("check", "b"), Problem("tables", "a"), Problem("check", "b")]
    assert verdict(problems) == ("needs_review", ["b (×2)", "a"])
    assert verdict([]) == ("complete", [])


def test_shared_notice_needs_review_for_its_section_count(written):
    report = json.loads((written / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "needs_review"
    assert report["reasons"] == ["section declares 7 projects, 6 listed", "section declares 10 projects, 9 listed"]


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

    assert main(["extract", str(ROOT / "raw" / "baoshan-2022.pdf"), "--out", str(out), "--quiet"]) == 0
    line = capsys.readouterr().out
    assert "needs_review (2 problems in report)" in line
    assert main(["extract", str(ROOT / "raw" / "baoshan-2022.pdf"), "--out", str(out), "--quiet", "--strict"]) == 1
    assert "need review (--strict): baoshan-2022" in capsys.readouterr().err


def test_summary_counts_what_was_written(tmp_path, monkeypatch, extractions):
    """A row the schema check leaves out (here a repeated primary key) is not counted as written,
    and the summary line says how many were left out."""
    import copy

    from pipeline import api
    ex = copy.deepcopy(extractions["baoshan-2022"])
    ex.tables["indicators"].append(ex.tables["indicators"][0])
    monkeypatch.setattr(api, "extract", lambda pdf, backend=None: ex)
    s = api.extract_to(ROOT / "raw" / "baoshan-2022.pdf", tmp_path)
    assert s.counts["indicators"] == len(ex.tables["indicators"]) - 1 == 50
    assert s.left_out == 1
    assert "50 indicators" in summary_line(s) and "1 row left out by the schema check" in summary_line(s)
    report = json.loads((tmp_path / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["indicators"] == 50
    assert any("repeats the primary key" in p["reason"] for p in report["problems"])
