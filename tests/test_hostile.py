"""Hostile inputs and surroundings (issue 15): names that collide with each other or with the tool's
own files, a lying page count, an unwritable or full output folder, bad arguments, padding after
%%EOF, odd file names. Each test reproduces one of them."""
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pikepdf
import pytest

from pipeline import api
from pipeline.cli import main
from pipeline.model.records import Extraction, Problem
from pipeline.output import write

from conftest import ROOT
from pdfs import flate_blanks

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once

GOOD = ROOT / "raw" / "baoshan-2022.pdf"


def _extract(out, *inputs, expect=None):
    code = main(["extract", *map(str, inputs), "--out", str(out), "--quiet", "--timeout", "120"])
    if expect is not None:
        assert code == expect
    return code, json.loads((out / "failures.json").read_text(encoding="utf-8"))


def _tree(folder):
    return sorted((str(p.relative_to(folder)), p.is_dir() or p.read_bytes()) for p in folder.rglob("*")
                  if p.name != "failures.json")


# ------------------------------------------------------------------ 3. names of the tool's own files

@pytest.mark.once
@pytest.mark.parametrize("name", ["warehouse.duckdb.pdf", "failures.json.pdf", "manifest.parquet.pdf", "..pdf",
                                  ".hidden.pdf", "Warehouse.DuckDB.pdf"])
def test_a_notice_id_the_tool_cannot_use_is_bad_name_and_touches_nothing(tmp_path, capsys, name):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(GOOD, src / name)
    out = tmp_path / "out"
    out.mkdir()
    (out / "warehouse.duckdb").write_bytes(b"the warehouse")
    (out / "keep").mkdir()
    before = _tree(out)
    code, failures = _extract(out, src / name)
    assert code == 1
    assert [(f["file"], f["kind"]) for f in failures] == [(str(src / name), "bad_name")]
    assert _tree(out) == before
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.once
def test_bad_notice_id_rules():
    assert api.bad_notice_id("baoshan-2022") is None
    assert api.bad_notice_id("宝山区 2022.v2") is None
    for bad in ("", ".", "..", ".x", "a\\b", "a\nb", "failures.json", "WAREHOUSE.duckdb"):
        assert api.bad_notice_id(bad), bad


# ------------------------------------------------------------------ 4. the same notice id twice

@pytest.mark.once
def test_two_files_with_one_stem_are_both_duplicate_id(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(GOOD, tmp_path / sub / "report.pdf")
    out = tmp_path / "out"
    _, failures = _extract(out, tmp_path / "a" / "report.pdf", tmp_path / "b", expect=1)
    assert sorted(f["file"] for f in failures) == [str(tmp_path / "a" / "report.pdf"),
                                                    str(tmp_path / "b" / "report.pdf")]
    assert {f["kind"] for f in failures} == {"duplicate_id"}
    for f in failures:      # each names both files
        assert "a/report.pdf" in f["reason"] and "b/report.pdf" in f["reason"]
    assert not (out / "report").exists()


@pytest.mark.once
def test_stems_that_differ_in_the_suffix_case_are_duplicates(tmp_path):
    shutil.copy(GOOD, tmp_path / "plan.pdf")
    shutil.copy(GOOD, tmp_path / "plan.PDF")
    out = tmp_path / "out"
    _, failures = _extract(out, tmp_path, expect=1)
    assert sorted(f["kind"] for f in failures) == ["duplicate_id", "duplicate_id"]
    assert not (out / "plan").exists()


@pytest.mark.once
def test_a_file_given_twice_is_extracted_once(tmp_path):
    empty = tmp_path / "zero.pdf"
    empty.write_bytes(b"")
    _, failures = _extract(tmp_path / "out", empty, tmp_path, tmp_path / "." / "zero.pdf", expect=1)
    assert [f["kind"] for f in failures] == ["empty"]


# ------------------------------------------------------------------ 5. a lying page count

def test_a_lying_page_count_reads_the_pages_that_exist(tmp_path):
    raw = GOOD.read_bytes()
    declared = re.search(rb"/Count (\d+)", raw)
    lying = tmp_path / "count.pdf"
    lying.write_bytes(raw.replace(declared.group(0), b"/Count 999999"))
    out = tmp_path / "out"
    _extract(out, lying, expect=0)
    report = json.loads((out / "count" / "report.json").read_text(encoding="utf-8"))
    notices = (out / "count" / "notices.csv").read_text(encoding="utf-8").splitlines()
    page_count = dict(zip(notices[0].split(","), notices[1].split(","), strict=False))["page_count"]
    assert page_count == declared.group(1).decode()
    # pdfium reads the /Count of a rebuilt file (and the report says it was wrong), pdfminer walks the tree
    assert len(report["problems"]) < 20 and report["counts"]["indicators"] == 50


@pytest.mark.once
def test_report_lists_a_bounded_number_of_problems_per_reason():
    ex = Extraction("n", problems=[Problem("load", "page could not be parsed", page=i) for i in range(1, 1001)]
                    + [Problem("tables", "unknown column")])
    report = write.report(ex)
    assert len(report["problems"]) == write.PROBLEMS_PER_REASON + 1
    assert report["problems"][0]["page"] == 1
    assert report["problems_not_listed"] == {"page could not be parsed": 1000 - write.PROBLEMS_PER_REASON}
    assert report["reasons"] == ["page could not be parsed (×1000)", "unknown column"]


# ------------------------------------------------------------------ 7. output-side errors

@pytest.mark.once
def test_out_that_is_a_file_is_a_one_line_error_before_any_work(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("a file")
    empty = tmp_path / "zero.pdf"
    empty.write_bytes(b"")
    assert main(["extract", str(empty), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a folder" in err and "Traceback" not in err
    assert out.read_text() == "a file"


def _mount(tmp_path, options: str):
    """A tmpfs of its own (root only): a real read-only or full file system."""
    where = tmp_path / "mnt"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode:
        pytest.skip("mounting a tmpfs needs root")
    return where


@pytest.fixture
def mounted(tmp_path):
    mounts = []

    def make(options):
        mounts.append(_mount(tmp_path, options))
        return mounts[-1]
    yield make
    for m in mounts:
        subprocess.run(["umount", str(m)], check=True)


@pytest.mark.once
def test_read_only_out_is_a_one_line_error_before_any_work(tmp_path, capsys, mounted):
    out = mounted("ro,size=64k")
    assert main(["extract", str(GOOD), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not writable" in err and "Traceback" not in err


@pytest.mark.once
def test_full_disk_is_output_error_and_failures_json_stays_whole(tmp_path, capsys, mounted):
    out = mounted("size=256k")
    code, failures = _extract(out, GOOD, expect=1)
    assert [f["kind"] for f in failures] == ["output_error"]
    assert "No space left" in failures[0]["reason"]
    left = {p.name for p in out.iterdir()} - {"manifest.parquet"}   # written when there was room
    assert left == {"failures.json"}                                 # no half-written folder or file
    # the disk full to the last byte: failures.json cannot be written anew, the old one stays whole
    before = (out / "failures.json").read_bytes()
    with open(out / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
    assert main(["extract", str(GOOD), "--out", str(out), "--quiet"]) == 2
    assert (out / "failures.json").read_bytes() == before
    err = capsys.readouterr().err
    assert "failures.json" in err and "Traceback" not in err


@pytest.mark.once
def test_a_write_error_is_output_error(tmp_path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(write, "write_table", full)
    empty_cache = api.extract_to(GOOD, tmp_path / "out")
    assert (empty_cache.ok, empty_cache.error_kind) == (False, "output_error")
    assert "No space left" in empty_cache.error
    assert list((tmp_path / "out").iterdir()) == []


# ------------------------------------------------------------------ 8. arguments and padding

@pytest.mark.once
@pytest.mark.parametrize("args", [["--timeout", "0"], ["--timeout", "nan"], ["--timeout", "-1"],
                                  ["--timeout", "inf"], ["--timeout", "soon"], ["--jobs", "0"],
                                  ["--jobs", "-2"], ["--retries", "-1"]])
def test_bad_arguments_are_refused_with_a_message(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as stop:
        main(["extract", str(GOOD), "--out", str(tmp_path / "out"), *args])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert args[0] in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_padding_after_eof_is_not_truncated(tmp_path):
    padded = tmp_path / "padded.pdf"
    padded.write_bytes(GOOD.read_bytes() + b"\0" * 3000 + b"\r\n" * 1000)
    _extract(tmp_path / "out", padded, expect=0)
    assert json.loads((tmp_path / "out" / "padded" / "report.json").read_text())["counts"]["indicators"] == 50


@pytest.mark.once
def test_a_revision_cut_after_eof_is_truncated(tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(GOOD.read_bytes() + b"\n" + b"9999 0 obj\n<< /Length 4000 >>\nstream\n" + b"x" * 3000)
    _, failures = _extract(tmp_path / "out", cut, expect=1)
    assert [f["kind"] for f in failures] == ["truncated"]


# ------------------------------------------------------------------ 9. names in one-line errors

@pytest.mark.once
def test_a_newline_in_a_file_name_keeps_the_error_on_one_line(tmp_path, capsys):
    odd = tmp_path / "two\nlines.pdf"
    odd.write_bytes(b"")
    main(["extract", str(odd), "--out", str(tmp_path / "out"), "--quiet"])
    lines = capsys.readouterr().err.splitlines()
    assert any(line.endswith("FAILED (bad_name) the notice id 'two\\nlines' holds a control character")
               and '"' + str(tmp_path) in line for line in lines)
    assert not any(line.startswith("lines.pdf") for line in lines)


# ------------------------------------------------------------------ the README's table of failure kinds

@pytest.mark.once
def test_every_failure_kind_the_code_emits_is_in_the_readme():
    code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipeline").rglob("*.py"))
    emitted = set(re.findall(r'(?:Error\(|error_kind=|failed\([\w.]+, )"([a-z_]+)"', code))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    readme = readme[readme.index("### When a file is not a good notice"):]
    readme = readme[:readme.index("\n#")]
    documented = set(re.findall(r"^\| `([a-z_]+)`", readme, re.M)) | \
        set(re.findall(r"^\| `[a-z_]+`, `([a-z_]+)`", readme, re.M))
    assert {"bad_name", "duplicate_id", "output_error", "missing", "unreadable_text", "timeout", "crashed"} <= emitted
    assert emitted == documented        # every kind the code emits is documented, and no other


# ------------------------------------------------------------------ 6. memory bound per worker

@pytest.mark.once
def test_a_flate_bomb_is_too_large_not_the_oom_killer(tmp_path, capsys):
    assert zlib.decompress(flate_blanks(3)) == b" " * (3 << 20)
    bomb = tmp_path / "bomb.pdf"
    with pikepdf.open(GOOD) as pdf:
        page = pdf.pages[3]
        stream = pikepdf.Stream(pdf, flate_blanks(600))
        stream.Filter = pikepdf.Name.FlateDecode
        page.Contents = pikepdf.Array([stream, *page.obj.get("/Contents").wrap_in_array()])
        pdf.save(bomb)
    assert bomb.stat().st_size < 4 << 20
    out = tmp_path / "out"
    code = main(["extract", str(bomb), "--out", str(out), "--quiet", "--max-memory", "2048"])
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert code == 1 and [f["kind"] for f in failures] == ["too_large"]
    assert "--max-memory" in failures[0]["reason"]


def _many_streams_bomb(path, streams: int, mib: int):
    """One page of the notice drawing first `streams` Flate streams of `mib` MiB of blanks each: each
    stream within the bomb pre-check's budget, all of them together past the worker's limit inside
    pdfium. (A stream Flate-compressed twice once reached pdfium this way: the pre-check now decodes
    every chain of filters.)"""
    with pikepdf.open(GOOD) as pdf:
        del pdf.pages[1:]
        page = pdf.pages[0]
        parts = []
        for _ in range(streams):
            stream = pikepdf.Stream(pdf, flate_blanks(mib))
            stream.Filter = pikepdf.Name.FlateDecode
            parts.append(stream)
        page.Contents = pikepdf.Array([*parts, *page.obj.get("/Contents").wrap_in_array()])
        pdf.save(path, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path


@pytest.mark.once
def test_pdfium_aborting_at_the_memory_limit_is_too_large_not_crashed(tmp_path):
    bomb = _many_streams_bomb(tmp_path / "bomb2.pdf", 6, 400)
    assert bomb.stat().st_size < 4 << 20
    out = tmp_path / "out"
    # a fresh run: a worker forked from this test process would start with its address space
    code = subprocess.run([sys.executable, "-m", "pipeline", "extract", str(bomb), "--out", str(out), "--quiet",
                           "--max-memory", "2048", "--backend", "pdfium"], cwd=ROOT, capture_output=True).returncode
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert code == 1 and [f["kind"] for f in failures] == ["too_large"], failures
    assert "SIGABRT" in failures[0]["reason"] and "--max-memory" in failures[0]["reason"]


@pytest.mark.once
def test_a_worker_that_crashes_far_below_its_limit_is_crashed(tmp_path):
    from pipeline.batch.executors import FileTask, run_isolated
    s = run_isolated(_abort, FileTask(str(tmp_path / "x.pdf"), str(tmp_path), max_memory=8 << 30), timeout=60)
    assert (s.ok, s.error_kind, s.error) == (False, "crashed", "the worker process died (exit code -6)")


def _abort(task, progress):
    os.abort()


@pytest.mark.once
def test_running_out_of_memory_in_python_is_too_large(tmp_path, monkeypatch):
    def hungry(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(api, "extract", hungry)
    s = api.extract_to(GOOD, tmp_path / "out")
    assert (s.ok, s.error_kind) == (False, "too_large")


@pytest.mark.once
def test_worker_limits_apply_in_the_child():
    code = ("import resource, sys; from pipeline.batch.executors import limit_worker; limit_worker(3 << 30); "
            "print(resource.getrlimit(resource.RLIMIT_AS)[0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(done.stdout) == 3 << 30


# ------------------------------------------------------------------ 2. leftovers of killed runs

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.once
def test_leftovers_of_a_killed_run_break_no_load_and_are_swept(tmp_path, written):
    from pipeline.warehouse.load import load
    out = tmp_path / "out"
    shutil.copytree(written / "baoshan-2022", out / "baoshan-2022")
    dead, alive = _dead_pid(), os.getpid()
    shutil.copytree(written / "baoshan-2023", out / f".baoshan-2023.tmp-{dead}")      # killed mid-write
    shutil.copytree(written / "baoshan-2023", out / f".other.tmp-{alive}")           # a run still writing
    shutil.copytree(written / "baoshan-2023", out / f".moved.old-{dead}")            # killed between renames
    assert load(out, str(tmp_path / "w.duckdb")) == {"baoshan-2022": "loaded"}
    empty = tmp_path / "zero.pdf"
    empty.write_bytes(b"")
    main(["extract", str(empty), "--out", str(out), "--quiet"])
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(["baoshan-2022", f".other.tmp-{alive}",
                                                                           "moved"])


# ------------------------------------------------------------------ 9. kill -9 of the parent

def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command's name: state, parent pid, … ([] when the process is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _alive(pid: int) -> bool:
    return _stat(pid)[:1] not in ([], ["Z"])


def _children(pid: int) -> set[int]:
    """The live descendants of `pid`."""
    parent_of = {int(p.name): int(st[1]) for p in Path("/proc").glob("[0-9]*") if (st := _stat(p.name)) and st[0] != "Z"}
    found, todo = set(), [pid]
    while todo:
        pid = todo.pop()
        kids = {c for c, parent in parent_of.items() if parent == pid}
        found |= kids
        todo.extend(kids)
    return found


@pytest.mark.once
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_kill_9_of_the_parent_takes_its_workers_with_it(tmp_path):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(GOOD)
    image = pdf[0].render(scale=150 / 72).to_pil().convert("L")
    pdf.close()
    scans = []
    for name in ("scan-a.pdf", "scan-b.pdf"):       # two slow files: each worker OCRs two pages
        image.save(tmp_path / name, save_all=True, append_images=[image], resolution=150)
        scans.append(tmp_path / name)
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", *map(str, scans), "--out", str(out),
                            "--jobs", "2", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(run.pid)) < 2 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
        assert len(workers) >= 2 and run.poll() is None
        run.kill()
        run.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {p for p in workers if _alive(p)} == set()
        assert not any(out.glob("scan-*/report.json"))      # killed, not finished
    finally:
        run.kill()
        run.wait()
        for pid in filter(_alive, workers):     # orphans of a failed check are not left running
            os.kill(pid, signal.SIGKILL)

