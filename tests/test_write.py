"""Writing a notice's outputs: a write that fails half-way leaves the previous outputs as they were."""
import pathlib

import pytest

from pipeline import write
from pipeline.write import write_extraction


def _snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _leftovers(out: pathlib.Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def test_a_table_that_fails_to_write_leaves_the_previous_outputs(extractions, tmp_path, monkeypatch):
    ex = extractions["baoshan-2023"]
    folder = write_extraction(ex, tmp_path)
    before = _snapshot(folder)
    real = write._write_table

    def disk_full(where, table, rows):
        if table == "paragraphs":
            raise OSError(28, "No space left on device")
        real(where, table, rows)
    monkeypatch.setattr(write, "_write_table", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_extraction(ex, tmp_path)
    assert _snapshot(folder) == before
    assert _leftovers(tmp_path) == []


def test_a_failed_swap_puts_the_previous_outputs_back(extractions, tmp_path, monkeypatch):
    """The new folder cannot be renamed into place after the old one was moved aside."""
    ex = extractions["baoshan-2023"]
    folder = write_extraction(ex, tmp_path)
    before = _snapshot(folder)
    real = pathlib.Path.rename

    def refuse(self, target):
        if pathlib.Path(target) == folder and ".tmp-" in self.name:
            raise OSError(5, "Input/output error")
        return real(self, target)
    monkeypatch.setattr(pathlib.Path, "rename", refuse)
    with pytest.raises(OSError, match="Input/output"):
        write_extraction(ex, tmp_path)
    monkeypatch.undo()
    assert _snapshot(folder) == before
    assert _leftovers(tmp_path) == []
