"""Hostile world, second round (issue 26): concurrent runs into one output folder, outputs edited
after they were written, a damaged manifest, special files, broken environments, inputs whose
failure kind was wrong. Each test reproduces one case with a crafted file or environment; none may
print a traceback, hang, or exit 0 after losing a notice."""
import os
import shutil
import subprocess
import sys

import pikepdf
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.output.manifest import Manifest
from pipeline.warehouse.load import load

from conftest import ROOT

GOOD = ROOT / "raw" / "baoshan-2022.pdf"
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The first four pages of a shared notice (tables and headings: a notice), quick to extract."""
    path = tmp_path_factory.mktemp("small") / "small.pdf"
    with pikepdf.open(GOOD) as pdf:
        del pdf.pages[4:]
        pdf.save(path)
    return path


def copies(small, folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(small, folder / f"{name}.pdf")
    return folder


@pytest.fixture(scope="module")
def done(small, tmp_path_factory):
    """An output folder where notices a and b were extracted (copy it before changing it)."""
    base = tmp_path_factory.mktemp("done")
    assert main(["extract", str(copies(small, base / "in", "a", "b")), "--out", str(base / "out"), "--quiet"]) == 0
    return base / "out"


def _run(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300, **kw)


def _manifest_ids(out) -> list[str]:
    return sorted(pq.read_table(out / "manifest.parquet").column("notice_id").to_pylist())


# ------------------------------------------------------------------ 1. concurrent runs into one --out

def test_two_concurrent_runs_into_one_folder_keep_every_notice(small, tmp_path):
    ins = [copies(small, tmp_path / "in1", "a1", "a2"), copies(small, tmp_path / "in2", "b1", "b2")]
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(folder), "--out", str(out), "--quiet"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in ins]
    results = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
    assert results == [(0, ""), (0, "")]
    assert _manifest_ids(out) == ["a1", "a2", "b1", "b2"]
    assert load(out, str(tmp_path / "w.duckdb")) == dict.fromkeys(["a1", "a2", "b1", "b2"], "loaded")


def test_a_row_is_recorded_into_the_manifest_as_it_is_on_disk(done, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    from pipeline.model.records import Summary
    first, second = Manifest(out), Manifest(out)         # two runs that read it at the same time
    first.record(Summary("x", "x.pdf", True, status="complete"), "0" * 64, "v")
    second.record(Summary("y", "y.pdf", False, error_kind="not_pdf"), "1" * 64, "v")
    assert _manifest_ids(out) == ["a", "b", "x", "y"]
    assert Manifest(out).entries["x"].status == "complete" and Manifest(out).entries["y"].status == "not_pdf"


# ------------------------------------------------------------------ 2. outputs edited after they were written

def _edit_same_size(path):
    raw = bytearray(path.read_bytes())
    at = raw.rindex(b",") - 1              # a digit or letter of the last row, the size unchanged
    raw[at] = ord("7") if raw[at] != ord("7") else ord("8")
    path.write_bytes(bytes(raw))


def _flip(path, at: int = 200):
    raw = path.read_bytes()
    path.write_bytes(raw[:at] + bytes(x ^ 0xFF for x in raw[at:at + 8]) + raw[at + 8:])


EDITS = {
    "a line appended": lambda f: f.joinpath("indicators.csv").open("a", encoding="utf-8").write("x,y,z\n"),
    "a same-size edit": lambda f: _edit_same_size(f / "indicators.csv"),
    "bytes flipped": lambda f: _flip(f / "projects.parquet"),
    "a file removed": lambda f: f.joinpath("facts.parquet").unlink(),
}
NAMED = {"a line appended": "a/indicators.csv", "a same-size edit": "a/indicators.csv",
         "bytes flipped": "a/projects.parquet", "a file removed": "a/facts.parquet is missing"}


@pytest.mark.parametrize("edit", EDITS)
def test_load_refuses_an_edited_notice_naming_the_file(done, tmp_path, capsys, edit):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    EDITS[edit](out / "a")
    code = main(["load", "--extracted", str(out), "--db", str(tmp_path / "w.duckdb")])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines() == ["b: loaded"]
    line = next(x for x in captured.err.splitlines() if x.startswith("a: "))
    assert line.startswith("a: not loaded: ") and NAMED[edit] in line
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("edit", EDITS)
def test_extract_does_an_edited_notice_again(small, done, tmp_path, capsys, edit):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    EDITS[edit](out / "a")
    assert main(["extract", str(copies(small, tmp_path / "in", "a", "b")), "--out", str(out), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [x.split(":")[0] for x in lines if " pages, " in x] == ["a"]          # a again, b skipped
    assert "1 of 2 file(s) unchanged since the last run, skipped (--force redoes them)" in lines
    assert load(out, str(tmp_path / "w.duckdb")) == {"a": "loaded", "b": "loaded"}


def test_load_names_a_folder_whose_last_extract_failed(done, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    from pipeline.model.records import Summary
    Manifest(out).record(Summary("a", "a.pdf", False, error_kind="output_error"), "0" * 64, "v")
    assert load(out, str(tmp_path / "w.duckdb")) == {
        "b": "loaded", "a": "not loaded: its last extract failed (output_error), the outputs in the folder are "
                            "an earlier run's"}


# ------------------------------------------------------------------ 4. a damaged manifest

def _extra_column(path):
    table = pq.read_table(path)
    pq.write_table(table.append_column("extra", pa.array(["x"] * table.num_rows)), path)


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "random bytes": lambda p: p.write_bytes(os.urandom(3000)),
    "empty": lambda p: p.write_bytes(b""),
    "an extra column": _extra_column,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_manifest_is_set_aside_and_rebuilt(small, done, tmp_path, capsys, damage):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    DAMAGE[damage](out / "manifest.parquet")
    kept = (out / "manifest.parquet").read_bytes()
    assert main(["extract", str(copies(small, tmp_path / "in", "c")), "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    note = [x for x in err.splitlines() if "manifest.parquet could not be read" in x]
    assert len(note) == 1 and "rebuilt from the 2 notice folder(s)" in note[0]
    aside = [p for p in out.iterdir() if p.name.startswith("manifest.parquet.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes() == kept and aside[0].name in note[0]
    assert _manifest_ids(out) == ["a", "b", "c"]
    assert Manifest(out).entries["a"].status == "needs_review"
    assert load(out, str(tmp_path / "w.duckdb")) == dict.fromkeys("abc", "loaded")


def test_load_rebuilds_a_damaged_manifest_too(done, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    (out / "manifest.parquet").write_bytes(b"PAR1 no more")
    assert main(["load", "--extracted", str(out), "--db", str(tmp_path / "w.duckdb")]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["a: loaded", "b: loaded"]
    assert "manifest.parquet could not be read" in captured.err and "Traceback" not in captured.err
