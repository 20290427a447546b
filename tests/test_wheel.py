"""The project installs as a wheel: built from a copy of the source, installed into a fresh
virtualenv, and run from another folder, it extracts a shared notice with its data files."""
import json
import shutil
import site
import subprocess
import sys

import pytest

from conftest import ROOT

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once

SOURCES = ("pipeline", "schemas", "pyproject.toml", "README.md")


def _run(*args, cwd):
    run = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return run


@pytest.mark.once
def test_wheel_installs_and_extracts_from_another_folder(tmp_path):
    src = tmp_path / "src"             # a copy, so the build leaves nothing in the working tree
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                        if (ROOT / name).is_dir() else {}))
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", dist, src,
         cwd=tmp_path)
    wheel = next(dist.glob("notice_extract-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    # the dependencies are those of this environment (offline and fast); the project itself is
    # only the wheel: this environment's editable install is not visible from there
    fresh_site = next((venv / "lib").glob("python*/site-packages"))
    (fresh_site / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel, cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ROOT / "raw" / "baoshan-2022.pdf", elsewhere / "baoshan-2022.pdf")
    where = _run(python, "-c", "import pipeline; print(pipeline.__file__)", cwd=elsewhere).stdout
    assert str(fresh_site) in where and str(ROOT) not in where
    _run(venv / "bin" / "notice-extract", "extract", "baoshan-2022.pdf", "--out", "out", cwd=elsewhere)
    counts = json.loads((elsewhere / "out" / "baoshan-2022" / "report.json").read_text(encoding="utf-8"))["counts"]
    assert (counts["indicators"], counts["projects"], counts["footnotes"], counts["table_notes"]) == (50, 38, 7, 1)
