import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOTICES = ("baoshan-2022", "baoshan-2023")
BACKENDS = ("pdfium", "pdfplumber")
sys.path.insert(0, str(Path(__file__).resolve().parent))


# ------------------------------------------------------------------ the PDF backend of a test
# A test that reads PDF text takes the `backend` fixture (directly, through a fixture such as
# `extractions`, or with `pytestmark = pytest.mark.usefixtures("backend")` on its module) and runs
# once per backend; every other test runs once. `--backend pdfium` narrows the run to one backend.
# A test marked `once` reads with the default backend only (it tests no backend-dependent text).


def pytest_addoption(parser):
    parser.addoption("--backend", action="append", choices=BACKENDS, default=None,
                     help="run the backend-dependent tests with this PDF backend only (repeatable; default: all)")


def pytest_generate_tests(metafunc):
    own = any("backend" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and not own and not metafunc.definition.get_closest_marker("once"):
        metafunc.parametrize("backend", metafunc.config.getoption("backend") or BACKENDS, scope="session")


def pytest_collection_modifyitems(config, items):
    """A case marked `once` among per-backend cases (`pytest.param(..., marks=pytest.mark.once)`)
    runs with the first backend of the run only: the mark on a parameter does not reach
    pytest_generate_tests, which sees the function's marks."""
    first = (config.getoption("backend") or BACKENDS)[0]
    dropped = [item for item in items if hasattr(item, "callspec")
               and any(mark.name == "once" for mark in item.callspec.marks)
               and item.callspec.params.get("backend", first) != first]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session")
def backend() -> str:
    """The backend of a test that is not run per backend (marked `once`): the default one."""
    return BACKENDS[0]


@pytest.fixture(autouse=True)
def _backend_env(request, monkeypatch):
    """Code under test that is not handed the backend (the CLI, a child process) reads it from
    $NOTICE_EXTRACT_BACKEND: set to the test's backend while it runs."""
    if "backend" in request.fixturenames:
        monkeypatch.setenv("NOTICE_EXTRACT_BACKEND", request.getfixturevalue("backend"))


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
def extractions(backend):
    """Both shared notices extracted once per backend for the whole session."""
    from pipeline.api import extract
    return {n: extract(ROOT / "raw" / f"{n}.pdf", backend=backend) for n in NOTICES}


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
