import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTICES = ("baoshan-2022", "baoshan-2023")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def relist(folder: Path) -> None:
    """Rewrite a notice folder's datapackage.json to list its files as they are now (sizes and
    sha256s): an edit made consistently, which the hash check cannot tell from the tool's output."""
    import hashlib
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for r in package["resources"]:
        raw = (folder / r["path"]).read_bytes()
        r["bytes"], r["hash"] = len(raw), "sha256:" + hashlib.sha256(raw).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


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
    from pipeline.output.write import write_extraction
    out = tmp_path_factory.mktemp("extracted")
    for ex in extractions.values():
        write_extraction(ex, out)
    return out


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Debian chromium for the whole session (`make test` installs it when missing),
    with a fresh profile and nothing that reaches the network on its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                "--force-device-scale-factor=1", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()
