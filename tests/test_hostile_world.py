"""Hostile world, second round (issue 26): concurrent runs into one output folder, outputs edited
after they were written, a damaged manifest, special files, broken environments, inputs whose
failure kind was wrong. Each test reproduces one case with a crafted file or environment; none may
print a traceback, hang, or exit 0 after losing a notice."""
import json
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
from pipeline.settings import DEFAULT
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
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, text=True,
                          env={**os.environ, **(env or {})}, timeout=300, **streams)


def _manifest_ids(out) -> list[str]:
    return sorted(pq.read_table(out / "manifest.parquet").column("notice_id").to_pylist())


# ------------------------------------------------------------------ 1. concurrent runs into one --out

def test_two_concurrent_runs_into_one_folder_keep_every_notice(small, tmp_path):
    ins = [copies(small, tmp_path / "in1", "a"), copies(small, tmp_path / "in2", "b")]   # each reads an empty manifest
    out = tmp_path / "out"
    runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(folder), "--out", str(out), "--quiet"],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in ins]
    results = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
    assert results == [(0, ""), (0, "")]
    assert _manifest_ids(out) == ["a", "b"]
    assert load(out, str(tmp_path / "w.duckdb")) == {"a": "loaded", "b": "loaded"}


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


def test_load_names_a_notice_whose_folder_is_gone(done, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(done, out)
    shutil.rmtree(out / "a")
    assert load(out, str(tmp_path / "w.duckdb")) == {
        "b": "loaded", "a": "not loaded: the manifest shows it extracted, but its folder a/ is missing"}


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


# ------------------------------------------------------------------ 5. special files and links

@pytest.fixture
def specials(tmp_path):
    """A FIFO, a socket and a loop of symbolic links, each named *.pdf, in a folder of their own."""
    import socket
    folder = tmp_path / "specials"
    folder.mkdir()
    os.mkfifo(folder / "fifo.pdf")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "socket.pdf"))
    (folder / "loop.pdf").symlink_to("loop2.pdf")
    (folder / "loop2.pdf").symlink_to("loop.pdf")
    yield folder
    sock.close()


KINDS = {"fifo.pdf": "a named pipe (FIFO), not a regular file",
         "socket.pdf": "a socket, not a regular file",
         "loop.pdf": "a loop of symbolic links", "loop2.pdf": "a loop of symbolic links",
         "null.pdf": "a character device, not a regular file"}


def test_special_files_are_refused_at_once_by_name_and_in_a_folder(specials, tmp_path, capsys):
    (tmp_path / "null.pdf").symlink_to("/dev/null")
    out = tmp_path / "out"
    # by name (the FIFO once blocked the run for ever, opened for its hash), and in a folder
    code = main(["extract", *map(str, sorted(specials.iterdir())), str(tmp_path / "null.pdf"), "--out", str(out),
                 "--quiet"])
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert code == 1 and len(failures) == 5
    for f in failures:
        assert f["kind"] == "not_a_file" and KINDS[os.path.basename(f["file"])] in f["reason"], f
    assert main(["extract", str(specials), "--out", str(tmp_path / "out2"), "--quiet"]) == 1
    assert len(json.loads((tmp_path / "out2" / "failures.json").read_text(encoding="utf-8"))) == 4
    assert "Traceback" not in capsys.readouterr().err


def test_the_library_refuses_a_fifo_too(specials):
    from pipeline.api import extract_to
    s = extract_to(specials / "fifo.pdf", specials.parent / "out")
    assert (s.ok, s.error_kind) == (False, "not_a_file")


# ------------------------------------------------------------------ 6. a name too long for its folder

def test_a_notice_id_too_long_for_its_temporary_folder_is_bad_name_before_any_work(tmp_path, capsys):
    name = "宝山区" * 27 + "计划.pdf"        # 83 chars, 249 bytes: fits as a file name, not as .<id>.tmp-<pid>
    assert len(name.encode()) <= 255
    try:
        shutil.copy(GOOD, tmp_path / name)
    except OSError:
        pytest.skip("the file system refuses the name itself")
    out = tmp_path / "out"
    assert main(["extract", str(tmp_path / name), "--out", str(out), "--quiet"]) == 1
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in failures] == ["bad_name"] and "255 bytes" in failures[0]["reason"]
    assert {p.name for p in out.iterdir()} == {"failures.json"}      # nothing extracted, nothing recorded


# ------------------------------------------------------------------ 4. broken environments

QUICK = {"NOTICE_EXTRACT_OCR": "off"}


@pytest.fixture(scope="module")
def chinese(small, tmp_path_factory):
    folder = tmp_path_factory.mktemp("chinese")
    shutil.copy(small, folder / "宝山区小样.pdf")
    return folder


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "POSIX", "PYTHONUTF8": "0"}],
                         ids=["ascii-io", "posix-locale"])
def test_an_ascii_environment_reads_chinese_names_and_prints_one_line(chinese, tmp_path, env):
    out = tmp_path / "out"
    done = _run("extract", chinese, "--out", out, "--quiet", env={**QUICK, **env})
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 1 and " pages, 25 indicators" in done.stdout
    assert (out / "宝山区小样" / "report.json").exists()
    assert _manifest_ids(out) == ["宝山区小样"]


def test_stdout_to_a_full_device_is_one_line_and_loses_nothing_else(chinese, tmp_path):
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        done = _run("extract", chinese, "--out", out, "--quiet", env=QUICK, stdout=full)
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["error: stdout could not be written (No space left on device): its lines "
                                        "are lost; failures.json and the outputs are as the run left them"]
    assert _manifest_ids(out) == ["宝山区小样"] and (out / "宝山区小样" / "report.json").exists()


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare(1)")
def test_a_read_only_dev_shm_does_not_stop_the_workers(chinese, tmp_path):
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip("a mount namespace of its own needs root")
    out = tmp_path / "out"
    command = (f"mount -t tmpfs -o ro,size=64k tmpfs /dev/shm && exec {sys.executable} -m pipeline extract "
               f"'{chinese}' --out '{out}' --quiet --jobs 1")
    done = subprocess.run(["unshare", "-m", "sh", "-c", command], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **QUICK}, timeout=300)
    assert (done.returncode, done.stderr) == (0, "")
    assert _manifest_ids(out) == ["宝山区小样"]


def test_the_peak_is_shared_with_a_forked_child_without_dev_shm():
    from pipeline.batch.executors import _ForkShared
    shared = _ForkShared()
    pid = os.fork()
    if pid == 0:
        shared.value = 3 << 30
        os._exit(0)
    os.waitpid(pid, 0)
    assert shared.value == 3 << 30


# ------------------------------------------------------------------ 4. a remote --out that fails

@pytest.fixture
def s3_env(monkeypatch, tmp_path):
    """No retries of a refused connection (each would wait), no look-up of instance credentials (a
    network call), a fresh s3fs client, and failures written locally into tmp_path."""
    s3fs = pytest.importorskip("s3fs")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NOTICE_EXTRACT_OCR", "off")
    monkeypatch.chdir(tmp_path)
    s3fs.S3FileSystem.clear_instance_cache()
    yield
    s3fs.S3FileSystem.clear_instance_cache()


def _local_failures(folder) -> list[dict]:
    found = list(folder.glob("failures-*.json"))
    assert len(found) == 1, found
    return json.loads(found[0].read_text(encoding="utf-8"))


def _one_line_each(err: str) -> None:
    assert "Traceback" not in err and "Exception" not in err
    for line in err.splitlines():
        assert ": FAILED (output_error) " in line or line.startswith(("error: ", "the failures are in ", "1 of ",
                                                                       "2 of ", "manifest.parquet could not"))


def test_an_s3_out_whose_server_is_down_at_start_fails_each_file_as_output_error(s3_env, small, tmp_path, capsys,
                                                                                  monkeypatch):
    from pgserver import _free_port
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{_free_port()}")      # nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    code = main(["extract", str(copies(small, tmp_path / "in", "a", "b")), "--out", "s3://notices/run", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    _one_line_each(err)
    assert "EndpointConnectionError" in err
    assert [(f["kind"], os.path.basename(f["file"])) for f in _local_failures(tmp_path)] == [
        ("output_error", "a.pdf"), ("output_error", "b.pdf")]


def test_an_s3_out_without_credentials_fails_each_file_as_output_error(s3_env, small, tmp_path, capsys, monkeypatch):
    from s3server import s3_server
    with s3_server():
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
        code = main(["extract", str(copies(small, tmp_path / "in", "a")), "--out", "s3://notices/run", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    _one_line_each(err)
    assert "NoCredentialsError" in err
    assert [f["kind"] for f in _local_failures(tmp_path)] == ["output_error"]


def test_an_s3_server_that_dies_mid_run_fails_the_rest_as_output_error(s3_env, small, tmp_path, capsys, monkeypatch):
    import s3fs
    from moto.server import ThreadedMotoServer

    from pipeline.output import manifest

    from pgserver import _free_port
    from s3server import ENV
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for k, v in {**ENV, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}"}.items():
        monkeypatch.setenv(k, v)
    # moto keeps its buckets per process, whichever server made them: an earlier test of this worker
    # may have made a "notices" bucket already, so this test's bucket has a name of its own
    bucket = f"dies-mid-run-{port}"
    s3fs.S3FileSystem.clear_instance_cache()
    s3fs.S3FileSystem().mkdir(bucket)
    record, stopped = manifest.Manifest.record, []

    def record_then_stop(self, *args):
        record(self, *args)
        if not stopped:         # the first notice is written and recorded; the next child starts after this
            server.stop()
            stopped.append(True)
    monkeypatch.setattr(manifest.Manifest, "record", record_then_stop)
    try:
        code = main(["extract", str(copies(small, tmp_path / "in", "a", "b")), "--out", f"s3://{bucket}/run",
                     "--quiet", "--jobs", "1"])
    finally:
        if not stopped:
            server.stop()
    captured = capsys.readouterr()
    assert code == 1
    _one_line_each(captured.err)
    assert captured.out.startswith("a: 4 pages")
    assert "b.pdf: FAILED (output_error) the outputs could not be written" in captured.err
    assert "manifest.parquet could not be updated" in captured.err
    assert [(f["kind"], os.path.basename(f["file"])) for f in _local_failures(tmp_path)] == [("output_error", "b.pdf")]


# ------------------------------------------------------------------ 3. the review page's frame

def _on_ink(page, width: float, height: float, png: bytes) -> float:
    """The share of the page's chars whose box, where the review page draws it over the image (the
    image stretched over width × height points), holds ink."""
    import io

    import numpy as np
    from PIL import Image
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    sx, sy = image.shape[1] / width, image.shape[0] / height
    chars = [c for c in page.chars if c.text.strip()]
    inked = 0
    for c in chars:
        pad_x, pad_y = (c.x1 - c.x0) * 0.15, (c.bottom - c.top) * 0.15
        box = image[int((c.top + pad_y) * sy):int((c.bottom - pad_y) * sy) + 1,
                    int((c.x0 + pad_x) * sx):int((c.x1 - pad_x) * sx) + 1]
        inked += box.size > 0 and box.min() < 110
    return inked / max(1, len(chars))


def _frames_match(doc, rendered, scale: float = 1.5):
    """Every page drawn in its displayed frame: the image's size is the frame's, and the chars'
    boxes lie over ink."""
    import io

    from PIL import Image
    for page, (number, width, height, png) in zip(doc.pages, rendered, strict=True):
        size = Image.open(io.BytesIO(png)).size
        assert number == page.number
        assert size[0] / scale == pytest.approx(width, abs=1) and size[1] / scale == pytest.approx(height, abs=1)
        assert (width, height) == (pytest.approx(page.width, abs=1), pytest.approx(page.height, abs=1))
        if page.chars:
            assert _on_ink(page, width, height, png) >= 0.9, number


def test_the_review_draws_rotated_and_landscape_pages_in_their_frame(tmp_path, pytestconfig):
    from test_matrix import STYLES, typeset_style

    from pipeline.load.document import load_pdf
    from pipeline.load.render import render_pages
    from pipeline.model.records import Extraction
    from pipeline.output.review import review_html
    cache = pytestconfig.cache.mkdir("typeset") if getattr(pytestconfig, "cache", None) else tmp_path
    for name in ("rotated", "landscape"):       # /Rotate 90 over a portrait MediaBox; a wide MediaBox
        pdf = tmp_path / f"{name}.pdf"
        typeset_style(cache, next(s for s in STYLES if s.name == name), "baoshan-2022", pdf)
        doc = load_pdf(pdf, DEFAULT, backend="pdfium")
        rendered = render_pages(pdf)
        assert any(w > h for _, w, h, _ in rendered), name        # the turned table pages are shown wide
        _frames_match(doc, rendered)
        page = review_html(Extraction(doc.notice_id), rendered)
        for _, w, h, _ in rendered:
            assert f'viewBox="0 0 {w:.1f} {h:.1f}"' in page


def test_the_review_draws_a_sideways_scan_upright_as_ocr_read_it(tmp_path):
    import pypdfium2 as pdfium

    from pipeline.load.document import load_pdf
    from pipeline.load.render import render_pages
    pdf = pdfium.PdfDocument(GOOD)
    image = pdf[1].render(scale=150 / 72).to_pil().convert("L")
    pdf.close()
    image = image.crop((0, 0, image.width, image.height * 2 // 5))     # a third of the OCR's work: quicker
    scan = tmp_path / "sideways.pdf"
    image.rotate(90, expand=True).save(scan, resolution=150)        # scanned lying on its side
    page = load_pdf(scan, DEFAULT).pages[0]
    assert page.source == "ocr" and page.turn % 2 == 1 and len(page.chars) > 50
    assert page.width > page.height         # read upright: the strip lies wide again, its chars in that frame
    frames = {1: (page.turn, page.skew)}
    rendered = render_pages(scan, frames=frames)
    _frames_match(type("D", (), {"pages": (page,)}), rendered)
    (_, width, height, png), = render_pages(scan)          # the image as the PDF shows it: boxes off the text
    assert width < height and _on_ink(page, width, height, png) < 0.5


# ------------------------------------------------------------------ 6. right kinds

def test_a_scan_with_its_ink_inverted_is_read_not_not_a_notice(tmp_path):
    import pypdfium2 as pdfium
    from PIL import ImageOps

    from pipeline.api import extract
    pdf = pdfium.PdfDocument(GOOD)
    image = pdf[2].render(scale=150 / 72).to_pil().convert("L")       # a page of the indicator table
    pdf.close()
    image = image.crop((0, 0, image.width, image.height * 2 // 5))     # its first rows: quicker to read
    scan = tmp_path / "inverted.pdf"
    ImageOps.invert(image).convert("1").save(scan, resolution=150)     # white on black, one bit a pixel
    ex = extract(scan)              # was not_a_notice: the whole black page read as ink, no table in it
    assert len(ex.tables["indicators"]) >= 3
    assert any("研发经费支出" in (r.indicator or "") for r in ex.tables["indicators"])


def _huge_scan(path, side: float = 14400):
    """One page of `side` points square (200 inches: the largest a PDF page may be) showing a small
    scan stretched over it: drawn at the lowest resolution OCR reads (100 dpi), 6 GiB of pixels."""
    from PIL import Image
    Image.new("L", (200, 200), 255).save(path, resolution=200 / (side / 72))
    return path


def test_a_page_too_large_to_draw_is_too_large_before_drawing(tmp_path, capsys):
    scan = _huge_scan(tmp_path / "poster.pdf")
    out = tmp_path / "out"
    assert main(["extract", str(scan), "--out", str(out), "--quiet", "--max-memory", "2048"]) == 1
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in failures] == ["too_large"]       # was no_text: the page rendered as nothing
    assert "page 1 is 14400 × 14400 pt" in failures[0]["reason"] and "--max-memory" in failures[0]["reason"]


def test_review_runs_under_the_memory_limit_of_extract(tmp_path, capsys):
    from pdfs import flate_blanks
    bomb = tmp_path / "bomb.pdf"
    with pikepdf.open(GOOD) as pdf:         # 600 MiB of blanks in one page's content: the bomb pre-check's
        del pdf.pages[4:]
        stream = pikepdf.Stream(pdf, flate_blanks(600))
        stream.Filter = pikepdf.Name.FlateDecode
        page = pdf.pages[1]
        page.Contents = pikepdf.Array([stream, *page.obj.get("/Contents").wrap_in_array()])
        pdf.save(bomb)
    code = main(["review", str(bomb), str(_huge_scan(tmp_path / "poster.pdf")), "--out", str(tmp_path / "out"),
                 "--max-memory", "2048"])
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and len(err) == 2
    assert err[0].startswith(f"{bomb}: FAILED (too_large) a compressed stream (FlateDecode) inflates past 512 MiB")
    assert err[1].startswith(f"{tmp_path / 'poster.pdf'}: FAILED (too_large) page 1 is 14400 × 14400 pt")


def _lzw(data: bytes) -> bytes:
    """PDF's LZW (EarlyChange 1) of `data`: the encoder the decoder under test mirrors."""
    table = {bytes([i]): i for i in range(256)}
    codes, width, out, bits, held = [], 9, bytearray(), 0, 0
    current = b""
    for byte in data:
        grown = current + bytes([byte])
        if grown in table:
            current = grown
            continue
        codes.append((table[current], width))
        table[grown] = len(table) + 2
        current = bytes([byte])
        if len(table) + 2 >= 1 << width:
            width += 1
        if len(table) + 2 >= 4094:          # full: clear, and start again at 9 bits
            codes.append((256, width))
            table = {bytes([i]): i for i in range(256)}
            width = 9
    if current:
        codes.append((table[current], width))
    codes.append((257, width))
    for code, w in codes:
        bits, held = (bits << w) | code, held + w
        while held >= 8:
            held -= 8
            out.append((bits >> held) & 0xFF)
    if held:
        out.append((bits << (8 - held)) & 0xFF)
    return bytes(out)


def _run_length(data: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(data), 128):
        block = data[i:i + 128]
        out += bytes([257 - len(block), block[0]]) if block == block[:1] * len(block) and len(block) > 1 \
            else bytes([len(block) - 1]) + block
    return bytes(out + b"\x80")


def test_each_filter_decodes_as_qpdf_decodes_it():
    import base64
    import random
    import zlib

    from pipeline.load.inflation import decoded
    rng = random.Random(26)
    text = bytes(rng.choice(b"   aaab\ncd0123") for _ in range(20000)) + b" " * 5000
    samples = {"LZWDecode": _lzw(text), "RunLengthDecode": _run_length(text), "FlateDecode": zlib.compress(text),
               "ASCII85Decode": base64.a85encode(text) + b"~>", "ASCIIHexDecode": text.hex().encode() + b">"}
    pdf = pikepdf.new()
    for name, encoded in samples.items():
        stream = pikepdf.Stream(pdf, encoded)
        stream.Filter = pikepdf.Name("/" + name)
        assert stream.read_bytes(pikepdf.StreamDecodeLevel.specialized) == text, name   # qpdf reads it …
        assert b"".join(decoded([name], memoryview(encoded))) == text, name   # … and so do we
    bomb = pikepdf.Stream(pdf, _blanks_lzw(1))             # the bomb's codes, read by qpdf and by us
    bomb.Filter = pikepdf.Name.LZWDecode
    assert bomb.read_bytes() == b"".join(decoded(["LZW"], memoryview(_blanks_lzw(1)))) == b" " * 8 * _blank_cycle()[1]
    chained = base64.a85encode(zlib.compress(_run_length(text))) + b"~>"
    assert b"".join(decoded(["A85", "FlateDecode", "RL"], memoryview(chained))) == text


def _bomb(path, filters: list[str], encoded: bytes, indirect: bool = False):
    """The small notice with a content stream that decodes through `filters` to a bomb."""
    with pikepdf.open(GOOD) as pdf:
        del pdf.pages[2:]
        stream = pikepdf.Stream(pdf, encoded)
        names = pikepdf.Array([pikepdf.Name("/" + f) for f in filters])
        stream.Filter = pdf.make_indirect(names) if indirect else names
        page = pdf.pages[1]
        page.Contents = pikepdf.Array([stream, *page.obj.get("/Contents").wrap_in_array()])
        pdf.save(path, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path


def _packed(codes: list[tuple[int, int]]) -> bytes:
    """(code, width) pairs as PDF's LZW writes them: most significant bit first, the last byte padded."""
    out, bits, held = bytearray(), 0, 0
    for code, width in codes:
        bits, held = (bits << width) | code, held + width
        while held >= 8:
            held -= 8
            out.append((bits >> held) & 0xFF)
        bits &= (1 << held) - 1
    return bytes(out + (bytes([(bits << (8 - held)) & 0xFF]) if held else b""))


def _blank_cycle() -> tuple[list[tuple[int, int]], int]:
    """One table's worth of LZW codes for blanks, each code one blank longer than the one before (the
    code the decoder is about to make itself), then a clear; and how many blanks they decode to."""
    codes, size, width, blanks = [(32, 9)], 258, 9, 1
    for k in range(1, 3837):
        codes.append((257 + k, width))
        size, blanks = size + 1, blanks + k + 1
        if size + 1 >= 1 << width and width < 12:
            width += 1
    return [*codes, (256, width)], blanks


def _blanks_lzw(mib: int) -> bytes:
    """LZW of at least `mib` MiB of blanks: eight cycles (a whole number of bytes) over and over."""
    cycle, blanks = _blank_cycle()
    eight = _packed(cycle * 8)
    return eight * max(1, -(-(mib << 20) // (8 * blanks))) + _packed([(257, 9)])


BOMBS = {
    "LZW": lambda: (["LZWDecode"], _blanks_lzw(1200), False),
    "ASCII85 over Flate": lambda: (["ASCII85Decode", "FlateDecode"], __import__("base64").a85encode(
        __import__("pdfs").flate_blanks(1200)) + b"~>", False),
    "Flate over RunLength": lambda: (["FlateDecode", "RunLengthDecode"], __import__("zlib").compress(
        b"\x81 " * (1200 << 13), 9), False),
    "Flate twice, the filters an indirect object": lambda: (["FlateDecode", "FlateDecode"], __import__("zlib").compress(
        __import__("pdfs").flate_blanks(1200), 9), True),
}


@pytest.mark.parametrize("bomb", BOMBS)
def test_every_filter_chain_is_under_the_bomb_check(tmp_path, bomb):
    from pipeline.load.inflation import check_streams
    filters, encoded, indirect = BOMBS[bomb]()
    pdf = _bomb(tmp_path / "bomb.pdf", filters, encoded, indirect)
    assert pdf.stat().st_size < 8 << 20
    with pytest.raises(api_input_error()) as refused:
        check_streams(pdf.read_bytes(), 512 << 20)
    assert refused.value.kind == "too_large" and "inflates past 512 MiB" in str(refused.value)
    check_streams(GOOD.read_bytes(), 512 << 20)        # a real notice passes


def api_input_error():
    from pipeline.load.backend import InputError
    return InputError


def test_an_lzw_bomb_is_too_large_not_crashed(tmp_path):
    bomb = _bomb(tmp_path / "lzw.pdf", ["LZWDecode"], _blanks_lzw(4000))     # 3 MB → 4 GB
    out = tmp_path / "out"
    assert main(["extract", str(bomb), "--out", str(out), "--quiet", "--max-memory", "2048", "--retries", "0"]) == 1
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in failures] == ["too_large"], failures
    assert "(LZWDecode) inflates past 512 MiB" in failures[0]["reason"]


def test_a_file_system_without_locks_still_records_every_row(done, tmp_path, monkeypatch):
    import fcntl
    out = tmp_path / "out"
    shutil.copytree(done, out)

    def no_locks(fd, op):
        raise OSError(37, "No locks available")
    monkeypatch.setattr(fcntl, "flock", no_locks)
    from pipeline.model.records import Summary
    Manifest(out).record(Summary("x", "x.pdf", True, status="complete"), "0" * 64, "v")
    assert _manifest_ids(out) == ["a", "b", "x"]
