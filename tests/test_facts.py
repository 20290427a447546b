"""Facts: every quantity of the report with the subject it measures (pipeline/subjects.py), and
no identifier counted as a quantity. Sentences here are written for the tests, not taken from the
shared notices, so each grammar rule is shown to hold beyond the two notices it was built on."""
import json
import re
import unicodedata

import pytest

from pipeline.model.rows import FactRow, ParagraphRow
from pipeline.quantities.facts import facts

from conftest import NOTICES, golden


def _facts(*sentences: str) -> list[FactRow]:
    paras = [ParagraphRow(notice_id="t", para_id=i, part="report", kind="paragraph", text=s, page_first=1,
                          page_last=1, source="text") for i, s in enumerate(sentences)]
    return facts(paras)


def _subjects(text: str) -> list[tuple[str, str | None]]:
    return [(f.raw, f.subject) for f in _facts(text)]


@pytest.mark.parametrize("text, expected", [
    # 1. a count followed by a noun phrase counts that noun
    ("今年引进12家总部企业。", [("12家", "总部企业")]),
    ("28个项目入选国赛。", [("28个", "项目")]),                       # a clause verb ends the noun phrase
    ("新建9个保障性租赁住房项目。", [("9个", "保障性租赁住房项目")]),
    #    and any quantity followed by 的 + noun phrase
    ("设立总规模20亿元的产业引导基金。", [("20亿元", "产业引导基金")]),
    # 2. a share names both of its terms
    ("数字经济占地区生产总值的比重达到26.3%。", [("26.3%", "数字经济占地区生产总值的比重")]),
    # 3. the noun phrase before the number, predicate and prefixes set aside
    ("全区常住人口达到220万人。", [("220万人", "常住人口")]),
    ("新增科技小巨人企业25家。", [("25家", "科技小巨人企业")]),
    ("引进海外人才300人。", [("300人", "海外人才")]),
    ("建成口袋公园12个。", [("12个", "口袋公园")]),
    ("规模以上工业总产值完成980.5亿元。", [("980.5亿元", "规模以上工业总产值")]),
    # 4. a measure followed by a noun phrase measures it
    ("改造120万平方米老旧小区。", [("120万平方米", "老旧小区")]),
    # 5. a clause of predicate and number continues the sentence
    ("农业总产值12.5亿元，同比增长3.2%。", [("12.5亿元", "农业总产值"), ("3.2%", "农业总产值")]),
    ("新建停车场10个，总数达120个。", [("10个", "停车场"), ("120个", "停车场")]),
    ("老旧小区加装电梯持续推进，新增80台。", [("80台", "电梯")]),
    ("区级税收保持高位增长，完成88亿元。", [("88亿元", "区级税收")]),
    # no subject rather than a wrong one
    ("集成电路、生物医药产业分别增长12%、9%。", [("12%", None), ("9%", None)]),
    ("比上年增长5%。", [("5%", None)]),
    ("帮助200名长期失业青年实现就业。", [("200名", None)]),
])
def test_subject_grammar(text, expected):
    assert _subjects(text) == expected


@pytest.mark.parametrize("text", [
    "落实“科创30条”，推进“十五分钟社区生活圈”和“15分钟体育生活圈”建设。",   # both shared notices
    "总量位列全市第10，增速位列全市第8名，比上年上升7位。",                  # both shared notices
    "推动“1+1+6”政策体系落地，编制“十四五”规划。",
    "轨道交通18号线开通，G1503公路改造完成。",
    "2021年3月1日印发《关于推进2022年重点工作的意见》。",
])
def test_identifiers_are_not_quantities(text):
    assert _facts(text) == []


def _norm(s) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


@pytest.mark.parametrize("notice_id", NOTICES)
def test_subjects_of_the_curated_facts(extractions, notice_id):
    """facts_subject_exact as ../shared/tools/score.py computes it: the share of curated facts whose row
    (same raw, value and unit, in the same sentence) names the labelled subject or an alternative."""
    rows = extractions[notice_id].tables["facts"]
    labelled = golden(notice_id)["facts"]
    right, wrong = 0, []
    for f in labelled:
        cands = [r for r in rows if _norm(r.raw) == _norm(f["raw"]) and abs(r.value - f["value"]) < 1e-9
                 and _norm(r.unit) == _norm(f["unit"])]
        near = [r for r in cands if _norm(f["context"]) + _norm(f["raw"]) in _norm(r.sentence)]
        want = {_norm(s) for s in [f["subject"], *f.get("subject_alternatives", [])]}
        if any(_norm(r.subject) in want for r in near or cands):
            right += 1
        else:
            wrong.append((f["raw"], f["subject"], [r.subject for r in near or cands]))
    assert right / len(labelled) >= 0.95, wrong
    # the one reading the grammar cannot tell (助力企业商标质押获贷: whose pledge?) and nothing else
    assert [w[:2] for w in wrong] == [(r, "商标质押获贷") for r in ("5000万元", "5368万元") if r in {x[0] for x in wrong}]


def test_report_counts_facts_without_a_subject(written, extractions):
    report = json.loads((written / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))
    rows = extractions["baoshan-2022"].tables["facts"]
    assert report["facts_without_subject"] == sum(1 for r in rows if not r.subject) > 0


def test_facts_about_a_table_indicator_carry_its_key(extractions):
    rows = extractions["baoshan-2022"].tables["facts"]
    keys = {(r.raw, r.subject): r.indicator_key for r in rows}
    assert keys[("1725.56亿元", "地区生产总值")] == "地区生产总值"
    assert keys[("6.5%", "地区生产总值")] == "地区生产总值"
    assert keys[("127.97亿元", "工业投资")] == "工业固定资产投资"          # through the catalogue, schemas/indicators.csv
    assert keys[("5.7亿美元", "实到外资")] == "实际使用外资"
    assert keys[("696张", "樱花卡")] is None                                # no indicator of the tables
    table_keys = {v.indicator_key for v in extractions["baoshan-2022"].tables["indicator_values"]}
    assert {r.indicator_key for r in rows} - {None} <= table_keys
