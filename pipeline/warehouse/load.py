"""extracted/ → a warehouse: an embedded DuckDB file (default) or PostgreSQL, one table per output
table with all notices together, created from the schemas under schemas/.

Loads are idempotent and atomic: a notice's rows are replaced in one transaction. A notice is
skipped (unless forced) when its outputs are the ones already loaded, told by the hashes its
datapackage.json lists for every file: new outputs (from a changed pipeline or schemas/, not only
from a changed PDF) always load. The views across notices and years (pipeline/views.py) are
created again after every load."""
from __future__ import annotations

import hashlib
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from pipeline.output.manifest import EXTRACTED, Manifest
from pipeline.output.storage import damage
from pipeline.output.write import TABLES
from pipeline.vocab import data
from pipeline.warehouse.views import view_statements

if TYPE_CHECKING:       # imported when a warehouse of that kind is opened
    import duckdb

SQL_TYPES = {"string": "TEXT", "integer": "BIGINT", "number": "DOUBLE PRECISION", "boolean": "BOOLEAN",
             "date": "DATE"}


def _sql_type(f: dict) -> str:
    return f"NUMERIC({f['x-decimal']['precision']}, {f['x-decimal']['scale']})" if "x-decimal" in f \
        else SQL_TYPES[f["type"]]


def create_table_sql(table: str) -> str:
    schema = data.table_schema(table)
    cols = []
    for f in schema["fields"]:
        required = " NOT NULL" if f.get("constraints", {}).get("required") else ""
        cols.append(f'"{f["name"]}" {_sql_type(f)}{required}')
    key = schema.get("primaryKey") or []
    if key:
        # a key with a column that may be empty (the year of a table that prints none) is UNIQUE:
        # PRIMARY KEY would make the column NOT NULL
        required_names = {f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")}
        kind = "PRIMARY KEY" if set(key) <= required_names else "UNIQUE"
        cols.append(f"{kind} (" + ", ".join(f'"{k}"' for k in key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {table} (" + ", ".join(cols) + ")"


def _key_columns(target: _Target, table: str) -> set[str] | None:
    """The columns of the table's primary key or unique constraint in the warehouse (None: no table)."""
    rows = target.fetch("SELECT k.column_name FROM information_schema.table_constraints c "
                        "JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name "
                        "AND k.table_name = c.table_name AND k.table_schema = c.table_schema "
                        "WHERE c.table_name = %s AND c.table_schema = current_schema() "
                        "AND c.constraint_type IN ('PRIMARY KEY', 'UNIQUE')", [table])
    return {r[0] for r in rows}


def _rekey(target: _Target, table: str) -> bool:
    """A table whose key the schema has changed since it was made (indicators gained `year`: a table
    with several measures has a row per year under one 表 number) is made again with the new key and
    its rows copied over (the views, which depend on it, are made again after the load); returns
    whether it was, as every notice must then be loaded again."""
    want = set(data.table_schema(table).get("primaryKey") or [])
    have = _key_columns(target, table)
    if not have or not want or have == want:
        return False
    for sql in view_statements():
        if sql.startswith("DROP"):
            target.run(sql)
    names = ", ".join(f'"{r[0]}"' for r in target.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "AND table_schema = current_schema() ORDER BY ordinal_position", [table]))
    target.run(f"ALTER TABLE {table} RENAME TO {table}__rekey")
    target.run(create_table_sql(table))
    target.run(f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}__rekey")
    target.run(f"DROP TABLE {table}__rekey")
    return True




def _folders(extracted: Path, notes: list[str]) -> tuple[list[Path], dict[str, str]]:
    """The notice folders to load, and why each other notice folder is not loaded. A notice folder is
    a visible folder the manifest has a row for or that holds outputs; it is loaded when its outputs
    are those its datapackage.json lists (`damage`) and the manifest does not show its last extract
    failed (then the outputs there are an earlier run's). A folder is renamed into its visible name
    as the last step of its write, so hidden ones (`.<id>.tmp-PID`, `.<id>.old-PID`) are half-written
    or on their way out and are not looked at."""
    manifest = Manifest(extracted)
    notes.extend(manifest.notes)
    load, refused = [], {}
    for folder in sorted(p for p in Path(extracted).iterdir() if p.is_dir() and not p.name.startswith(".")):
        entry = manifest.entries.get(folder.name)
        if entry is None and not any((folder / f).exists() for f in ("datapackage.json", "notices.parquet")):
            continue            # no notice folder: nothing the tool wrote
        if entry is not None and entry.status not in EXTRACTED:
            refused[folder.name] = (f"its last extract failed ({entry.status}), the outputs in the folder are an "
                                    "earlier run's")
        elif why := damage(extracted, folder.name):
            refused[folder.name] = why
        else:
            load.append(folder)
    for notice_id, entry in manifest.entries.items():
        if entry.status in EXTRACTED and not (Path(extracted) / notice_id).is_dir():
            refused[notice_id] = f"the manifest shows it extracted, but its folder {notice_id}/ is missing"
    return load, refused


# which outputs of each notice are in the warehouse: the content key of its folder; and its verdict
# from report.json: status (complete | needs_review), how many doubts and how many source issues
LOADS_SQL = "CREATE TABLE IF NOT EXISTS notice_loads (notice_id TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL)"
VERDICT_COLUMNS = {"status": "TEXT", "doubts": "INTEGER", "source_issues": "INTEGER"}


def _notice_id(folder: Path) -> str:
    return pq.read_table(folder / "notices.parquet", columns=["notice_id"]).column("notice_id")[0].as_py()


def content_key(folder: Path) -> str:
    """sha256 over the path and hash of every file the folder's datapackage.json lists."""
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    listed = sorted(f"{r['path']} {r['hash']}" for r in package["resources"])
    return hashlib.sha256("\n".join(listed).encode()).hexdigest()


class LoadError(Exception):
    """A load that stopped: says which notice was not loaded (those before it are in)."""


NOT_LOADED = "not loaded: "     # how the outcome of a notice folder that was not loaded starts


def load(extracted: Path, db: str, force: bool = False, wait: float = 60.0,
         notes: list[str] | None = None) -> dict[str, str]:
    """Load every notice folder under `extracted` into `db` (a DuckDB path or a postgresql:// URL);
    returns notice_id → "loaded" | "unchanged" | "not loaded: <why>" (a folder whose outputs are not
    those its datapackage.json lists, naming the file, or whose last extract failed; its rows in the
    warehouse, if any, are left as they were). A DuckDB file another process is writing is waited for
    up to `wait` seconds. `notes` receives what was done about a damaged manifest."""
    folders, refused = _folders(Path(extracted), notes if notes is not None else [])
    target = connect(db, wait)
    outcome: dict[str, str] = {}
    try:
        with target.transaction():
            for t in TABLES:
                target.run(create_table_sql(t))
                force = _add_new_columns(target, t) or force
                force = _rekey(target, t) or force
            target.run(LOADS_SQL)
            _add_verdict_columns(target)
        for folder in folders:
            notice_id, key = _notice_id(folder), content_key(folder)
            try:
                outcome[notice_id] = _load_notice(target, folder, notice_id, key, force)
            except Exception as e:
                done = ", ".join(n for n, what in outcome.items() if what == "loaded") or "none"
                raise LoadError(f"{notice_id} was not loaded, its previous rows are kept "
                                f"(loaded before it: {done}): {type(e).__name__}: {e}") from e
        outcome.update({n: NOT_LOADED + why for n, why in refused.items()})
        with target.transaction():
            for sql in view_statements():
                target.run(sql)
    finally:
        target.close()
    return outcome


def _load_notice(target: _Target, folder: Path, notice_id: str, key: str, force: bool) -> str:
    """Replace one notice's rows in one transaction, unless the same outputs are already loaded."""
    with target.transaction():
        have = target.fetch("SELECT content_sha256 FROM notice_loads WHERE notice_id = %s", [notice_id])
        verdict = _verdict(folder)
        if have and have[0][0] == key and not force:
            target.run("UPDATE notice_loads SET status = %s, doubts = %s, source_issues = %s WHERE notice_id = %s",
                       [*verdict, notice_id])
            return "unchanged"
        for t in TABLES:
            target.run(f"DELETE FROM {t} WHERE notice_id = %s", [notice_id])
            target.insert_parquet(t, folder / f"{t}.parquet")
        target.run("DELETE FROM notice_loads WHERE notice_id = %s", [notice_id])
        target.run("INSERT INTO notice_loads (notice_id, content_sha256, status, doubts, source_issues) "
                   "VALUES (%s, %s, %s, %s, %s)", [notice_id, key, *verdict])
    return "loaded"


def _verdict(folder: Path) -> tuple[str | None, int | None, int | None]:
    """status, doubts and source issues of the notice's report.json (None where it has none)."""
    try:
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None, None
    doubts = len(report.get("problems", [])) + sum(report.get("problems_not_listed", {}).values())
    return report.get("status"), doubts, len(report.get("source_issues", []))


def _add_verdict_columns(target: _Target) -> None:
    """A warehouse made before notice_loads held the verdict gains its columns."""
    have = {r[0] for r in target.fetch("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = 'notice_loads' AND table_schema = current_schema()")}
    for name, sql_type in VERDICT_COLUMNS.items():
        if name not in have:
            target.run(f"ALTER TABLE notice_loads ADD COLUMN {name} {sql_type}")


def connect(db: str, wait: float = 60.0) -> _Target:
    """A DuckDB file path or a postgresql:// URL → a connection with run / fetch / transaction."""
    return _Postgres(db) if db.startswith(("postgresql://", "postgres://")) else _DuckDB(db, wait)


def _add_new_columns(target: _Target, table: str) -> bool:
    """Columns a schema gained since the table was created are added (nullable: the rows already
    there have no value); returns whether any was, as every notice must then be loaded again."""
    have = {r[0] for r in target.fetch("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_name = %s AND table_schema = current_schema()", [table])}
    new = [f for f in data.table_schema(table)["fields"] if f["name"] not in have]
    for f in new:
        target.run(f'ALTER TABLE {table} ADD COLUMN "{f["name"]}" {_sql_type(f)}')
    return bool(new)


class _Target(ABC):
    """A connection to the warehouse: SQL run and fetched with %s parameters, in transactions."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.begin()
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.commit()

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @abstractmethod
    def run(self, sql: str, params: Sequence[Any] | None = None) -> None: ...

    @abstractmethod
    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def insert_parquet(self, table: str, parquet: Path) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class _DuckDB(_Target):
    con: duckdb.DuckDBPyConnection

    def __init__(self, path: str, wait: float = 60.0):
        """DuckDB lets one process write a file at a time: wait for another load to finish."""
        import duckdb
        deadline = time.monotonic() + wait
        while True:
            try:
                self.con = duckdb.connect(path)
                return
            except duckdb.IOException as e:
                if "lock" not in str(e).lower() or time.monotonic() >= deadline:
                    raise LoadError(f"the warehouse {path} is held by another process (waited {wait:g} s); "
                                    f"nothing was loaded: {e}") from e
                time.sleep(0.2)

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def run(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql.replace("%s", "?"), params or [])

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.replace("%s", "?"), params or []).fetchall()

    def insert_parquet(self, table: str, parquet: Path) -> None:
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [str(parquet)])

    def close(self) -> None:
        self.con.close()


class _Postgres(_Target):
    def __init__(self, dsn: str):
        import psycopg
        self.con = psycopg.connect(dsn)

    def begin(self) -> None:
        pass            # psycopg opens a transaction with the first statement

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        self.con.rollback()

    def run(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self.con.cursor() as cur:
            cur.execute(sql, params)

    def fetch(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.con.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def close(self) -> None:
        self.con.close()

    def insert_parquet(self, table: str, parquet: Path) -> None:
        names = [f["name"] for f in data.table_schema(table)["fields"]]
        cols = ", ".join(f'"{n}"' for n in names)
        with self.con.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in pq.read_table(parquet).to_pylist():
                copy.write_row([row[n] for n in names])
