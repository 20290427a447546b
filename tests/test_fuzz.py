"""Seeded byte mutations of a shared notice: no uncaught exception, no hang past the time limit,
and no outputs for a file reported as failed. `make test` runs a short subset, `make fuzz` 300."""
import os
import random

from conftest import ROOT
from pipeline.api import extract_many

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


def test_mutated_notices(tmp_path):
    raw = (ROOT / "raw" / "baoshan-2023.pdf").read_bytes()
    paths = []
    for seed in range(CASES):
        p = tmp_path / f"mut-{seed:03d}.pdf"
        p.write_bytes(_mutate(raw, random.Random(seed)))
        paths.append(p)
    out = tmp_path / "out"
    results = list(extract_many(paths, out, jobs=2, timeout=TIME_LIMIT))
    assert len(results) == CASES
    bad = [(r.source, r.error) for r in results if r.error_kind in ("internal", "crashed", "timeout")]
    assert bad == []
    assert [r.source for r in results if not r.ok and (out / r.notice_id).exists()] == []
