"""The warehouse views across notices and years (pipeline/views.py), checked against lists written
by hand from the two shared notices' tables (baoshan-2022: 表1 reviews 2021, 表3 plans 2022;
baoshan-2023: 表1 reviews 2022, 表3 plans 2023)."""
import re

import duckdb
import pytest

from pipeline.warehouse.load import load

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def con(written, tmp_path_factory):
    db = tmp_path_factory.mktemp("views") / "w.duckdb"
    load(written, str(db))
    con = duckdb.connect(str(db))
    yield con
    con.close()


def test_the_2022_gdp_row_joins_the_plan_of_2022_and_the_review_of_2023(con):
    row = con.execute("SELECT target_text, target_value, target_unit, target_kind, target_notice_id, target_source, "
                      "actual_text, actual_value, actual_kind, actual_notice_id, met, rule FROM indicator_series "
                      "WHERE district = '宝山区' AND indicator_key = '地区生产总值' AND year = 2022").fetchall()
    assert row == [("可比增长6%（增长高于全市平均水平）", 6.0, "%", "growth", "baoshan-2022", "plan",
                    "1841.02亿元，增长6.7%", 6.7, "growth", "baoshan-2023", True, "actual >= target")]
    years = con.execute("SELECT year, target_notice_id, actual_notice_id FROM indicator_series "
                        "WHERE indicator_key = '地区生产总值' ORDER BY year").fetchall()
    assert years == [(2021, "baoshan-2022", "baoshan-2022"), (2022, "baoshan-2022", "baoshan-2023"),
                     (2023, "baoshan-2023", None)]
    # 2021: the target printed without a number (增幅不低于全市平均水平) is the text of the series, undecided
    assert con.execute("SELECT target_text, target_value, actual_text, met, rule FROM indicator_series "
                       "WHERE indicator_key = '地区生产总值' AND year = 2021").fetchall() == [
        ("增幅不低于全市平均水平", None, "1725.56亿元，增长6.5%", None, "qualitative target")]


# (notice of the target, year, indicator_key, target as printed) → (actual as printed, met), read from
# the PDFs' cells. A target with no number (增幅不低于全市平均水平, 完成市下达目标) is never decided.
MET = {
    # baoshan-2022 表1: the 2021 targets beside the 2021 actuals
    ("baoshan-2022", 2021, "全社会固定资产投资", "630亿元"): ("657.07亿元", True),
    ("baoshan-2022", 2021, "工业固定资产投资", "150亿元"): ("127.97亿元", False),
    ("baoshan-2022", 2021, "工业固定资产投资", "50%"): ("29.2%", False),
    ("baoshan-2022", 2021, "社会消费品零售总额", "6%"): ("8.9%", True),
    ("baoshan-2022", 2021, "商品销售总额", "7%"): ("25%", True),
    ("baoshan-2022", 2021, "产值十亿元以上的制造业企业数", "25家"): ("25家", True),
    ("baoshan-2022", 2021, "重点产业园区亩均税收", "10%"): ("33.6%", True),
    ("baoshan-2022", 2021, "新增产业用地投资强度", "10%"): ("10%", True),
    ("baoshan-2022", 2021, "实际使用外资", "2.5亿美元"): ("5.7亿美元", True),
    ("baoshan-2022", 2021, "上市企业数", "5家"): ("3家", False),
    ("baoshan-2022", 2021, "企业技术中心", "100家"): ("107家", True),          # 区级 against 新增区级
    ("baoshan-2022", 2021, "战略性新兴产业制造业产值占规模以上工业产值的比重", "27%"): ("26.3%", False),
    ("baoshan-2022", 2021, "研发经费投入强度", "3.5%"): ("3.08%", False),
    ("baoshan-2022", 2021, "列入市(区)高新技术成果转化项目", "60个"): ("61个", True),
    ("baoshan-2022", 2021, "列入市(区)高新技术成果转化项目", "100个"): ("110个", True),
    ("baoshan-2022", 2021, "公交站点500米服务半径覆盖率(建成区)", "84%"): ("84.3%", True),
    ("baoshan-2022", 2021, "区域路网密度", "3.41km/km²"): ("3.41km/km²", True),
    ("baoshan-2022", 2021, "网格化先行发现率", "30%"): ("30%", True),
    ("baoshan-2022", 2021, "城镇污水处理率", "96%"): ("96%", True),
    ("baoshan-2022", 2021, "城镇登记失业人数", "1.46万人"): ("1.19万人", True),   # 控制在…以内
    ("baoshan-2022", 2021, "社区养老服务设施面积", "30平方米"): ("30平方米", True),
    ("baoshan-2022", 2021, "教育学区化集团化覆盖率", "80%"): ("80%", True),
    ("baoshan-2022", 2021, "成套改造完成面积", "1.5万平方米"): ("0.96万平方米", False),   # 竣工 against 竣工
    # baoshan-2022 表3: the 2022 plan against the 2022 actuals of baoshan-2023 表1
    ("baoshan-2022", 2022, "地区生产总值", "6%"): ("6.7%", True),
    ("baoshan-2022", 2022, "区级一般公共预算收入", "6%"): ("15%", True),
    ("baoshan-2022", 2022, "全社会固定资产投资", "5%"): ("2.0%", False),
    ("baoshan-2022", 2022, "工业固定资产投资", "120亿元"): ("132.80亿元", True),    # 工业投资: an alias
    ("baoshan-2022", 2022, "社会消费品零售总额", "8%"): ("9.3%", True),
    ("baoshan-2022", 2022, "商品销售总额", "8%"): ("26%", True),
    ("baoshan-2022", 2022, "产值十亿元以上的制造业企业数", "27家"): ("28家", True),
    ("baoshan-2022", 2022, "重点产业园区亩均税收", "10%"): ("34.7%", True),
    ("baoshan-2022", 2022, "新增产业用地投资强度", "10%"): ("11%", True),
    ("baoshan-2022", 2022, "实际使用外资", "6亿美元"): ("6.1亿美元", True),
    ("baoshan-2022", 2022, "上市企业数", "5家"): ("4家", False),
    ("baoshan-2022", 2022, "企业技术中心", "100家"): ("113家", True),
    ("baoshan-2022", 2022, "战略性新兴产业制造业产值占规模以上工业产值的比重", "30%"): ("27.2%", False),
    ("baoshan-2022", 2022, "研发经费投入强度", "3.5%"): ("3.27%", False),
    ("baoshan-2022", 2022, "列入市(区)高新技术成果转化项目", "80个"): ("64个", False),
    ("baoshan-2022", 2022, "列入市(区)高新技术成果转化项目", "100个"): ("121个", True),
    ("baoshan-2022", 2022, "公共停车泊位", "1000个"): ("1186个", True),       # 公共泊位 / 新增公共停车泊位
    ("baoshan-2022", 2022, "城镇污水处理率", "97%"): ("97%", True),
    ("baoshan-2022", 2022, "社区养老服务设施面积", "40平方米"): ("33平方米", False),
    ("baoshan-2022", 2022, "教育学区化集团化覆盖率", "85%"): ("88%", True),
    # baoshan-2023 表1: the 2022 targets beside the 2022 actuals
    ("baoshan-2023", 2022, "全社会固定资产投资", "698亿元"): ("733.20亿元", True),
    ("baoshan-2023", 2022, "工业固定资产投资", "166亿元"): ("132.80亿元", False),
    ("baoshan-2023", 2022, "工业固定资产投资", "53%"): ("31.0%", False),
    ("baoshan-2023", 2022, "社会消费品零售总额", "7%"): ("9.3%", True),
    ("baoshan-2023", 2022, "商品销售总额", "8%"): ("26%", True),
    ("baoshan-2023", 2022, "产值十亿元以上的制造业企业数", "28家"): ("28家", True),
    ("baoshan-2023", 2022, "重点产业园区亩均税收", "11%"): ("34.7%", True),
    ("baoshan-2023", 2022, "新增产业用地投资强度", "11%"): ("11%", True),
    ("baoshan-2023", 2022, "实际使用外资", "2.7亿美元"): ("6.1亿美元", True),
    ("baoshan-2023", 2022, "上市企业数", "6家"): ("4家", False),
    ("baoshan-2023", 2022, "企业技术中心", "105家"): ("113家", True),
    ("baoshan-2023", 2022, "战略性新兴产业制造业产值占规模以上工业产值的比重", "29%"): ("27.2%", False),
    ("baoshan-2023", 2022, "研发经费投入强度", "3.8%"): ("3.27%", False),
    ("baoshan-2023", 2022, "列入市(区)高新技术成果转化项目", "65个"): ("64个", False),
    ("baoshan-2023", 2022, "列入市(区)高新技术成果转化项目", "106个"): ("121个", True),
    ("baoshan-2023", 2022, "公交站点500米服务半径覆盖率(建成区)", "89%"): ("94.3%", True),
    ("baoshan-2023", 2022, "区域路网密度", "3.76km/km²"): ("3.76km/km²", True),
    ("baoshan-2023", 2022, "公共停车泊位", "1000个"): ("1186个", True),
    ("baoshan-2023", 2022, "网格化先行发现率", "33%"): ("33%", True),
    ("baoshan-2023", 2022, "城镇污水处理率", "97%"): ("97%", True),
    ("baoshan-2023", 2022, "城镇登记失业人数", "1.59万人"): ("1.29万人", True),
    ("baoshan-2023", 2022, "社区养老服务设施面积", "33平方米"): ("33平方米", True),
    ("baoshan-2023", 2022, "教育学区化集团化覆盖率", "88%"): ("88%", True),
    ("baoshan-2023", 2022, "成套改造完成面积", "1.6万平方米"): ("1.05万平方米", False),
}

# Targets whose actual cannot be compared: a growth target against a count (增长30% / 新增380家),
# 开工 against 竣工, 市级 against 区级, or no actual printed (待市科委发布, the 2023 plan).
NOT_COMPARABLE = {
    ("baoshan-2022", 2021, "高新技术企业数", "30%"): "no actual of the same kind, unit and label",
    ("baoshan-2022", 2021, "企业技术中心", "10家"): "no actual of the same kind, unit and label",
    ("baoshan-2022", 2021, "成套改造完成面积", "1万平方米"): "no actual of the same kind, unit and label",
    ("baoshan-2022", 2021, "省部级工程研究中心(技术创新中心)", "5家"): "no actual",
    ("baoshan-2022", 2021, "每万人口高价值发明专利拥有量", "15%"): "no actual",
    ("baoshan-2022", 2022, "高新技术企业数", "30%"): "no actual of the same kind, unit and label",
    ("baoshan-2022", 2022, "产业类投资额", "180亿元"): "no actual",
    ("baoshan-2022", 2022, "空气质量优良天数比例", "90%"): "no actual",
    ("baoshan-2023", 2022, "成套改造完成面积", "2万平方米"): "no actual of the same kind, unit and label",
    ("baoshan-2023", 2023, "地区生产总值", "7%"): "no actual",
}
# Targets printed without a number: (notice, year, key) → (target text, the actual part printed beside it)
QUALITATIVE = {
    ("baoshan-2022", 2021, "地区生产总值"): ("增幅不低于全市平均水平", "1725.56亿元，增长6.5%"),
    ("baoshan-2022", 2021, "单位地区生产总值能耗降低率"): (
        "完成市下达目标", "前三季度下降0.97%，年度完成情况要到下一年3月份公布"),
    ("baoshan-2022", 2022, "单位地区生产总值能耗降低率"): (
        "完成市下达目标", "前三季度下降1.04%，年度完成情况要到下一年3月份公布"),
    ("baoshan-2022", 2022, "城镇登记失业人数"): ("控制在市下达目标内", "1.29万人，控制在1.59万人以内"),
    ("baoshan-2023", 2023, "居民人均可支配收入"): ("增长与经济增长基本同步", None),
}


def test_target_outcome_decides_met_as_read_from_the_tables(con):
    rows = con.execute("SELECT target_notice_id, year, indicator_key, target_raw, actual_raw, met, rule "
                       "FROM target_outcome").fetchall()
    got = {r[:4]: r[4:] for r in rows}
    assert len(got) == len(rows)                       # one row per target quantity
    decided = {k: (actual, met) for k, (actual, met, _) in got.items() if met is not None}
    assert decided == MET
    for key, rule in NOT_COMPARABLE.items():
        assert got[key] == (None, None, rule), key
    texts = {r[:3]: r[3:] for r in con.execute(
        "SELECT target_notice_id, year, indicator_key, target_text, actual_text, met, rule FROM target_outcome "
        "WHERE target_raw IS NULL").fetchall()}
    for key, (target, actual) in QUALITATIVE.items():
        assert texts[key] == (target, actual, None, "qualitative target"), key
    rules = {k: rule for k, (_, met, rule) in got.items() if met is not None}
    assert rules[("baoshan-2022", 2021, "城镇登记失业人数", "1.46万人")] == "actual <= target"
    assert set(rules.values()) == {"actual >= target", "actual <= target"}


# Projects listed by both notices (in either of their tables), as printed by baoshan-2022 and by
# baoshan-2023: names differ by the district prefix and by a bracketed list of all phases.
BOTH = [
    ("G1503(江杨北路-富长路)改建工程富锦路地面道路", "G1503(江杨北路-富长路)改建工程富锦路地面道路"),
    ("富长路(S20-金石路)拓宽工程", "富长路(S20-金石路)拓宽工程"),
    ("泰和污水厂周边配套道路(泰联路、铁城路-共富路、联谊路)", "泰和污水厂周边配套道路(泰联路、铁城路-共富路、联谊路)"),
    ("南大路改建工程(南陈路-S20)", "南大路改建工程(南陈路-S20)"),
    ("南陈路-南秀路改造工程", "南陈路-南秀路改造工程"),
    ("陆翔路—祁连山路新建工程", "陆翔路—祁连山路新建工程"),
    ("宝山区精神卫生中心迁建工程", "区精神卫生中心迁建工程"),
    ("区精神卫生中心迁建工程", "宝山区精神卫生中心迁建工程"),
    ("宝山区文化馆修缮加固工程", "宝山区文化馆修缮加固工程"),
    ("新建杨行体育中心项目", "新建杨行体育中心项目"),
    ("区工人文化活动中心二期工程", "区工人文化活动中心二期工程"),
    ("锦秋九年一贯制学校新建工程(上师大宝山潜溪学校)", "锦秋九年一贯制学校新建工程(上师大宝山潜溪学校)"),
    ("宝山区大场医院(仁济医院)二期扩建", "大场医院(仁济医院)二期扩建"),
    ("宝山区公共卫生中心改扩建项目", "公共卫生中心改扩建项目"),
    ("华二高中(宝山校区)新建工程", "华二高中(宝山校区)新建工程"),
    ("顾村中学总体改造工程", "顾村中学总体改造工程"),
    ("旦华九年一贯制学校", "旦华九年一贯制学校"),
    ("宝山区张华浜东排水系统工程", "宝山区张华浜东排水系统工程"),
    ("月浦城区排水系统工程", "宝山区月浦城区排水系统工程"),
    ("美兰西湖公园(一期、二期)", "美兰西湖公园"),
    ("祁连山路道路工程(丰翔路-普陀区界)", "祁连山路道路工程(丰翔路-普陀区界)"),
    ("吴淞创新城市政道路(海江路、双城路)新建工程", "吴淞创新城市政道路(海江路、双城路)新建工程"),
    ("上师大附中宝山校区", "上师大附中宝山校区"),
    ("气象站迁建工程", "气象站迁建工程"),
    ("宝钢支线扩容改造", "宝钢支线扩容改造"),
]
ONLY_ONE = ["宝杨路延伸段(狮子桥-邮轮港)改扩建工程", "宝钱公路道路新建工程(沪太路-潘泾路)",
            "蕴藻浜(泰和路-江杨北路)河道综合整治工程", "沪太路(S20-宝安公路)改建工程", "罗店大居体育中心项目"]


def test_project_history_links_every_project_of_both_notices(con):
    key = {(n, name): k for n, name, k in con.execute(
        "SELECT DISTINCT notice_id, name, project_key FROM project_history").fetchall()}
    for old, new in BOTH:
        assert key[("baoshan-2022", old)] == key[("baoshan-2023", new)], (old, new)
    linked = {k for k, in con.execute("SELECT DISTINCT project_key FROM project_history WHERE notice_count = 2").fetchall()}
    assert linked == {key[("baoshan-2022", old)] for old, _ in BOTH}
    assert len(linked) == 24
    alone = con.execute("SELECT name, notice_count FROM project_history WHERE notice_count = 1 ORDER BY name").fetchall()
    assert sorted(alone) == sorted((n, 1) for n in ONLY_ONE)
    history = con.execute("SELECT year, notice_id, source, investment_yi, target_stage, progress_pct, years "
                          "FROM project_history WHERE name LIKE '%精神卫生中心%' ORDER BY notice_id, year").fetchall()
    assert history == [(2021, "baoshan-2022", "review", 8.0, "施工", 85.0, "2021,2022,2023"),
                       (2022, "baoshan-2022", "plan", 8.0, "竣工", None, "2021,2022,2023"),
                       (2022, "baoshan-2023", "review", 8.8, "施工", 90.0, "2021,2022,2023"),
                       (2023, "baoshan-2023", "plan", 8.8, "竣工", None, "2021,2022,2023")]


def readme_queries() -> list[str]:
    """The example queries of the README's section on the views, one string each."""
    from conftest import ROOT
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Across years and districts", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return [q.strip() for b in blocks for q in b.split(";") if q.strip()]


def test_the_readme_queries_run_and_answer(con):
    queries = readme_queries()
    assert len(queries) == 6
    answers = [con.execute(q).fetchall() for q in queries]
    assert all(answers), [q for q, a in zip(queries, answers, strict=False) if not a]
    assert len(answers[0]) == len(MET)
    assert answers[1][1] == (2022, "可比增长6%（增长高于全市平均水平）", "baoshan-2022", "1841.02亿元，增长6.7%",
                             "baoshan-2023", True)
    assert answers[2] == [(2021, "13%", "growth"), (2021, "172.9亿元", "level"), (2022, "15%", "growth"),
                          (2022, "192.5亿元", "level")]
    assert ("区精神卫生中心迁建工程", "竣工", 90.0) in [(n, stage, pct) for n, stage, _, pct in answers[3]]
    assert answers[4] == [("宝山区", 2021, "增幅不低于全市平均水平", "1725.56亿元，增长6.5%", None),
                          ("宝山区", 2022, "可比增长6%（增长高于全市平均水平）", "1841.02亿元，增长6.7%", True),
                          ("宝山区", 2023, "可比增长7%（增长高于全市平均水平）", None, None)]


def test_series_command_prints_the_indicator_by_year(con, written, tmp_path, capsys):
    from pipeline.cli import main
    db = tmp_path / "series.duckdb"
    load(written, str(db))
    assert main(["series", "一般公共预算收入（区级）", "--district", "宝山区", "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["district", "year", "target", "actual", "met", "rule"]
    assert lines[2].split() == ["宝山区", "2022", "增长6%（增长与全市保持同步）", "192.5亿元，增长15%", "yes",
                                "actual", ">=", "target"]
    assert len(lines) == 4
    assert main(["series", "没有这个指标", "--db", str(db)]) == 1
    assert main(["series", "地区生产总值", "--db", str(tmp_path / "missing.duckdb")]) == 2


def _district_notice(folder, notice_id: str, district: str, rows: list[tuple[str, str, str]]):
    """A one-table notice of `district` reviewing 2023 (built here, not one of the shared notices):
    its indicators printed under this district's own names."""
    from pipeline.api import extract
    from pipeline.output.write import write_extraction

    from pdfs import Doc, table
    d = Doc()
    d.c.setTitle(f"关于印发{district}2023年国民经济和社会发展计划执行情况与2024年计划的通知")
    d.c.setAuthor(f"{district}人民政府")
    d.text(60, 60, "表1：2023年主要指标完成情况", size=14)
    table(d, [60, 100, 300, 420, 540], 90,
          [["序号", "指标名称", "2023年目标", "2023年完成情况"]] + [[str(i), *r] for i, r in enumerate(rows, 1)])
    write_extraction(extract(d.save(folder / f"{notice_id}.pdf")), folder / "out")


def two_districts(folder):
    """The outputs of a county's and a district's notice, each naming its indicators its own way."""
    _district_notice(folder, "jiaxian-2024", "甲县", [("生产总值", "增长6%", "增长6.5%"),
                                                      ("城镇登记失业率", "3.5%", "3.2%"),
                                                      ("地方一般公共预算收入", "增长5%", "增长4%")])
    _district_notice(folder, "yiqu-2024", "乙区", [("GDP（亿元）", "增长5.5%", "增长5.1%"),
                                                   ("城镇登记失业率", "3.5%", "3.8%"),
                                                   ("某乙区特色指标", "10%", "12%")])
    return folder / "out"


@pytest.fixture(scope="module")
def districts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("districts")
    db = folder / "w.duckdb"
    load(two_districts(folder), str(db))
    con = duckdb.connect(str(db))
    yield con
    con.close()


def test_indicator_panel_puts_two_districts_gdp_under_one_key(districts):
    """生产总值 of one county and GDP（亿元） of another district are one indicator of the catalogue
    (schemas/indicators.csv); a name it does not know keeps its own key; one row per district, year
    and key."""
    rows = districts.execute("SELECT district, year, indicator_key, catalogued, dimension, higher_is_better, "
                             "target_text, actual_text, met FROM indicator_panel").fetchall()
    assert sorted(rows) == sorted([
        ("甲县", 2023, "一般公共预算收入", True, "money_cny", True, "增长5%", "增长4%", False),
        ("甲县", 2023, "地区生产总值", True, "money_cny", True, "增长6%", "增长6.5%", True),
        ("乙区", 2023, "地区生产总值", True, "money_cny", True, "增长5.5%", "增长5.1%", False),
        ("乙区", 2023, "某乙区特色指标", False, None, None, "10%", "12%", True),
        ("甲县", 2023, "城镇登记失业率", True, "percent", False, "3.5%", "3.2%", True),
        ("乙区", 2023, "城镇登记失业率", True, "percent", False, "3.5%", "3.8%", False),
    ])
    assert districts.execute("SELECT count(*), count(DISTINCT (district, year, indicator_key)) "
                             "FROM indicator_panel").fetchone() == (6, 6)


def test_a_lower_is_better_target_without_a_direction_word_is_a_ceiling(districts):
    """城镇登记失业率 3.5%: the catalogue says lower is better, so 3.8% misses it and 3.2% meets it."""
    assert districts.execute("SELECT district, actual_raw, met, rule FROM target_outcome "
                             "WHERE indicator_key = '城镇登记失业率' ORDER BY district").fetchall() == [
        ("乙区", "3.8%", False, "actual <= target"), ("甲县", "3.2%", True, "actual <= target")]
