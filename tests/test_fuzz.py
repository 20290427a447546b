"""Seeded mutations of a shared notice — bytes changed, and the structure a hostile file lies about:
fonts without their ToUnicode map, an edited page /Count or /MediaBox, streams that inflate to many
MiB. No uncaught exception, no hang past the time limit, no outputs for a file reported as failed,
and no garbage in any output (control, private-use or unassigned chars, (cid:N)). `make test` runs a
short subset, `make fuzz` 300."""
import io
import json
import os
import random
import unicodedata

import pikepdf
import pytest

from pipeline.api import extract_many

from conftest import ROOT
from pdfs import flate_blanks

# reads PDF text: runs once per backend (conftest)
pytestmark = pytest.mark.usefixtures("backend")

CASES = int(os.environ.get("FUZZ_CASES", "10"))
TIME_LIMIT = 60.0


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        op = rng.random()
        i = rng.randrange(len(data))
        if op < 0.5:
            data[i] = rng.randrange(256)
        elif op < 0.7:
            del data[i:i + rng.randint(1, 512)]
        elif op < 0.9:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        else:
            j = rng.randrange(len(data))
            data[i:i + 256] = data[j:j + 256]
    return bytes(data)


def _restructure(raw: bytes, rng: random.Random, op: int) -> bytes:
    """One structural lie (`op` 0–3, so that any 8 seeds in a row try each): fonts lose their ToUnicode map, the page tree's /Count or a page's
    /MediaBox is edited, or a page draws a stream that inflates to many MiB first."""
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        if op == 0:
            fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and "/ToUnicode" in o]
            for font in rng.sample(fonts, rng.randint(1, len(fonts))):
                del font["/ToUnicode"]
        elif op == 1:
            pdf.Root.Pages.Count = rng.choice([0, 1, -5, len(pdf.pages) + 1, 999999])
        elif op == 2:
            page = pdf.pages[rng.randrange(len(pdf.pages))]
            page.MediaBox = rng.choice([[0, 0, 0, 0], [0, 0, -595, -842], [595, 842, 0, 0], [0, 0, 1e9, 1e9],
                                        [0, 0, 1, 1]])
        else:
            page = pdf.pages[rng.randrange(len(pdf.pages))]
            stream = pikepdf.Stream(pdf, flate_blanks(rng.randint(8, 64)))
            stream.Filter = pikepdf.Name.FlateDecode
            page.Contents = pikepdf.Array([stream, *page.obj.get("/Contents").wrap_in_array()])
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _garbage(text: str) -> list[str]:
    bad = [ch for ch in text if ch not in "\n\r" and unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn")
           or ch == "\ufffd"]
    return bad + (["(cid:"] if "(cid:" in text else [])


def test_mutated_notices(tmp_path, monkeypatch):
    # OCR off: a mutation that garbles a font sends its pages to OCR, seconds a page; the pages are
    # screened all the same, and named as needing OCR instead of read
    monkeypatch.setenv("NOTICE_EXTRACT_OCR", "off")
    raw = (ROOT / "raw" / "baoshan-2023.pdf").read_bytes()
    paths = []
    for seed in range(CASES):
        rng = random.Random(seed)
        p = tmp_path / f"mut-{seed:03d}.pdf"
        p.write_bytes(_restructure(raw, rng, op=seed // 2 % 4) if seed % 2 else _mutate(raw, rng))
        paths.append(p)
    out = tmp_path / "out"
    results = list(extract_many(paths, out, jobs=2, timeout=TIME_LIMIT))
    assert len(results) == CASES
    bad = [(r.source, r.error) for r in results if r.error_kind in ("internal", "crashed", "timeout")]
    assert bad == []
    assert [r.source for r in results if not r.ok and (out / r.notice_id).exists()] == []
    garbage = {(f.parent.name, f.name): _garbage(_text_of(f))[:10]
               for r in results if r.ok for f in (out / r.notice_id).glob("*.*") if f.suffix in (".csv", ".json")}
    assert len(garbage) >= 2 * sum(r.ok for r in results)
    assert {k: v for k, v in garbage.items() if v} == {}


def _text_of(path) -> str:
    """A CSV's text; a JSON file's strings decoded (an escaped \\u0001 is a control char all the same)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return text
    strings, todo = [], [json.loads(text)]
    while todo:
        v = todo.pop()
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, dict):
            todo.extend([*v.keys(), *v.values()])
        elif isinstance(v, list):
            todo.extend(v)
    return "\n".join(strings)
