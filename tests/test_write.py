"""Writing a notice's outputs: a write that fails half-way leaves the previous outputs as they were."""
import json
import pathlib
from dataclasses import replace

import pytest

from pipeline.checks.schema import validated
from pipeline.model.problems import Code
from pipeline.model.records import Extraction
from pipeline.output import write
from pipeline.output.write import write_extraction

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


def _snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def rewrite(extractions, tmp_path):
    """Write a notice once, then return a function that writes it again, expects `error`, and checks
    that the first outputs are there byte for byte and that nothing was left beside them."""
    ex = extractions["baoshan-2023"]
    folder = write_extraction(ex, tmp_path)
    before = _snapshot(folder)

    def again(error: str, undo=lambda: None):
        with pytest.raises(OSError, match=error):
            write_extraction(ex, tmp_path)
        undo()
        assert _snapshot(folder) == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    again.folder = folder
    return again


def test_a_table_that_fails_to_write_leaves_the_previous_outputs(rewrite, monkeypatch):
    real = write.write_table

    def disk_full(where, table, rows):
        if table == "paragraphs":
            raise OSError(28, "No space left on device")
        real(where, table, rows)
    monkeypatch.setattr(write, "write_table", disk_full)
    rewrite("No space left")


def test_a_failed_swap_puts_the_previous_outputs_back(rewrite, monkeypatch):
    """The new folder cannot be renamed into place after the old one was moved aside."""
    real = pathlib.Path.rename

    def refuse(self, target):
        if pathlib.Path(target) == rewrite.folder and ".tmp-" in self.name:
            raise OSError(5, "Input/output error")
        return real(self, target)
    monkeypatch.setattr(pathlib.Path, "rename", refuse)
    rewrite("Input/output", undo=monkeypatch.undo)


def test_writing_twice_writes_the_same_report(extractions, tmp_path):
    """The extraction is checked against the schemas once, before it is written: writing it again
    (into the same folder, another one) lists a row the check left out once, not once per write."""
    ex = extractions["baoshan-2022"]
    projects = ex.tables["projects"]
    ex = validated(replace(ex, tables={**ex.tables, "projects": [*projects, projects[0]]}, validated=False))
    first = (write_extraction(ex, tmp_path / "a") / "report.json").read_bytes()
    again = (write_extraction(ex, tmp_path / "a") / "report.json").read_bytes()
    other = (write_extraction(ex, tmp_path / "b") / "report.json").read_bytes()
    assert first == again == other
    left_out = [p["reason"] for p in json.loads(first)["problems"] if p["code"] == Code.ROW_LEFT_OUT.value]
    assert left_out == ["projects row left out: repeats the primary key ('baoshan-2022', 2, 2021, 1)"]
    assert len((tmp_path / "a" / "baoshan-2022" / "projects.csv").read_text(encoding="utf-8").splitlines()) \
        == len(projects) + 1


def test_an_extraction_not_checked_is_not_written(tmp_path):
    with pytest.raises(ValueError, match="not checked"):
        write_extraction(Extraction("n"), tmp_path)
    assert list(tmp_path.iterdir()) == []
