import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTICES = ("baoshan-2022", "baoshan-2023")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def golden(notice_id: str) -> dict:
    return json.loads((FIXTURES / f"{notice_id}.golden.json").read_text(encoding="utf-8"))


def expected_values(notice_id: str) -> list[dict]:
    return json.loads((FIXTURES / f"{notice_id}.values.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def extractions():
    """Both shared notices extracted once for the whole session (pdfium backend)."""
    from pipeline.api import extract
    return {n: extract(ROOT / "raw" / f"{n}.pdf") for n in NOTICES}


@pytest.fixture(scope="session")
def written(tmp_path_factory, extractions):
    from pipeline.write import write_extraction
    out = tmp_path_factory.mktemp("extracted")
    for ex in extractions.values():
        write_extraction(ex, out)
    return out
