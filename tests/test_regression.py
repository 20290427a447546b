"""End-to-end regression: every indicator and project row, the values in the indicator cells,
the notice metadata, headings, footnotes and stitched paragraphs of both shared notices."""
import csv
import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest

from conftest import NOTICES, expected_values, golden


def norm(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def pairs(extractions, notice_id, kind):
    """(golden table, golden row, extracted row) for every golden row of one kind; no row left over."""
    rows = {(r.table_no, r.seq): r for r in extractions[notice_id].tables[kind]}
    want = [(t, r) for t in golden(notice_id)["tables"] if t["kind"] == kind for r in t["rows"]]
    assert len(rows) == len(want)
    for t, r in want:
        got = rows[(t["table_no"], r["seq"])]
        assert got.year == t["year"]
        yield t, r, got


@pytest.mark.parametrize("notice_id", NOTICES)
def test_every_indicator_row(extractions, notice_id):
    for t, r, got in pairs(extractions, notice_id, "indicators"):
        for f in ("category", "indicator", "target_text"):
            assert norm(getattr(got, f)) == norm(r[f]), (t["table_no"], r["seq"], f)
        if r["actual_text"] is None:
            assert got.actual_text is None
        else:
            assert norm(got.actual_text) == norm(r["actual_text"])


@pytest.mark.parametrize("notice_id", NOTICES)
def test_every_project_row(extractions, notice_id):
    for t, r, got in pairs(extractions, notice_id, "projects"):
        for f in ("section", "section_no", "section_declared_count", "name", "target_stage"):
            assert norm(str(getattr(got, f))) == norm(str(r[f])), (t["table_no"], r["seq"], f)
        assert got.investment_yi == pytest.approx(r["investment_yi"])
        assert got.investment_cny == Decimal(str(r["investment_yi"])) * 100_000_000
        assert (got.progress_text is None) == (r["progress_text"] is None)
        assert norm(got.progress_text) == norm(r["progress_text"])


def test_known_rows_spelled_out(extractions):
    """A few rows written out in full, so a reader sees what the golden comparison means."""
    ind = {(r.table_no, r.seq): r for r in extractions["baoshan-2022"].tables["indicators"]}
    assert ind[(1, 1)].actual_text == "1725.56亿元，增长6.5%"
    assert ind[(1, 9)].category == "科创中心建设指标"       # merged cell carried onto page 3
    assert ind[(1, 23)].category == "民生保障指标" and ind[(1, 23)].page == 4
    assert ind[(3, 1)].actual_text is None and ind[(3, 1)].year == 2022
    prj = {(r.table_no, r.seq): r for r in extractions["baoshan-2022"].tables["projects"]}
    assert prj[(2, 2)].progress_pct == 80.0
    assert prj[(4, 7)].section == "重大基础建设" and prj[(4, 7)].section_declared_count == 10


@pytest.mark.parametrize("notice_id", NOTICES)
def test_indicator_values(extractions, notice_id):
    rows = extractions[notice_id].tables["indicator_values"]
    for e in expected_values(notice_id):
        cands = [r for r in rows if (r.table_no, r.seq, r.measure) == (e["table_no"], e["seq"], e["measure"])
                 and r.value == pytest.approx(e["value"]) and norm(r.unit) == e["unit"]]
        assert cands, e
        assert any(r.kind == e["kind"] and float(r.base_value) == pytest.approx(e["base_value"])
                   and r.base_unit == e["base_unit"] for r in cands), e


def test_values_are_aligned_to_indicator_parts(extractions):
    rows = extractions["baoshan-2022"].tables["indicator_values"]
    seq3 = [r for r in rows if (r.table_no, r.seq, r.measure) == (1, 3, "target")]
    assert [(r.part, r.indicator_part, r.raw) for r in seq3] == [
        (1, "全社会固定资产投资总额", "630亿元"), (2, "工业固定资产投资额", "150亿元"), (2, "工业固定资产投资额", "50%")]
    seq20 = [r for r in rows if (r.table_no, r.seq, r.measure) == (1, 20, "target")]
    assert seq20[0].base_value == Decimal("14600") and seq20[0].qualifier == "控制在…以内"
    seq10 = [r for r in rows if (r.table_no, r.seq, r.measure) == (1, 10, "actual")]
    assert [r.value for r in seq10] == [26.3] and seq10[0].note.startswith("（4月起")


@pytest.mark.parametrize("notice_id", NOTICES)
def test_notice_metadata(extractions, notice_id):
    got = extractions[notice_id].tables["notices"][0]
    want = golden(notice_id)["notice"]
    assert got.title == want["title"]
    assert got.issuer == want["issuer"]
    assert got.district == want["district"]
    assert got.issue_date == dt.date.fromisoformat(want["issue_date"])
    assert (got.plan_year, got.review_year) == (want["plan_year"], want["review_year"])


@pytest.mark.parametrize("notice_id", NOTICES)
def test_paragraphs_headings_and_leads(extractions, notice_id):
    got = extractions[notice_id].tables["paragraphs"]
    want = golden(notice_id)["narrative"]
    assert [norm(p.text) for p in got] == [norm(p["text"]) for p in want]
    assert [(p.kind, p.part) for p in got] == [(p["kind"], p["part"]) for p in want]
    assert [p.level for p in got if p.kind == "heading"] == [p["level"] for p in want if p["kind"] == "heading"]
    assert [norm(p.lead) for p in got] == [norm(p["lead"]) for p in want]
    assert [p.footnote_refs for p in got] == [",".join(map(str, p["footnote_refs"])) for p in want]


def test_stitched_paragraphs_and_sections(extractions):
    paras = extractions["baoshan-2022"].tables["paragraphs"]
    by_start = {p.text[:12]: p for p in paras}
    p = by_start["创新发展新引擎加速打造。"]
    assert (p.page_first, p.page_last) == (10, 11)      # cut by the page break after 总数达1106
    assert "总数达1106家" in p.text and "1初步" not in p.text
    assert p.section_path == "一、2021年宝山区国民经济和社会发展总体情况 / （一）坚持赋能转型，科创宝山谋篇起势"
    assert p.lead == "创新发展新引擎加速打造。"
    heading = next(x for x in paras if x.text.startswith("（三）牢牢把握北上海"))
    assert heading.text.endswith("城市功能能级") and heading.level == 2


@pytest.mark.parametrize("notice_id", NOTICES)
def test_footnotes(extractions, notice_id):
    ex = extractions[notice_id]
    paras = {p.para_id: norm(p.text) for p in ex.tables["paragraphs"]}
    got = {f.footnote_no: f for f in ex.tables["footnotes"]}
    want = golden(notice_id)["footnotes"]
    assert sorted(got) == [f["no"] for f in want]
    for f in want:
        assert norm(got[f["no"]].text) == norm(f["text"])
        assert norm(f["anchor"]) in paras[got[f["no"]].para_id]
        assert norm(got[f["no"]].anchor) in paras[got[f["no"]].para_id]


@pytest.mark.parametrize("notice_id", NOTICES)
def test_facts_recall(extractions, notice_id):
    facts = extractions[notice_id].tables["facts"]
    got = {(norm(f.raw), f.value, norm(f.unit)) for f in facts}
    want = golden(notice_id)["facts"]
    missed = [f["raw"] for f in want if (norm(f["raw"]), f["value"], norm(f["unit"])) not in got]
    assert missed == []         # every labelled fact, not a share of them: a lost fact is a lost row


def test_fact_subjects(extractions):
    facts = extractions["baoshan-2022"].tables["facts"]
    subjects = {f.raw: f.subject for f in facts}
    assert subjects["380家"] == "高新技术企业"
    assert subjects["32.75亿元"] == "技术合同成交额"
    assert subjects["1.6倍"] == "技术合同成交额"       # 同比增长1.6倍: the growth of what was just measured
    assert subjects["8个"] == "重大创新项目"           # the noun a count is of, after its classifier
    assert subjects["1.4万个"] == "岗位"
    assert "一一个" not in subjects                   # 唯一一个 is not eleven of anything


@pytest.mark.parametrize("notice_id", NOTICES)
def test_table_notes(extractions, notice_id):
    got = [(n.table_no, norm(n.text)) for n in extractions[notice_id].tables["table_notes"]]
    assert got == [(n["table_no"], norm(n["text"])) for n in golden(notice_id)["table_notes"]]


def test_report_names_the_section_count_mismatch(extractions):
    problems = extractions["baoshan-2022"].problems
    assert any(p.table_no == 4 and "declares 7" in p.reason and "6 listed" in p.reason for p in problems)


@pytest.mark.parametrize("notice_id", NOTICES)
def test_written_csv_and_parquet_agree(written, notice_id):
    import pyarrow.parquet as pq
    folder = written / notice_id
    for table in ("indicators", "projects", "indicator_values", "paragraphs", "footnotes", "facts", "table_cells",
                  "table_notes"):
        with open(folder / f"{table}.csv", newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        pt = pq.read_table(folder / f"{table}.parquet")
        assert pt.num_rows == len(rows)
        assert pt.column_names == list(rows[0].keys())
    pt = pq.read_table(folder / "projects.parquet")
    assert str(pt.schema.field("investment_cny").type) == "decimal128(38, 6)"
    assert str(pt.schema.field("seq").type) == "int64"
    assert pq.read_table(folder / "notices.parquet").column("issue_date").type.__str__() == "date32[day]"
