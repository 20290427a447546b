"""Score OCR on test-made scans of the shared notices and the corpus of other districts' notices
(`make score-scans`; minutes, not in `make test`).

A corpus notice (tests/corpus) is first typeset in its own layout by the test renderer. Every page
of each notice is replaced by a seeded scan (tests/scans.py): 150, 200 or 300 dpi,
grey or colour, turned ±0.3–1.5°, slightly blurred, noisy and JPEG-compressed; the page that carries
the issuer's signature gets a red seal over it, and one ruled table page is scanned turned by 90°.
The scans are extracted like any notice and scored by ../shared/tools/score.py against their
goldens. Prints every metric; exits 1 when a metric is below the issue's target. `--pages 2-8,12`
scans only those pages (each with its resolution, colour, angle and degradations of a full run; the
noise itself is drawn afresh) and keeps the others' text layer: a quicker figure for part of a notice.

usage: score_scans.py [--work DIR] [--pages LIST] [NOTICE_ID ...]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from pipeline.settings import DEFAULT

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tests"))

NOTICES = ["baoshan-2022", "baoshan-2023"]
CORPUS = ROOT / "tests" / "corpus"
CORPUS_NOTICES = sorted(p.name.removesuffix(".golden.json") for p in CORPUS.glob("*.golden.json"))
TARGETS = {                                 # issue 13, "Done when", on every notice
    "table_cells_exact": 0.97,
    "table_rows_found": 1.0,
    "narrative_char_recall": 0.995,
    "paragraphs_exact": 0.80,
    "footnotes_text_exact": 0.9,
    "values_found": 0.95,
}
SIGNED = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")      # the date under the signature


def scan_specs(pdf: Path, seed: int) -> dict:
    """A Scan for every page: resolution, colour and degradations drawn from a seeded generator."""
    from pipeline.load.document import load_pdf

    from scans import Scan

    pages = load_pdf(pdf, DEFAULT).pages
    rng = np.random.default_rng(seed)
    signed = next((p.number for p in pages if SIGNED.search("".join(c.text for c in p.chars[-60:]))), None)
    ruled = [p for p in pages if sum(not r.horizontal for r in p.rules) >= 4]
    sideways = ruled[len(ruled) // 2].number if ruled else None
    specs = {}
    for p in pages:
        angle = float(rng.uniform(0.3, 1.5) * rng.choice([-1, 1]))
        specs[p.number] = Scan(dpi=int(rng.choice([150, 200, 300])), colour=bool(rng.integers(2)), angle=round(angle, 2),
                               blur=round(float(rng.uniform(0.3, 0.8)), 2), noise=round(float(rng.uniform(2, 8)), 1),
                               jpeg=int(rng.integers(60, 91)), seal=p.number == signed, sideways=p.number == sideways)
    return specs


def page_list(text: str) -> set[int]:
    """"2-8,12" → {2, 3, 4, 5, 6, 7, 8, 12}."""
    pages: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        pages.update(range(int(first), int(last or first) + 1))
    return pages


def source(notice: str, work: Path) -> tuple[Path, Path, Path]:
    """The notice's PDF, golden and typed values: a shared notice as shared, a corpus notice typeset
    in its own layout by the test renderer (reportlab: on a scan the producer's fonts are gone)."""
    if notice in NOTICES:
        base = SHARED / "notices" / notice
        return base.with_suffix(".pdf"), base.with_suffix(".golden.json"), base.with_suffix(".values.json")
    from render import Style, layout_of, render

    golden, values = CORPUS / f"{notice}.golden.json", CORPUS / f"{notice}.values.json"
    g = json.loads(golden.read_text(encoding="utf-8"))
    pdf = work / "typeset" / f"{notice}.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    style = Style("own", marker=layout_of(g)["marker"], bold_ink=True)      # bold leads a scan can see
    render(g, json.loads(values.read_text(encoding="utf-8")), style, pdf)
    return pdf, golden, values


def score(notice: str, work: Path, pages: set[int] | None = None) -> dict:
    from pipeline.api import extract_to

    from scans import scan_pages

    src, golden, values = source(notice, work)
    scanned = work / "scans" / f"{notice}.pdf"
    scanned.parent.mkdir(parents=True, exist_ok=True)
    every = NOTICES + CORPUS_NOTICES
    specs = scan_specs(src, seed=13 + every.index(notice) if notice in every else 13)
    specs = {n: spec for n, spec in specs.items() if pages is None or n in pages}
    scan_pages(src, specs, scanned)
    summary = extract_to(scanned, work / "out")
    if not summary.ok:
        raise SystemExit(f"{notice}: extraction failed: {summary.error_kind} {summary.error}")
    run = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), str(work / "out" / notice),
                          str(golden), "--values", str(values), "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(run.stdout)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notices", nargs="*", default=NOTICES + CORPUS_NOTICES,
                    help="shared or corpus notice ids (default: every one)")
    ap.add_argument("--work", type=Path, help="keep the scans and outputs here (default: a temporary folder)")
    ap.add_argument("--pages", type=page_list, help="scan only these pages, e.g. 2-8,12 (default: every page)")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)        # a notice's figures show as soon as they are known
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        failed = []
        for notice in args.notices:
            result = score(notice, work, args.pages)
            metrics = result["metrics"]
            scanned = "every page" if args.pages is None else "pages " + ",".join(map(str, sorted(args.pages)))
            print(f"== {notice} (scanned: {scanned})")
            for p in result["problems"]:
                print("  problem:", p)
            for k, v in metrics.items():
                if isinstance(v, float):
                    target = TARGETS.get(k)
                    low = target is not None and v < target
                    failed += [f"{notice} {k} {v:.4f} < {target}"] if low else []
                    print(f"  {k:28s} {v:.4f}" + (f"  (target {target}{', BELOW' if low else ''})" if target else ""))
            for m in metrics.get("_table_misses", [])[:12] + metrics.get("_value_misses", [])[:8]:
                print("    miss", m)
            report = json.loads((work / "out" / notice / "report.json").read_text(encoding="utf-8"))
            print(f"  verdict: {report['status']}, {len(report['problems'])} doubt(s), "
                  f"{len(report['source_issues'])} source issue(s), {len(report['confirmed'])} number(s) confirmed")
            for p in report["problems"]:
                print(f"    doubt p.{p.get('page')}: {p['reason']}: {p.get('text', '')[:70]}")
            for p in report["confirmed"]:
                print(f"    confirmed p.{p.get('page')}: {p.get('text', '')[:40]} — {p['evidence']}")
    for f in failed:
        print("below target:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
