"""Series identity: district, indicator_key and project_key (pipeline/keys.py)."""
import pytest

from pipeline.model.rows import IndicatorRow
from pipeline.vocab.keys import district, indicator_key, project_key

pytestmark = pytest.mark.once


@pytest.mark.parametrize("a, b", [
    ("一般公共预算收入（区级）", "区级一般公共预算收入"),          # alias file
    ("地区生产总值 ", "地区生产总值（亿元）"),                     # spacing, a unit in brackets
    ("地区生产总值增速", "ＧＤＰ"),                                 # trailing qualifier; full width + alias
    ("政务服务“一网通办”评估", "政务服务\"一网通办\"评估"),          # quotes
    ("其中：工业投资", "工业固定资产投资额"),                       # leading 其中 + alias
    ("公交站点500米服务半径覆盖率【建成区】", "公交站点500米服务半径覆盖率(建成区)"),   # bracket styles
])
def test_indicator_wordings_share_a_key(a, b):
    assert indicator_key(a) == indicator_key(b)


@pytest.mark.parametrize("a, b", [
    ("区级一般公共预算收入", "一般公共预算收入"),            # a qualifier that changes the indicator stays
    ("公交站点500米服务半径覆盖率（建成区）", "公交站点500米服务半径覆盖率"),
    ("单位生产总值能耗降低率", "单位生产总值能耗"),
])
def test_different_indicators_keep_different_keys(a, b):
    assert indicator_key(a) != indicator_key(b)


def test_indicator_key_is_the_printed_name_normalised():
    assert indicator_key("区域路网密度") == "区域路网密度"
    assert indicator_key("（预计）") == "(预计)"       # nothing but a qualifier: kept rather than emptied


@pytest.mark.parametrize("a, b", [
    ("宝山区精神卫生中心迁建工程", "区精神卫生中心迁建工程"),
    ("美兰西湖公园（一期、二期）", "宝山区美兰西湖公园"),
    ("区工人文化活动中心二期工程", "工人文化活动中心（二期）项目"),
    ("陆翔路—祁连山路新建工程", "陆翔路-祁连山路新建项目"),
])
def test_project_wordings_share_a_key(a, b):
    assert project_key(a, "宝山区") == project_key(b, "宝山区")


def test_a_single_phase_is_a_different_project():
    assert project_key("工人文化活动中心二期工程") != project_key("工人文化活动中心一期工程")
    assert project_key("工人文化活动中心二期工程") != project_key("工人文化活动中心")


@pytest.mark.parametrize("issuer, title, want", [
    ("宝山区发展和改革委员会", None, "宝山区"),
    ("上海市浦东新区发展和改革委员会", None, "浦东新区"),
    ("区发展改革委", "宝山区发展和改革委员会关于下达《宝山区2021年国民经济和社会发展计划》的通知", "宝山区"),
    (None, "关于下达《崇明区2021年国民经济和社会发展计划》的通知", "崇明区"),
    ("某某县发展和改革局", None, "某某县"),
    ("发展和改革委员会", "关于印发年度计划的通知", None),
])
def test_district(issuer, title, want):
    assert district(issuer, title) == want


def test_a_part_without_a_name_keeps_its_value_with_a_null_key():
    from pipeline.checks.schema import validate
    from pipeline.quantities.values import indicator_values
    row = IndicatorRow(notice_id="n", table_no=1, seq=1, indicator="", target_text="增长6%", actual_text=None,
                       page=1, source="text")
    values, _ = indicator_values([row])
    kept, problems = validate("indicator_values", values)
    assert [(v.raw, v.indicator_key) for v in kept] == [("6%", None)] and problems == []


def test_indicator_parts_keep_the_parts_without_a_number():
    from pipeline.quantities.values import indicator_parts
    row = IndicatorRow(notice_id="n", table_no=3, seq=14, indicator="停车难项目/公共泊位",
                       target_text="完成市下达目标/新增1000个", actual_text=None, page=2, source="text")
    assert [(p.measure, p.part, p.indicator_key, p.text) for p in indicator_parts([row])] == [
        ("target", 1, "停车难项目", "完成市下达目标"), ("target", 2, "公共停车泊位", "新增1000个")]


@pytest.mark.parametrize("names, key", [
    (["地区生产总值", "生产总值", "GDP", "全县生产总值", "地区生产总值增长", "地区生产总值（亿元）"], "地区生产总值"),
    (["一般公共预算收入", "地方一般公共预算收入", "公共财政预算收入"], "一般公共预算收入"),
    (["固定资产投资增长", "全社会固定资产投资总额", "固定资产投资额"], "全社会固定资产投资"),
    (["规模以上工业增加值增长", "规上工业增加值", "规模工业增加值增长"], "规模以上工业增加值"),
    (["城镇常住居民人均可支配收入", "城镇居民人均可支配收入"], "城镇居民人均可支配收入"),
    (["农村常住居民人均可支配收入", "农民人均可支配收入"], "农村居民人均可支配收入"),
    (["城镇新增就业", "城镇新增就业人数", "新增城镇就业"], "城镇新增就业"),
    (["单位GDP能耗", "单位地区生产总值能耗", "万元GDP能耗"], "单位地区生产总值能耗"),
    (["细颗粒物（PM2.5）年均浓度", "PM2.5年均浓度", "ＰＭ２．５平均浓度"], "PM2.5年均浓度"),
    (["空气质量优良天数比率", "环境空气质量（AQI）优良率", "空气质量优良率"], "空气质量优良天数比例"),
    (["研究与试验发展经费支出占地区生产总值比重", "R&D经费投入强度", "全社会研发投入占地区生产总值比重",
      "全社会研发经费支出相当于全区生产总值的比例"], "研发经费投入强度"),
    (["外贸进出口总额", "进出口总额"], "进出口总额"),
    (["实际使用外资", "实到外资", "实际到位外资额", "实际利用外资"], "实际使用外资"),
    (["人口自然增长率", "人口自然增长率（‰）"], "人口自然增长率"),
])
def test_the_catalogue_gives_one_key_across_districts(names, key):
    assert {indicator_key(n) for n in names} == {key}


def test_a_name_the_catalogue_does_not_know_keeps_its_normalised_name():
    assert indicator_key("某某特色产业集群产值（亿元）") == "某某特色产业集群产值"
