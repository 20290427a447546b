"""extracted/ → a warehouse: an embedded DuckDB file (default) or PostgreSQL, one table per output
table with all notices together, created from the schemas under schemas/.

Loads are idempotent and atomic: a notice's rows are replaced in one transaction, and a notice
whose source PDF (sha256) is unchanged is skipped unless forced. The views across notices and years
(pipeline/views.py) are created again after every load."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq

from . import data
from .views import view_statements
from .write import TABLES

SQL_TYPES = {"string": "TEXT", "integer": "BIGINT", "number": "DOUBLE PRECISION", "boolean": "BOOLEAN",
             "date": "DATE"}


def create_table_sql(table: str) -> str:
    schema = data.table_schema(table)
    cols = []
    for f in schema["fields"]:
        t = f"NUMERIC({f['x-decimal']['precision']}, {f['x-decimal']['scale']})" if "x-decimal" in f \
            else SQL_TYPES[f["type"]]
        required = " NOT NULL" if f.get("constraints", {}).get("required") else ""
        cols.append(f'"{f["name"]}" {t}{required}')
    if schema.get("primaryKey"):
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in schema["primaryKey"]) + ")")
    return f"CREATE TABLE IF NOT EXISTS {table} (" + ", ".join(cols) + ")"


def _folders(extracted: Path) -> list[Path]:
    return sorted(p for p in Path(extracted).iterdir() if (p / "notices.parquet").exists())


def _notice_of(folder: Path) -> tuple[str, str]:
    row = pq.read_table(folder / "notices.parquet", columns=["notice_id", "source_sha256"]).to_pylist()[0]
    return row["notice_id"], row["source_sha256"]


def load(extracted: Path, db: str, force: bool = False) -> dict[str, str]:
    """Load every notice folder under `extracted` into `db` (a DuckDB path or a postgresql:// URL);
    returns notice_id → "loaded" | "unchanged"."""
    target = connect(db)
    outcome: dict[str, str] = {}
    try:
        with target.transaction():
            for t in TABLES:
                target.run(create_table_sql(t))
        for folder in _folders(extracted):
            notice_id, sha = _notice_of(folder)
            with target.transaction():
                have = target.fetch("SELECT source_sha256 FROM notices WHERE notice_id = %s", [notice_id])
                if have and have[0][0] == sha and not force:
                    outcome[notice_id] = "unchanged"
                    continue
                for t in TABLES:
                    target.run(f"DELETE FROM {t} WHERE notice_id = %s", [notice_id])
                    target.insert_parquet(t, folder / f"{t}.parquet")
            outcome[notice_id] = "loaded"
        with target.transaction():
            for sql in view_statements():
                target.run(sql)
    finally:
        target.close()
    return outcome


def connect(db: str) -> "_Target":
    """A DuckDB file path or a postgresql:// URL → a connection with run / fetch / transaction."""
    return _Postgres(db) if db.startswith(("postgresql://", "postgres://")) else _DuckDB(db)


class _Target:
    con = None

    @contextmanager
    def transaction(self):
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def close(self):
        self.con.close()


class _DuckDB(_Target):
    def __init__(self, path: str):
        import duckdb
        self.con = duckdb.connect(path)

    def begin(self):
        self.con.execute("BEGIN TRANSACTION")

    def commit(self):
        self.con.execute("COMMIT")

    def rollback(self):
        self.con.execute("ROLLBACK")

    def run(self, sql, params=None):
        self.con.execute(sql.replace("%s", "?"), params or [])

    def fetch(self, sql, params=None):
        return self.con.execute(sql.replace("%s", "?"), params or []).fetchall()

    def insert_parquet(self, table: str, parquet: Path):
        self.con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet(?)", [str(parquet)])


class _Postgres(_Target):
    def __init__(self, dsn: str):
        import psycopg
        self.con = psycopg.connect(dsn)

    def begin(self):
        pass            # psycopg opens a transaction with the first statement

    def commit(self):
        self.con.commit()

    def rollback(self):
        self.con.rollback()

    def run(self, sql, params=None):
        with self.con.cursor() as cur:
            cur.execute(sql, params)

    def fetch(self, sql, params=None):
        with self.con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def insert_parquet(self, table: str, parquet: Path):
        names = [f["name"] for f in data.table_schema(table)["fields"]]
        cols = ", ".join(f'"{n}"' for n in names)
        with self.con.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in pq.read_table(parquet).to_pylist():
                copy.write_row([row[n] for n in names])
