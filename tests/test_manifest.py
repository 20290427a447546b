"""manifest.parquet: a rerun skips what is done (same PDF, same pipeline version, outputs intact) and
redoes what changed or was damaged; --force redoes everything; the pipeline version follows the code
and the data files; the warehouse loads only what the manifest shows finished."""
import shutil

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.output import manifest
from pipeline.output.manifest import file_sha256, pipeline_version
from pipeline.warehouse.load import load

from conftest import NOTICES, ROOT

pytestmark = pytest.mark.once


def _run(capsys, folder, out, *args) -> list[str]:
    assert main(["extract", str(folder), "--out", str(out), "--quiet", "--jobs", "2", *args]) == 0
    return capsys.readouterr().out.splitlines()


def _ran(lines: list[str]) -> list[str]:
    return sorted(line.split(":")[0] for line in lines if " pages, " in line)


def test_a_rerun_redoes_only_changed_or_damaged_notices(tmp_path, capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b", "c"):
        shutil.copy(ROOT / "raw" / f"{NOTICES[0]}.pdf", folder / f"{name}.pdf")
    assert _ran(_run(capsys, folder, out)) == ["a", "b", "c"]
    first = {r["notice_id"]: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}

    shutil.copy(ROOT / "raw" / f"{NOTICES[1]}.pdf", folder / "b.pdf")          # a new PDF under b's name
    (out / "c" / "facts.parquet").write_bytes(b"damaged")                      # c's outputs not intact
    lines = _run(capsys, folder, out)
    assert _ran(lines) == ["b", "c"]
    assert "1 of 3 file(s) unchanged since the last run, skipped (--force redoes them)" in lines
    rows = {r["notice_id"]: r for r in pq.read_table(out / "manifest.parquet").to_pylist()}
    assert rows["a"] == first["a"]
    assert rows["b"]["sha256"] == file_sha256(folder / "b.pdf") != first["b"]["sha256"]
    assert rows["c"]["finished_at"] > first["c"]["finished_at"]
    assert {r["status"] for r in rows.values()} == {"complete"}
    assert {r["pipeline_version"] for r in rows.values()} == {pipeline_version()}
    assert pq.read_table(out / "c" / "facts.parquet").num_rows > 100

    assert _ran(_run(capsys, folder, out, "--force")) == ["a", "b", "c"]


def test_the_pipeline_version_follows_code_and_data_files(tmp_path, monkeypatch):
    files = manifest.code_and_data_files()
    assert {"api.py", "write.py", "units.csv", "patterns.json"} <= {f.name for f in files}
    copies = []
    for f in files:
        copies.append(tmp_path / f.name)
        copies[-1].write_bytes(f.read_bytes())
    monkeypatch.setattr(manifest, "code_and_data_files", lambda: copies)
    manifest.pipeline_version.cache_clear()
    try:
        before = pipeline_version()
        with (tmp_path / "units.csv").open("a", encoding="utf-8") as f:
            f.write("丈,m,3.3333\n")
        manifest.pipeline_version.cache_clear()
        after = pipeline_version()
    finally:
        manifest.pipeline_version.cache_clear()
    assert before.startswith("0.1.0+") and after.startswith("0.1.0+") and before != after


def test_the_warehouse_loads_only_what_the_manifest_shows_finished(tmp_path, capsys):
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("done", "unfinished"):
        shutil.copy(ROOT / "raw" / f"{NOTICES[0]}.pdf", folder / f"{name}.pdf")
    _run(capsys, folder, out)
    (out / "unfinished" / "datapackage.json").unlink()        # as a copy to a store cut before its commit
    outcome = load(out, str(tmp_path / "w.duckdb"))
    assert outcome == {"done": "loaded",       # the other is named, with why
                       "unfinished": "not loaded: unfinished/datapackage.json is missing (outputs not finished)"}
