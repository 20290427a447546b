"""The data files under schemas/ are well formed, and header wordings map to the right fields."""
import datetime as dt
import re
import typing
from dataclasses import MISSING, fields
from decimal import Decimal
from importlib import resources

import pytest

from pipeline.model.rows import RECORDS, columns
from pipeline.output.write import TABLES
from pipeline.vocab import data
from pipeline.vocab.headers import Column, header_words, map_columns, read_columns

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


def test_header_synonyms_are_well_formed():
    for row in data.csv_rows("header_synonyms.csv"):
        assert None not in row and None not in row.values() and row["match"] in ("exact", "prefix", "contains", "regex")
        if row["match"] == "regex":
            re.compile(row["synonym"])


def test_units_are_well_formed():
    for row in data.csv_rows("units.csv"):
        assert row["unit"] and row["base_unit"] and row["dimension"], row


def test_one_base_unit_per_dimension():
    """吨 and 公斤 both to t, 立方米 and 升 both to m3: a dimension converts to a single base unit, so
    base values of one dimension add up. A count keeps its classifier (家, 个, 项 …) as its unit."""
    bases: dict[str, set[str]] = {}
    for row in data.csv_rows("units.csv"):
        bases.setdefault(row["dimension"], set()).add(row["base_unit"])
    several = {d: b for d, b in bases.items() if len(b) > 1 and d != "count"}
    assert several == {}
    assert bases["mass"] == {"t"} and bases["volume"] == {"m3"} and bases["money_cny"] == {"CNY"}


@pytest.mark.once
def test_plausible_ranges_are_well_formed():
    """Each range is of a base unit units.csv gives, and its lowest value is below its highest."""
    bases = {row["base_unit"] for row in data.csv_rows("units.csv")}
    ranges = data.plausible_ranges()
    assert len(ranges) == len(data.csv_rows("plausible.csv"))          # no (unit, kind) given twice
    for (unit, kind), (low, high) in ranges.items():
        assert unit in bases and kind in ("level", "growth", "ratio") and low < high, (unit, kind)


def test_patterns_compile():
    for name, value in data.patterns().items():
        if isinstance(value, str) and name not in ("heading_max_chars",):
            re.compile(value)


@pytest.mark.parametrize("table", TABLES)
def test_table_schemas_have_keys_that_exist(table):
    schema = data.table_schema(table)
    names = {f["name"] for f in schema["fields"]}
    assert set(schema.get("primaryKey", [])) <= names
    for fk in schema.get("foreignKeys", []):
        assert set(fk["fields"]) <= names


@pytest.mark.once
def test_every_table_schema_has_a_record():
    shipped = {p.name.removesuffix(".schema.json") for p in resources.files("pipeline.schemas").iterdir()
               if p.name.endswith(".schema.json")}
    assert shipped == set(RECORDS) == set(TABLES)


# The Python type a record field has for each Table Schema type; `x-decimal` numbers are Decimal.
SCHEMA_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "date": dt.date}


@pytest.mark.once
@pytest.mark.parametrize("table", TABLES)
def test_row_record_matches_its_schema(table):
    """A column added, removed, moved or retyped in a schema without the same change to its
    record in pipeline/rows.py fails here."""
    record = RECORDS[table]
    schema_fields = data.table_schema(table)["fields"]
    assert columns(record) == tuple(f["name"] for f in schema_fields)
    hints = typing.get_type_hints(record)
    defaults = {f.name: f.default for f in fields(record)}
    for f in schema_fields:
        python = Decimal if "x-decimal" in f else SCHEMA_TYPES[f["type"]]
        if f.get("constraints", {}).get("required"):
            assert (hints[f["name"]], defaults[f["name"]]) == (python, MISSING), f["name"]
        else:
            assert (hints[f["name"]], defaults[f["name"]]) == (python | None, None), f["name"]


@pytest.mark.parametrize("header,field", [
    ("2024年预期目标", "target_text"), ("目标值", "target_text"), ("2025年计划目标", "target_text"),
    ("2023年目标值", "target_text"), ("2023年计划", "target_text"), ("2024年目标", "target_text"),
    ("全年完成情况", "actual_text"), ("预计全年完成", "actual_text"), ("1-11月完成情况", "actual_text"),
    ("执行情况", "actual_text"), ("2023年预计完成", "actual_text"), ("2023年完成", "actual_text"),
    ("2023年实际", "actual_text"), ("实际数", "actual_text"), ("2024年预期", "target_text"),
    ("指标名称", "indicator"), ("指 标", "indicator"), ("序 号", "seq"), ("计量单位", "unit"), ("单位", "unit"),
    ("属性", "attribute"), ("指标属性", "attribute"),
])
def test_indicator_header_wordings(header, field):
    fields = ["seq", "category", "indicator", "target_text", "actual_text", "unit", "attribute"]
    assert map_columns((header,), fields) == {0: field}


@pytest.mark.parametrize("header,field", [
    ("投资总额(亿元)", "investment_yi"), ("总投资（万元）", "investment_yi"), ("计划总投资", "investment_yi"),
    ("2024年计划投资（万元）", "plan_investment_yi"), ("计划投资", "plan_investment_yi"),
    ("年度计划投资", "plan_investment_yi"), ("项目名称", "name"), ("建设单位", "builder"),
    ("责任单位", "builder"), ("目标", "target_stage"), ("2023年计划目标", "target_stage"),
    ("2024年形象进度", "target_stage"), ("形象进度", "target_stage"), ("进展情况", "progress_text"),
    ("2023年完成情况", "progress_text"), ("建设内容", "content"), ("建设规模及内容", "content"),
    ("建设年限", "period"), ("建设起止年限", "period"),
])
def test_project_header_wordings(header, field):
    fields = ["seq", "name", "investment_yi", "plan_investment_yi", "target_stage", "progress_text", "builder",
              "content", "period"]
    assert map_columns((header,), fields) == {0: field}


@pytest.mark.parametrize("header,year,unit,stem", [
    ("2023年计划目标", 2023, None, "计划目标"), ("总投资（万元）", None, "万元", "总投资"),
    ("2024年计划投资（万元）", 2024, "万元", "计划投资"), ("2024 年度目标", 2024, None, "目标"),
    ("投资总额(亿元)", None, "亿元", "投资总额"), ("建设规模（及内容）", None, None, "建设规模(及内容)"),
])
def test_a_header_is_read_as_its_year_unit_and_words(header, year, unit, stem):
    assert header_words(header) == (year, unit, stem)


def test_a_table_with_several_measures_has_a_column_per_field_and_year():
    header = ("序号", "指标名称", "计量单位", "属性", "2023年计划", "2023年预计完成", "2024年目标", "备注")
    fields = ["seq", "category", "indicator", "target_text", "actual_text", "unit", "attribute"]
    assert read_columns(header, fields) == {
        0: Column("seq"), 1: Column("indicator"), 2: Column("unit"), 3: Column("attribute"),
        4: Column("target_text", 2023), 5: Column("actual_text", 2023), 6: Column("target_text", 2024)}


@pytest.mark.parametrize("line,number", [
    ("表1：2021年主要目标完成情况", "1"), ("表 2 2022年重大项目", "2"), ("附表3、重大项目", "3"),
    ("表一：主要指标", "一"), ("表１：全角数字", "１"), ("表示支持", None), ("表格说明如下", None),
])
def test_table_title_pattern(line, number):
    m = data.regex("table_title").match(line)
    assert (m.group(1) or m.group(3) if m else None) == number


def test_the_indicator_catalogue_is_well_formed():
    """schemas/indicators.csv: a key is its own normalised name, no printed name belongs to two
    indicators, and a base unit is one units.csv gives for the catalogue's dimension."""
    from pipeline.vocab.keys import catalogue, normalise_indicator
    units = {(r["dimension"], r["base_unit"]) for r in data.csv_rows("units.csv")}
    seen: dict[str, str] = {}
    for ind in catalogue():
        assert normalise_indicator(ind.key) == ind.key, ind.key
        assert ind.base_unit is None or (ind.dimension, ind.base_unit) in units, ind
        for name in ind.names:
            assert seen.setdefault(name, ind.key) == ind.key, (name, seen[name], ind.key)
    assert len(catalogue()) >= 50
