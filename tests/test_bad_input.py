"""Every broken or unexpected input gets its documented outcome and message, and a batch of all of
them plus a good notice still extracts the good notice fully."""
import io
import json
import shutil

import pikepdf
import pytest

from pipeline.cli import main

from conftest import ROOT
from pdfs import Doc, encrypt, table

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

GOOD = ROOT / "raw" / "baoshan-2022.pdf"


def _blank_pdf(path, pages=1):
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


def _blank_scan(path):
    """A scanned sheet of blank paper: an image, grey noise and no text."""
    import numpy as np
    from PIL import Image
    paper = np.random.default_rng(7).normal(235, 6, (1169, 827)).clip(0, 255).astype("uint8")
    buf = io.BytesIO()
    Image.fromarray(paper).save(buf, format="PDF", resolution=100)
    path.write_bytes(buf.getvalue())
    return path


def _corrupt_page(path):
    with pikepdf.open(GOOD) as pdf:
        page = pdf.pages[11]
        page.Contents = pdf.make_stream(b"\x00garbage (((( BT /F9 Tf ET" * 5)
        pdf.save(path)
    return path


def _english_table(path):
    d = Doc()
    d.text(60, 80, "Quarterly sales", size=14)
    table(d, [60, 200, 340], 110, [["Region", "Sales"], ["North", "12"], ["South", "15"]])
    return d.save(path)


CASES = {
    "zero.pdf": (lambda p: p.write_bytes(b""), "empty"),
    "text.pdf": (lambda p: p.write_text("this is not a PDF\n"), "not_pdf"),
    "truncated.pdf": (lambda p: p.write_bytes(GOOD.read_bytes()[: GOOD.stat().st_size // 2]), "truncated"),
    "encrypted.pdf": (lambda p: encrypt(GOOD, p), "encrypted"),
    "blank-scan.pdf": (_blank_scan, "no_text"),
    "english-table.pdf": (_english_table, "not_a_notice"),
    "blank.pdf": (lambda p: _blank_pdf(p), "not_a_notice"),
    "blank-2000.pdf": (lambda p: _blank_pdf(p, 2000), "not_a_notice"),
}


def _run(tmp_path, *inputs):
    out = tmp_path / "out"
    code = main(["extract", *map(str, inputs), "--out", str(out), "--quiet", "--timeout", "120"])
    return code, out, json.loads((out / "failures.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_clear_failure(tmp_path, capsys, name):
    build, kind = CASES[name]
    path = tmp_path / name
    build(path)
    code, out, failures = _run(tmp_path, path)
    assert code == 1
    assert [(f["file"], f["kind"]) for f in failures] == [(str(path), kind)]
    err = capsys.readouterr().err
    assert f"{path}: FAILED ({kind})" in err and "Traceback" not in err
    assert not (out / path.stem).exists()


def test_scan_without_text_names_the_pages(tmp_path):
    path = _blank_scan(tmp_path / "scan.pdf")
    _, _, failures = _run(tmp_path, path)
    assert "OCR found no text" in failures[0]["reason"] and "pages 1" in failures[0]["reason"]


def test_damaged_xref_is_repaired_and_said(tmp_path):
    raw = GOOD.read_bytes()
    broken = raw.replace(b"startxref", b"startxrex")
    path = tmp_path / "xref.pdf"
    path.write_bytes(broken)
    code, out, failures = _run(tmp_path, path)
    assert code == 0 and failures == []
    report = json.loads((out / "xref" / "report.json").read_text(encoding="utf-8"))
    assert any("cross-reference" in p["reason"] for p in report["problems"])
    assert report["counts"]["indicators"] == 50


def test_owner_password_only_pdf_is_processed(tmp_path):
    path = encrypt(GOOD, tmp_path / "owner.pdf", user="")
    code, out, _ = _run(tmp_path, path)
    assert code == 0
    assert json.loads((out / "owner" / "report.json").read_text(encoding="utf-8"))["counts"]["projects"] == 38


def test_corrupted_page_is_named_and_the_rest_extracted(tmp_path):
    path = _corrupt_page(tmp_path / "page.pdf")
    code, out, _ = _run(tmp_path, path)
    assert code == 0
    report = json.loads((out / "page" / "report.json").read_text(encoding="utf-8"))
    assert any(p.get("page") == 12 and p["stage"] == "load" for p in report["problems"])
    assert report["counts"]["indicators"] == 50 and report["counts"]["projects"] == 38


@pytest.mark.parametrize("method", [None, pytest.param("spawn", marks=pytest.mark.once)])
def test_batch_of_bad_files_still_extracts_the_good_notice(tmp_path, monkeypatch, method):
    """Also with workers started by `spawn` (the start method where there is no fork)."""
    if method:
        monkeypatch.setenv("NOTICE_EXTRACT_START_METHOD", method)
    folder = tmp_path / "batch"
    folder.mkdir()
    for name, (build, _) in CASES.items():
        build(folder / name)
    shutil.copy(GOOD, folder / "good.pdf")
    code, out, failures = _run(tmp_path, folder)
    assert code == 1
    assert sorted(f["kind"] for f in failures) == sorted(k for _, k in CASES.values())
    report = json.loads((out / "good" / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["indicators"] == 50 and report["counts"]["paragraphs"] == 88


def test_failed_run_keeps_previous_good_outputs(tmp_path):
    out = tmp_path / "out"
    good = tmp_path / "notice.pdf"
    shutil.copy(GOOD, good)
    assert main(["extract", str(good), "--out", str(out), "--quiet"]) == 0
    before = (out / "notice" / "indicators.csv").read_bytes()
    good.write_bytes(b"%PDF-1.7\n garbage")
    assert main(["extract", str(good), "--out", str(out), "--quiet"]) == 1
    assert (out / "notice" / "indicators.csv").read_bytes() == before


def test_time_limit_stops_a_file(tmp_path):
    out = tmp_path / "out"
    code = main(["extract", str(GOOD), "--out", str(out), "--quiet", "--timeout", "0.05"])
    failures = json.loads((out / "failures.json").read_text(encoding="utf-8"))
    assert code == 1 and [f["kind"] for f in failures] == ["timeout"]
    assert not (out / GOOD.stem).exists()
