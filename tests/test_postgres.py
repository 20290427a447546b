"""Loading into a real PostgreSQL server: tables from the schemas, typed values, idempotent and
atomic loads."""
import shutil
from decimal import Decimal

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.warehouse.load import LoadError, load

from conftest import NOTICES, relist
from pgserver import postgres_server

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def dsn():
    with postgres_server() as url:
        yield url


def _one(dsn, sql):
    with psycopg.connect(dsn) as con:
        return con.execute(sql).fetchall()


def test_load_counts_types_and_idempotence(written, dsn):
    assert load(written, dsn, force=True) == {n: "loaded" for n in NOTICES}
    assert load(written, dsn) == {n: "unchanged" for n in NOTICES}
    assert load(written, dsn, force=True) == {n: "loaded" for n in NOTICES}
    assert _one(dsn, "SELECT notice_id, count(*) FROM indicators GROUP BY 1 ORDER BY 1") == [
        ("baoshan-2022", 50), ("baoshan-2023", 49)]
    assert _one(dsn, "SELECT count(*) FROM paragraphs WHERE notice_id = 'baoshan-2022'") == [(88,)]
    assert _one(dsn, "SELECT table_no, text, page FROM table_notes WHERE notice_id = 'baoshan-2022'") == [
        (3, "备注：产业类投资额：工业用地投资和研发类用地投资的总和。", 7)]
    assert _one(dsn, "SELECT investment_cny FROM projects WHERE notice_id = 'baoshan-2022' AND table_no = 2 "
                     "AND seq = 3") == [(Decimal("2570000000.000000"),)]
    assert _one(dsn, "SELECT issue_date::text, plan_year FROM notices WHERE notice_id = 'baoshan-2022'") == [
        ("2022-03-01", 2022)]
    assert _one(dsn, "SELECT data_type FROM information_schema.columns WHERE table_name = 'indicator_values' "
                     "AND column_name = 'base_value'") == [("numeric",)]
    assert _one(dsn, "SELECT notice_id, status, doubts, source_issues FROM notice_loads ORDER BY 1") == [
        ("baoshan-2022", "complete", 0, 2), ("baoshan-2023", "complete", 0, 1)]


def test_failing_row_rolls_back_the_whole_notice(written, dsn, tmp_path):
    load(written, dsn, force=True)
    broken = tmp_path / "broken" / "baoshan-2022"
    shutil.copytree(written / "baoshan-2022", broken)
    facts = pq.read_table(broken / "facts.parquet").to_pylist()
    facts.append({**facts[0], "raw": None})          # NOT NULL in the schema: the load must fail here
    pq.write_table(pa.Table.from_pylist(facts, schema=pq.read_schema(broken / "facts.parquet")),
                   broken / "facts.parquet")
    relist(broken)          # listed as it is now, so that the database is what refuses it
    with pytest.raises(LoadError, match="baoshan-2022 was not loaded") as failure:
        load(broken.parent, dsn, force=True)
    assert isinstance(failure.value.__cause__, psycopg.errors.NotNullViolation)
    assert _one(dsn, "SELECT count(*) FROM indicators WHERE notice_id = 'baoshan-2022'") == [(50,)]
    assert _one(dsn, "SELECT count(*) FROM facts WHERE notice_id = 'baoshan-2022'") == [(len(facts) - 1,)]


def test_views_and_readme_queries_give_the_same_rows_as_in_duckdb(written, dsn, tmp_path):
    import duckdb

    from pipeline.warehouse.views import VIEWS
    load(written, dsn, force=True)
    load(written, str(tmp_path / "w.duckdb"))
    duck = duckdb.connect(str(tmp_path / "w.duckdb"))
    for view in VIEWS:
        in_duckdb = sorted(duck.execute(f"SELECT * FROM {view}").fetchall(), key=repr)
        in_postgres = sorted(_one(dsn, f"SELECT * FROM {view}"), key=repr)
        assert in_postgres == in_duckdb, view
        assert len(in_duckdb) > 20, view
    from test_views import readme_queries
    for query in readme_queries():
        assert sorted(_one(dsn, query), key=repr) == sorted(duck.execute(query).fetchall(), key=repr), query


def test_series_command_reads_postgresql_as_duckdb(written, dsn, tmp_path, capsys):
    from pipeline.cli import main
    load(written, dsn, force=True)
    load(written, str(tmp_path / "w.duckdb"))
    assert main(["series", "地区生产总值", "--db", dsn]) == 0
    from_postgres = capsys.readouterr().out
    assert main(["series", "地区生产总值", "--db", str(tmp_path / "w.duckdb")]) == 0
    assert from_postgres == capsys.readouterr().out
    assert "2022  可比增长6%（增长高于全市平均水平）  1841.02亿元，增长6.7%  yes" in from_postgres


def test_indicator_panel_of_two_districts_is_the_same_in_postgresql(dsn, tmp_path):
    """Two districts' notices (built by test_views.two_districts) in a database of their own: the
    panel puts their GDP under one key, with the same rows as DuckDB."""
    from urllib.parse import urlsplit, urlunsplit

    import duckdb
    from test_views import two_districts
    out = two_districts(tmp_path)
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS districts_panel")
        con.execute("CREATE DATABASE districts_panel")
    other = urlunsplit(urlsplit(dsn)._replace(path="/districts_panel"))
    load(out, other)
    load(out, str(tmp_path / "w.duckdb"))
    query = "SELECT district, year, indicator_key, catalogued, target_text, actual_text, met FROM indicator_panel"
    in_postgres = sorted(_one(other, query), key=repr)
    assert in_postgres == sorted(duckdb.connect(str(tmp_path / "w.duckdb")).execute(query).fetchall(), key=repr)
    assert [r[:3] for r in in_postgres if r[2] == "地区生产总值"] == [("乙区", 2023, "地区生产总值"),
                                                                   ("甲县", 2023, "地区生产总值")]
