"""The folders are the stages: imports point from a later stage to an earlier one (or to the
foundations: settings, model, vocab), never back, and no module imports itself round a cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

# The order of the stages as data flows; a module may import from its own stage or an earlier one.
# settings and progress (the channel a file's extraction reports its slow pages through) are
# foundations every stage may use.
ORDER = ("settings", "progress", "model", "vocab", "ocr", "load", "layout", "tables", "narrative", "quantities",
         "checks", "output", "batch", "warehouse", "api", "cli", "__main__")

pytestmark = pytest.mark.once


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The pipeline modules `path` imports (at any depth: a function's own import counts too)."""
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for guard in [n for n in ast.walk(tree) if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]:
        guard.body = []             # imports for the type checker only: no import at run time
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            if node.module == "pipeline" or (node.module.count(".") == 1 and _is_package(node.module)):
                out |= {f"{node.module}.{a.name}" for a in node.names}
            else:
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "pipeline"}
    return out


def _is_package(module: str) -> bool:
    return (ROOT / Path(*module.split("."))).is_dir()


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def _graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "pipeline").rglob("*.py"))
    return {_module(f): {m for m in _imports(f) if _stage(m) != "schemas"} for f in files}


def test_every_module_lives_in_a_known_stage():
    assert {_stage(m) for m in _graph()} - {"pipeline"} <= set(ORDER)


def test_imports_never_point_back_to_a_later_stage():
    back = [f"{m} -> {t}" for m, targets in _graph().items() for t in targets
            if _stage(m) != "pipeline" and ORDER.index(_stage(t)) > ORDER.index(_stage(m))]
    assert back == []


def test_no_import_cycle():
    graph = _graph()
    modules = {m: {t for t in ts if t in graph} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(modules[m]):
            if state.get(t) == 1:
                cycles.append(" -> ".join(path[path.index(t):] + [t]) if t in path else f"{m} -> {t}")
            elif t not in state:
                visit(t, path + [t])
        state[m] = 2

    for m in sorted(modules):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_only_the_load_stage_imports_a_pdf_library():
    libraries = {"pypdfium2", "pdfplumber", "pdfminer", "pikepdf"}
    found = []
    for f in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in libraries for n in names) and _stage(_module(f)) != "load":
                found.append(f"{_module(f)}: {names}")
    assert found == []
