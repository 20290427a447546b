"""extracted/ → an embedded DuckDB warehouse: one table per output table, all notices together.

Loads are idempotent and atomic: a notice's rows are replaced in one transaction, and a notice
whose source PDF (sha256) is unchanged is skipped unless forced."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .write import TABLES, arrow_schema


def _ensure_tables(con) -> None:
    for t in TABLES:
        empty = arrow_schema(t).empty_table()  # noqa: F841 - read by DuckDB by name
        con.execute(f"CREATE TABLE IF NOT EXISTS {t} AS SELECT * FROM empty WHERE false")


def load_duckdb(extracted: Path, db_path: Path, force: bool = False) -> dict[str, str]:
    """Load every notice folder under `extracted`; returns notice_id → "loaded" | "unchanged"."""
    folders = sorted(p for p in Path(extracted).iterdir() if (p / "notices.parquet").exists())
    outcome: dict[str, str] = {}
    with duckdb.connect(str(db_path)) as con:
        _ensure_tables(con)
        for folder in folders:
            notice = con.execute(f"SELECT notice_id, source_sha256 FROM read_parquet('{folder / 'notices.parquet'}')").fetchone()
            notice_id, sha = notice
            have = con.execute("SELECT source_sha256 FROM notices WHERE notice_id = ?", [notice_id]).fetchone()
            if have and have[0] == sha and not force:
                outcome[notice_id] = "unchanged"
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                for t in TABLES:
                    con.execute(f"DELETE FROM {t} WHERE notice_id = ?", [notice_id])
                    con.execute(f"INSERT INTO {t} SELECT * FROM read_parquet('{folder / (t + '.parquet')}')")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            outcome[notice_id] = "loaded"
    return outcome
