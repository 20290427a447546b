"""The pdfplumber backend gives the same outputs as the default pdfium backend."""
import pytest

from conftest import NOTICES, ROOT
from pipeline.api import extract


@pytest.mark.parametrize("notice_id", NOTICES)
def test_backends_agree(extractions, notice_id):
    other = extract(ROOT / "raw" / f"{notice_id}.pdf", backend="pdfplumber")
    for table, rows in extractions[notice_id].tables.items():
        assert other.tables[table] == rows, table
