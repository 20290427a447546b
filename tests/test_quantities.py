"""The quantity parser on its own: value, unit, base value, base unit, kind and qualifier."""
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model.rows import IndicatorRow
from pipeline.vocab import data
from pipeline.vocab.grammar import cn_to_number, note_text, parse, split_parts, units

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once

# text, [(raw, value, unit, base_value, base_unit, kind, qualifier), ...]
CASES = [
    # money
    ("1725.56亿元", [("1725.56亿元", 1725.56, "亿元", "172556000000", "CNY", "level", None)]),
    ("172.9亿元，增长13%", [("172.9亿元", 172.9, "亿元", "17290000000", "CNY", "level", None),
                          ("13%", 13, "%", "13", "%", "growth", None)]),
    ("5000万元", [("5000万元", 5000, "万元", "50000000", "CNY", "level", None)]),
    ("1200元", [("1200元", 1200, "元", "1200", "CNY", "level", None)]),
    ("2.5亿美元", [("2.5亿美元", 2.5, "亿美元", "250000000", "USD", "level", None)]),
    ("合同外资14.1亿美元", [("14.1亿美元", 14.1, "亿美元", "1410000000", "USD", "level", None)]),
    ("3万美元", [("3万美元", 3, "万美元", "30000", "USD", "level", None)]),
    ("1,234.5万元", [("1,234.5万元", 1234.5, "万元", "12345000", "CNY", "level", None)]),
    ("１２３４５元", [("１２３４５元", 12345, "元", "12345", "CNY", "level", None)]),
    ("总投资８．９亿元", [("８．９亿元", 8.9, "亿元", "890000000", "CNY", "level", None)]),
    ("132.80亿元", [("132.80亿元", 132.8, "亿元", "13280000000", "CNY", "level", None)]),
    ("0.6亿元", [("0.6亿元", 0.6, "亿元", "60000000", "CNY", "level", None)]),
    # area, length, volume
    ("50万平方米", [("50万平方米", 50, "万平方米", "500000", "m2", "level", None)]),
    ("30平方米", [("30平方米", 30, "平方米", "30", "m2", "level", None)]),
    ("9平方公里", [("9平方公里", 9, "平方公里", "9000000", "m2", "level", None)]),
    ("60公顷", [("60公顷", 60, "公顷", "600000", "m2", "level", None)]),
    ("70.04公顷", [("70.04公顷", 70.04, "公顷", "700400", "m2", "level", None)]),
    ("2000亩", [("2000亩", 2000, "亩", "1333333.333333", "m2", "level", None)]),
    ("15亩", [("15亩", 15, "亩", "10000", "m2", "level", None)]),
    ("新建道路12公里", [("12公里", 12, "公里", "12000", "m", "level", None)]),
    ("3.5千米", [("3.5千米", 3.5, "千米", "3500", "m", "level", None)]),
    ("800米", [("800米", 800, "米", "800", "m", "level", None)]),
    ("10万立方米", [("10万立方米", 10, "万立方米", "100000", "m3", "level", None)]),
    ("5km", [("5km", 5, "km", "5000", "m", "level", None)]),
    # percent, points, multiples
    ("27%", [("27%", 27, "%", "27", "%", "level", None)]),
    ("26.3％", [("26.3％", 26.3, "%", "26.3", "%", "level", None)]),
    ("增长6.5%", [("6.5%", 6.5, "%", "6.5", "%", "growth", None)]),
    ("同比增长50%", [("50%", 50, "%", "50", "%", "growth", None)]),
    ("可比增长6%", [("6%", 6, "%", "6", "%", "growth", None)]),
    ("提高2%", [("2%", 2, "%", "2", "%", "growth", None)]),
    ("上升3.5%", [("3.5%", 3.5, "%", "3.5", "%", "growth", None)]),
    ("下降0.97%", [("0.97%", -0.97, "%", "-0.97", "%", "growth", None)]),
    ("降低1.2%", [("1.2%", -1.2, "%", "-1.2", "%", "growth", None)]),
    ("减少5%", [("5%", -5, "%", "-5", "%", "growth", None)]),
    ("比上年下降了0.5%", [("0.5%", -0.5, "%", "-0.5", "%", "growth", None)]),
    ("提高0.6个百分点", [("0.6个百分点", 0.6, "个百分点", "0.6", "pp", "growth", None)]),
    ("下降1.5个百分点", [("1.5个百分点", -1.5, "个百分点", "-1.5", "pp", "growth", None)]),
    ("占比0.8百分点", [("0.8百分点", 0.8, "百分点", "0.8", "pp", "level", None)]),
    ("同比增长1.6倍", [("1.6倍", 1.6, "倍", "1.6", "倍", "growth", None)]),
    ("覆盖率达到96%", [("96%", 96, "%", "96", "%", "level", "达到")]),
    ("增加值占比30%", [("30%", 30, "%", "30", "%", "level", None)]),
    ("单位增加值能耗下降0.97%", [("0.97%", -0.97, "%", "-0.97", "%", "growth", None)]),
    # counts and magnitudes in the unit
    ("25家", [("25家", 25, "家", "25", "家", "level", None)]),
    ("1.46万人", [("1.46万人", 1.46, "万人", "14600", "人", "level", None)]),
    ("1.4万个岗位", [("1.4万个", 1.4, "万个", "14000", "个", "level", None)]),
    ("198.9万人次", [("198.9万人次", 198.9, "万人次", "1989000", "人次", "level", None)]),
    ("接种疫苗300万剂次", [("300万剂次", 300, "万剂次", "3000000", "剂次", "level", None)]),
    ("400台", [("400台", 400, "台", "400", "台", "level", None)]),
    ("696张", [("696张", 696, "张", "696", "张", "level", None)]),
    ("4020套", [("4020套", 4020, "套", "4020", "套", "level", None)]),
    ("15所", [("15所", 15, "所", "15", "所", "level", None)]),
    ("6673户", [("6673户", 6673, "户", "6673", "户", "level", None)]),
    ("24项", [("24项", 24, "项", "24", "项", "level", None)]),
    ("19316处", [("19316处", 19316, "处", "19316", "处", "level", None)]),
    ("860名", [("860名", 860, "名", "860", "名", "level", None)]),
    ("接入58个场景", [("58个", 58, "个", "58", "个", "level", None)]),
    ("2亿人", [("2亿人", 2, "亿人", "200000000", "人", "level", None)]),
    # Chinese numerals
    ("两万人", [("两万人", 20000, "人", "20000", "人", "level", None)]),
    ("一千二百个", [("一千二百个", 1200, "个", "1200", "个", "level", None)]),
    ("十五个", [("十五个", 15, "个", "15", "个", "level", None)]),
    ("三百家", [("三百家", 300, "家", "300", "家", "level", None)]),
    ("二〇二五年", []),
    ("一批重大项目", []),
    ("三大领域", []),
    # ratios
    ("3.41km/km²", [("3.41km/km²", 3.41, "km/km2", "3.41", "km/km2", "level", None)]),
    ("2302元/平方米", [("2302元/平方米", 2302, "元/平方米", "2302", "CNY/m2", "level", None)]),
    ("5亿元/平方公里", [("5亿元/平方公里", 5, "亿元/平方公里", "500", "CNY/m2", "level", None)]),
    ("800万元/亩", [("800万元/亩", 800, "万元/亩", "12000", "CNY/m2", "level", None)]),
    # qualifiers and approximations
    ("不低于99%", [("99%", 99, "%", "99", "%", "level", "不低于")]),
    ("不少于100家", [("100家", 100, "家", "100", "家", "level", "不少于")]),
    ("30%以上", [("30%", 30, "%", "30", "%", "level", "以上")]),
    ("5%以下", [("5%", 5, "%", "5", "%", "level", "以下")]),
    ("控制在1.46万人以内", [("1.46万人", 1.46, "万人", "14600", "人", "level", "控制在…以内")]),
    ("控制在3%", [("3%", 3, "%", "3", "%", "level", "控制在")]),
    ("达到25家", [("25家", 25, "家", "25", "家", "level", "达到")]),
    ("超过1000亿元", [("1000亿元", 1000, "亿元", "100000000000", "CNY", "level", "超过")]),
    ("力争30家", [("30家", 30, "家", "30", "家", "level", "力争")]),
    ("约5万平方米", [("5万平方米", 5, "万平方米", "50000", "m2", "level", "约")]),
    ("近200家", [("200家", 200, "家", "200", "家", "level", "近")]),
    ("签约78.98万人", [("78.98万人", 78.98, "万人", "789800", "人", "level", None)]),   # 签约 is no 约
    ("100余家", [("100余家", 100, "家", "100", "家", "level", "余")]),
    ("100多个", [("100多个", 100, "个", "100", "个", "level", "多")]),
    ("3000人左右", [("3000人", 3000, "人", "3000", "人", "level", "左右")]),
    ("新增5家", [("5家", 5, "家", "5", "家", "level", "新增")]),
    ("增长不低于6%", [("6%", 6, "%", "6", "%", "growth", "不低于")]),
    ("达到常住人口每千人30平方米以上", [("30平方米", 30, "平方米", "30", "m2", "level", "以上")]),
    ("义务教育阶段达到80%", [("80%", 80, "%", "80", "%", "level", "达到")]),
    # ranges
    ("5-10%", [("5-10%", 5, "%", "5", "%", "level", None), ("5-10%", 10, "%", "10", "%", "level", None)]),
    ("5%-10%", [("5%-10%", 5, "%", "5", "%", "level", None), ("5%-10%", 10, "%", "10", "%", "level", None)]),
    ("3至5个", [("3至5个", 3, "个", "3", "个", "level", None), ("3至5个", 5, "个", "5", "个", "level", None)]),
    ("增长5～6%", [("5～6%", 5, "%", "5", "%", "growth", None), ("5～6%", 6, "%", "6", "%", "growth", None)]),
    # several quantities with labels
    ("市级60个，区级100个", [("60个", 60, "个", "60", "个", "level", None), ("100个", 100, "个", "100", "个", "level", None)]),
    ("开工1万平方米，竣工1.5万平方米", [("1万平方米", 1, "万平方米", "10000", "m2", "level", None),
                                ("1.5万平方米", 1.5, "万平方米", "15000", "m2", "level", None)]),
    ("新增400台，完工200台", [("400台", 400, "台", "400", "台", "level", "新增"), ("200台", 200, "台", "200", "台", "level", None)]),
    ("1725.56亿元，增长6.5%", [("1725.56亿元", 1725.56, "亿元", "172556000000", "CNY", "level", None),
                           ("6.5%", 6.5, "%", "6.5", "%", "growth", None)]),
    # no quantity
    ("完成市下达目标", []),
    ("在全市保持较好水平", []),
    ("高于全市平均水平", []),
    ("2021年", []),
    ("6月28日已正式通车", []),
    ("位列全市第10", []),
    ("环上大0-4号基地", []),
    ("S20", []),
    ("G1503跨线桥", []),
    ("18号线二期", []),
    ("35千伏公里级超导电缆", [("35千伏", 35, "千伏", "35", "kV", "level", None)]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_parse(text, expected):
    got = [(q.raw, q.value, q.unit, q.base_value, q.base_unit, q.kind, q.qualifier) for q in parse(text)]
    want = [(raw, pytest.approx(v), u, Decimal(b), bu, k, ql) for raw, v, u, b, bu, k, ql in expected]
    assert got == want


def test_importing_the_pipeline_leaves_the_decimal_context_alone():
    import subprocess
    import sys
    code = "import decimal; p = decimal.getcontext().prec; import pipeline.api; print(decimal.getcontext().prec, p)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == out[1] == "28"


def test_offsets_point_into_the_original_text():
    text = "总投资８．９亿元，同比增长１２％"
    for q in parse(text):
        assert text[q.start:q.end] == q.raw


def test_labels_and_bounds():
    qs = parse("市级60个，区级100个")
    assert [q.label for q in qs] == ["市级", "区级"]
    assert [q.bound for q in parse("3至5个")] == ["low", "high"]
    assert parse("新增国家、市级10家")[0].label == "市级"


def test_brackets_hold_notes_not_values():
    text = "26.3%（4月起，宝钢战新系数从25.4%下调至18.7%）"
    assert [q.value for q in parse(text, skip_brackets=True)] == [26.3]
    assert len(parse(text)) == 3
    assert note_text(text) == "（4月起，宝钢战新系数从25.4%下调至18.7%）"


@pytest.mark.parametrize("text,parts", [
    ("630亿元/150亿元，同比增长50%", ["630亿元", "150亿元，同比增长50%"]),
    ("84%/3.41km/km²", ["84%", "3.41km/km²"]),
    ("增长6%/增长7%", ["增长6%", "增长7%"]),
    ("2302元/平方米", ["2302元/平方米"]),
    ("待市科委发布/新增区级107家", ["待市科委发布", "新增区级107家"]),
    ("全社会固定资产投资总额/产业类投资额/工业投资", ["全社会固定资产投资总额", "产业类投资额", "工业投资"]),
])
def test_split_parts(text, parts):
    assert [text[a:b] for a, b in split_parts(text)] == parts


@pytest.mark.parametrize("text,value", [("一千二百", 1200), ("两万", 20000), ("十五", 15), ("三亿五千万", 350000000),
                                        ("一万零五", 10005), ("二〇二五", 2025), ("十", 10), ("abc", None)])
def test_chinese_numerals(text, value):
    assert cn_to_number(text) == value


def test_a_new_unit_is_one_line_of_data():
    assert {"亩", "公顷", "人", "km/km2", "百分点"} <= set(units())
    assert data.csv_rows("units.csv")[0]["unit"] == "元"


# unit → (base unit, factor to it), written out by hand (not read from units.csv, which is under test)
BASE = {
    "元": ("CNY", "1"), "人民币元": ("CNY", "1"), "美元": ("USD", "1"), "欧元": ("EUR", "1"),
    "平方米": ("m2", "1"), "m2": ("m2", "1"), "km2": ("m2", "1000000"), "平方公里": ("m2", "1000000"),
    "平方千米": ("m2", "1000000"), "公顷": ("m2", "10000"),
    "亩": ("m2", "666.666666666666666667"), "公里": ("m", "1000"), "千米": ("m", "1000"), "米": ("m", "1"), "km": ("m", "1000"),
    "立方米": ("m3", "1"), "m3": ("m3", "1"), "升": ("m3", "0.001"), "吨": ("t", "1"), "公斤": ("t", "0.001"), "千克": ("t", "0.001"),
    "千瓦": ("kW", "1"), "兆瓦": ("kW", "1000"), "千伏": ("kV", "1"), "千瓦时": ("kWh", "1"),
    "吨标准煤": ("tce", "1"), "%": ("%", "1"), "百分点": ("pp", "1"), "个百分点": ("pp", "1"), "倍": ("倍", "1"),
    "km/km2": ("km/km2", "1"), "元/平方米": ("CNY/m2", "1"), "元/人": ("CNY/人", "1"),
    "亿元/平方公里": ("CNY/m2", "100"), "万元/亩": ("CNY/m2", "15"), "‰": ("‰", "1"), "岁": ("岁", "1"),
    "周岁": ("岁", "1"), "小时": ("h", "1"), "分钟": ("h", "0.016666666666666667"), "天": ("h", "24"),
    **{c: (c, "1") for c in ["人", "人次", "剂次", "名", "位", "家", "户", "个", "项", "台", "张", "套", "所", "处", "座", "条", "辆", "间", "件", "场", "批", "栋", "幢", "公里段", "条段", "床", "标箱", "宗", "起", "株", "棵", "盏", "艘", "头", "只", "架次", "件次", "场次", "批次", "台套", "个点"]},
}
MAGNITUDE = {"": 1, "万": 10_000, "亿": 100_000_000}


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999"), places=2),
       st.sampled_from(sorted(BASE)), st.sampled_from(sorted(MAGNITUDE)))
def test_formatted_number_parses_back_to_its_base_value(number, unit, magnitude):
    if magnitude and (unit[0] in "万亿千百" or not unit[0] >= "\u4e00" or unit in ("百分点", "个百分点", "倍")):
        magnitude = ""
    text = f"{number}{magnitude}{unit}"
    qs = parse(text)
    assert len(qs) == 1, text
    q = qs[0]
    base_unit, factor = BASE[unit]
    want = number * MAGNITUDE[magnitude] * Decimal(factor)
    assert q.base_unit == base_unit and q.raw == text
    assert q.base_value == pytest.approx(want, rel=Decimal("1e-12"), abs=Decimal("0.000001"))


def test_indicator_values_align_parts_and_report_unreadable_text():
    from pipeline.quantities.values import indicator_values
    row = IndicatorRow(notice_id="n", table_no=1, seq=7, page=3, indicator="停车难项目/公共泊位", source="text",
                       target_text="完成5个/新增1000个", actual_text="完成市下达目标/约三成（见附表2）")
    values, problems = indicator_values([row])
    assert [(v.measure, v.part, v.indicator_part, v.value, v.qualifier) for v in values] == [
        ("target", 1, "停车难项目", 5, None), ("target", 2, "公共泊位", 1000, "新增")]
    assert problems == []
    _, problems = indicator_values([replace(row, actual_text="完成第3批/4-")])
    assert [(p.table_no, p.row, p.page, p.text) for p in problems] == [(1, 7, 3, "4-")]


@pytest.mark.parametrize("text,raw,value,unit,base,base_unit,kind", [
    ("平均预期寿命84.5岁", "84.5岁", 84.5, "岁", "84.5", "岁", "level"),
    ("婴儿死亡率下降0.5‰", "0.5‰", -0.5, "‰", "-0.5", "‰", "growth"),
    ("集装箱吞吐量10万标箱", "10万标箱", 10, "万标箱", "100000", "标箱", "level"),
    ("审批时间缩短至3天", "3天", 3, "天", "72", "h", "level"),
    ("平均办理时间45分钟", "45分钟", 45, "分钟", "0.75", "h", "level"),
    ("新增绿化植树1.2万株", "1.2万株", 1.2, "万株", "12000", "株", "level"),
    ("光伏装机2.5兆瓦", "2.5兆瓦", 2.5, "兆瓦", "2500", "kW", "level"),
    ("回收废油350公斤", "350公斤", 350, "公斤", "0.35", "t", "level"),        # one base unit for mass
    ("处置垃圾1.2万吨", "1.2万吨", 1.2, "万吨", "12000", "t", "level"),
    ("节水2500升", "2500升", 2500, "升", "2.5", "m3", "level"),               # one base unit for volume
])
def test_more_units(text, raw, value, unit, base, base_unit, kind):
    (q,) = parse(text)
    assert (q.raw, q.value, q.unit, q.base_value, q.base_unit, q.kind) == (
        raw, pytest.approx(value), unit, Decimal(base), base_unit, kind)


@pytest.mark.parametrize("text,unit,expected", [
    # a minus sign printed before the number: a negative level (人口自然增长率 of a shrinking county)
    ("-1.2", "‰", [("-1.2", -1.2, None, None)]),
    ("－0.8", "‰", [("－0.8", -0.8, None, None)]),
    ("人口自然增长率-1.2‰", None, [("-1.2‰", -1.2, None, None)]),
    # … but not the joiner of a range or a month span
    ("5-6", "%", [("5-6", 5.0, None, "low"), ("5-6", 6.0, None, "high")]),
    ("1-11月累计增长3.5%", None, [("3.5%", 3.5, None, None)]),
    # < and > bound a number as ≤ and ≥ do
    ("<0.5", "‰", [("0.5", 0.5, "<", None)]),
    (">90", "%", [("90", 90.0, ">", None)]),
])
def test_signs_and_strict_bounds_before_a_number(text, unit, expected):
    found = parse(text, skip_brackets=True, default_unit=unit)
    assert [(q.raw, q.value, q.qualifier, q.bound) for q in found] == expected
    if unit:                                            # a bare cell under a 单位 column
        assert all(q.label is None for q in found)      # the sign is no label naming the quantity
