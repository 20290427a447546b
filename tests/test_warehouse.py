"""DuckDB warehouse loads, deterministic outputs, and Frictionless conformance of the data package."""
import shutil
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest

from pipeline.api import extract, extract_to
from pipeline.output.write import TABLES, write_extraction
from pipeline.warehouse.load import LoadError, load

from conftest import NOTICES, ROOT, relist

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


def test_load_is_idempotent_and_typed(written, tmp_path):
    db = tmp_path / "w.duckdb"
    assert load(written, str(db)) == {n: "loaded" for n in NOTICES}
    assert load(written, str(db)) == {n: "unchanged" for n in NOTICES}
    assert load(written, str(db), force=True) == {n: "loaded" for n in NOTICES}
    con = duckdb.connect(str(db))
    assert con.execute("SELECT notice_id, count(*) FROM indicators GROUP BY ALL ORDER BY 1").fetchall() == [
        ("baoshan-2022", 50), ("baoshan-2023", 49)]
    assert con.execute("SELECT count(*) FROM projects WHERE notice_id = 'baoshan-2022'").fetchone() == (38,)
    assert con.execute("SELECT table_no, text, page FROM table_notes WHERE notice_id = 'baoshan-2023'").fetchall() == [
        (3, "备注：产业类投资额：工业用地投资和研发类用地投资的总和。", 6)]
    assert con.execute("SELECT investment_cny FROM projects WHERE notice_id = 'baoshan-2022' AND table_no = 2 "
                   "AND seq = 3").fetchone() == (Decimal("2570000000"),)
    assert con.execute("SELECT base_value FROM indicator_values WHERE notice_id = 'baoshan-2022' AND table_no = 1 "
                   "AND seq = 20 AND measure = 'target'").fetchone() == (Decimal("14600"),)
    # each notice's verdict beside its load: both complete, their declared section counts source issues
    assert con.execute("SELECT notice_id, status, doubts, source_issues FROM notice_loads ORDER BY 1").fetchall() == [
        ("baoshan-2022", "complete", 0, 2), ("baoshan-2023", "complete", 0, 1)]


@pytest.fixture
def without_unit(monkeypatch):
    """schemas/units.csv with one unit (家) removed, for the length of a test."""
    from pipeline.vocab import data
    from pipeline.vocab import grammar as quantities
    real = data.text

    def clear():
        for cached in (data.csv_rows, quantities.units, quantities._grammar):
            cached.cache_clear()
    monkeypatch.setattr(data, "text", lambda name: "\n".join(
        ln for ln in real(name).splitlines() if not ln.startswith("家,")) if name == "units.csv" else real(name))
    clear()
    yield
    monkeypatch.undo()
    clear()


def test_reload_follows_the_outputs_not_the_pdf(written, tmp_path, without_unit):
    """A unit removed from schemas/ changes the facts of an unchanged PDF: the warehouse reloads them."""
    out = tmp_path / "out"
    shutil.copytree(written / "baoshan-2022", out / "baoshan-2022")
    db = tmp_path / "w.duckdb"
    assert load(out, str(db)) == {"baoshan-2022": "loaded"}
    con = duckdb.connect(str(db))
    before = con.execute("SELECT count(*) FROM facts").fetchone()[0]
    con.close()
    ex = extract(ROOT / "raw" / "baoshan-2022.pdf")
    assert 0 < len(ex.tables["facts"]) < before
    write_extraction(ex, out)
    assert load(out, str(db)) == {"baoshan-2022": "loaded"}
    assert load(out, str(db)) == {"baoshan-2022": "unchanged"}
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM facts").fetchone() == (len(ex.tables["facts"]),)
    assert con.execute("SELECT count(*) FROM facts WHERE unit LIKE '%家'").fetchone() == (0,)


def test_a_column_added_to_a_schema_reaches_an_existing_warehouse(written, tmp_path):
    """A warehouse made before a schema gained a column gets the column, and every notice is loaded
    again so that the column has its values."""
    db = tmp_path / "w.duckdb"
    load(written, str(db))
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE facts DROP COLUMN subject")
    con.close()
    assert load(written, str(db)) == {n: "loaded" for n in NOTICES}
    con = duckdb.connect(str(db))
    assert con.execute("SELECT subject FROM facts WHERE notice_id = 'baoshan-2022' AND raw = '380家'").fetchone() == (
        "高新技术企业",)


def test_a_key_changed_in_a_schema_reaches_an_existing_warehouse(written, tmp_path):
    """A warehouse made when indicators were keyed by (notice_id, table_no, seq) gets the key with
    `year` (a table with several measures has a row per year under one number): the table is made
    again with its rows, and every notice is loaded again."""
    db = tmp_path / "w.duckdb"
    load(written, str(db))
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE old_indicators AS SELECT * FROM indicators")
    con.execute("DROP TABLE indicators")
    con.execute("CREATE TABLE indicators AS SELECT * FROM old_indicators LIMIT 0")
    con.execute("ALTER TABLE indicators ADD PRIMARY KEY (notice_id, table_no, seq)")
    con.execute("INSERT INTO indicators SELECT * FROM old_indicators")
    con.execute("DROP TABLE old_indicators")
    rows = con.execute("SELECT count(*) FROM indicators").fetchone()
    con.close()
    assert load(written, str(db)) == {n: "loaded" for n in NOTICES}
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM indicators").fetchone() == rows
    keys = con.execute("SELECT k.column_name FROM information_schema.key_column_usage k "
                       "WHERE k.table_name = 'indicators'").fetchall()
    assert sorted(k for (k,) in keys) == ["notice_id", "seq", "table_no", "year"]
    con.execute("INSERT INTO indicators (notice_id, table_no, year, seq, indicator, page, source) "
                "SELECT notice_id, table_no, year + 1, seq, indicator, page, source FROM indicators LIMIT 1")


def test_failed_load_keeps_previous_contents(written, tmp_path):
    db = tmp_path / "w.duckdb"
    load(written, str(db))
    broken = tmp_path / "broken"
    shutil.copytree(written / "baoshan-2022", broken / "baoshan-2022")
    (broken / "baoshan-2022" / "facts.parquet").write_bytes(b"not parquet")
    # a file that is not the one datapackage.json lists is refused before any row is touched
    assert load(broken, str(db), force=True) == {
        "baoshan-2022": "not loaded: baoshan-2022/facts.parquet is not the file datapackage.json lists "
                        "(its sha256 differs: edited or damaged)"}
    relist(broken / "baoshan-2022")     # the same file listed as it is: the database refuses it
    with pytest.raises(LoadError, match="baoshan-2022 was not loaded") as failure:
        load(broken, str(db), force=True)
    assert isinstance(failure.value.__cause__, duckdb.Error)
    con = duckdb.connect(str(db))
    for t, n in (("indicators", 50), ("projects", 38), ("paragraphs", 88)):
        assert con.execute(f"SELECT count(*) FROM {t} WHERE notice_id = 'baoshan-2022'").fetchone() == (n,)


def test_two_runs_give_identical_outputs(tmp_path):
    pdf = ROOT / "raw" / "baoshan-2023.pdf"
    a, b = tmp_path / "a", tmp_path / "b"
    assert extract_to(pdf, a).ok and extract_to(pdf, b).ok
    for t in TABLES:
        assert (a / pdf.stem / f"{t}.csv").read_bytes() == (b / pdf.stem / f"{t}.csv").read_bytes(), t
        assert pq.read_table(a / pdf.stem / f"{t}.parquet").equals(pq.read_table(b / pdf.stem / f"{t}.parquet")), t
    assert (a / pdf.stem / "datapackage.json").read_bytes() == (b / pdf.stem / "datapackage.json").read_bytes()


@pytest.mark.parametrize("notice_id", NOTICES)
def test_frictionless_validates_the_data_package(written, notice_id):
    """The same check as `frictionless validate extracted/<id>/datapackage.json`, through its CLI."""
    import subprocess
    import sys
    from pathlib import Path
    cli = Path(sys.executable).parent / "frictionless"
    run = subprocess.run([str(cli), "validate", str(written / notice_id / "datapackage.json")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    assert run.stdout.count("VALID") == 2 * len(TABLES) and "INVALID" not in run.stdout   # CSV and Parquet


def test_the_readme_warehouse_queries_answer(written, tmp_path):
    """The example queries of the README's warehouse section run, and the third puts both years of
    a growth rate side by side."""
    import re
    db = tmp_path / "w.duckdb"
    load(written, str(db))
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The warehouse", 1)[1].split("\n## ", 1)[0]
    queries = [q.strip() for b in re.findall(r"```sql\n(.*?)```", section, re.S) for q in b.split(";") if q.strip()]
    con = duckdb.connect(str(db))
    answers = [con.execute(q).fetchall() for q in queries]
    assert len(answers) == 3 and all(answers)
    side_by_side = {row[0]: row[1:] for row in answers[2]}
    assert side_by_side["地区生产总值"] == (6.5, 6.0)            # 2021: grew 6.5 %; 2022 target: 6 %
    assert side_by_side["区级一般公共预算收入"] == (13.0, 6.0)


def _hold_lock(db, seconds: float):
    """Another process holding the DuckDB file (as a second `load` would), ready when it prints."""
    import subprocess
    import sys
    code = f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); time.sleep({seconds})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_load_waits_for_the_first(written, tmp_path):
    db = tmp_path / "w.duckdb"
    holder = _hold_lock(db, 2)
    try:
        assert load(written, str(db), wait=30) == {n: "loaded" for n in NOTICES}
    finally:
        holder.wait()


def test_a_load_that_cannot_wait_says_nothing_was_loaded(written, tmp_path, capsys):
    from pipeline.cli import main
    db = tmp_path / "w.duckdb"
    holder = _hold_lock(db, 5)
    try:
        assert main(["load", "--extracted", str(written), "--db", str(db), "--wait", "0.5"]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"the warehouse {db} is held by another process (waited 0.5 s); nothing was loaded" in err


def test_a_notice_that_fails_to_load_is_named(written, tmp_path, monkeypatch):
    from pipeline.warehouse import load as warehouse
    db = tmp_path / "w.duckdb"
    real = warehouse._DuckDB.insert_parquet

    def fail_on_2023(self, table, parquet):
        if "baoshan-2023" in str(parquet):
            raise OSError("disk gone")
        real(self, table, parquet)

    monkeypatch.setattr(warehouse._DuckDB, "insert_parquet", fail_on_2023)
    with pytest.raises(LoadError, match="baoshan-2023 was not loaded, its previous rows are kept "
                                                  r"\(loaded before it: baoshan-2022\): OSError: disk gone"):
        load(written, str(db))
