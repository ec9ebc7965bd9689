"""OCR over scanned copies of the corpus PDFs r001–r003: each PDF's pages are rendered at 150 dpi,
degraded like a scan (tilt, blur, noise, grey paper; portalsim/scans.py), packed as an
image-only PDF and parsed; cells are scored against ../shared/corpus/truth.

The last line is ``pages= s_per_page= peak_rss_mb= cell_accuracy=`` (peak resident
size of this process, which reads in-process for the measurement; accuracy over every expected
cell of the documents read, "uncertain" ones excluded; with --max-pages a document's cells on
pages not read count as wrong).
Run: .venv/bin/python bench/ocr.py [--docs r001,r002] [--max-pages N] [--seed S] [--tilt DEG]
     [--blur PX] [--noise GREY]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO / ".." / "shared" / "corpus"
DOCS = ("r001_jiangsu_huaian_hongze_2023.pdf", "r002_jiangsu_huaian_hongze_2024.pdf",
        "r003_jiangsu_huaian_city_2024.pdf")


def score(result, truth: dict) -> tuple[int, int, list]:
    """(right, total, wrong items) of a parse result against a truth file's expected cells."""
    skip = set(truth.get("uncertain", []))
    cells = getattr(result, "cells", {}) or {}
    right, total, bad = 0, 0, []
    for key, want in truth["expected"].items():
        if key in skip:
            continue
        total += 1
        cell = cells.get(key)
        if want is None:
            ok = cell is None or cell.semantic in ("EMPTY", "NA", "MISSING")
        else:
            ok = cell is not None and cell.value is not None and abs(cell.value - want) <= 0.0001
        right += ok
        if not ok:
            bad.append((key, want, cell.raw if cell else None))
    return right, total, bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", default="r001,r002,r003", help="comma-separated prefixes")
    ap.add_argument("--max-pages", type=int, default=0, help="OCR at most N pages per document (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tilt", type=float, default=0.6, help="largest rotation, degrees")
    ap.add_argument("--blur", type=float, default=0.6, help="Gaussian blur radius, pixels")
    ap.add_argument("--noise", type=float, default=8.0, help="noise, grey levels (standard deviation)")
    args = ap.parse_args()

    import pypdfium2 as pdfium

    from pipelines.parsing import parse_document
    from pipelines.parsing.extract import ocr
    from pipelines.parsing.extract.limits import Limits
    from portalsim.scans import scanned_pdf

    if not ocr.available():
        sys.exit(ocr.missing_reason())
    prefixes = tuple(args.docs.split(","))
    pages = right = total = 0
    elapsed = 0.0
    for name in DOCS:
        if not name.startswith(prefixes):
            continue
        body = (CORPUS / "docs" / name).read_bytes()
        pdf = pdfium.PdfDocument(body)
        n = len(pdf)
        pdf.close()
        wanted = list(range(1, (min(n, args.max_pages) if args.max_pages else n) + 1))
        scan = scanned_pdf(body, wanted, seed=args.seed, max_tilt=args.tilt, blur=args.blur, noise=args.noise)
        started = time.monotonic()
        # in-process (no child): this process's peak resident size is the OCR's
        result = parse_document(scan, filename=name, limits=Limits(isolate=False))
        took = time.monotonic() - started
        truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))
        r, t, bad = score(result, truth)
        pages += len(wanted)
        elapsed += took
        right += r
        total += t
        print(f"{name}: pages={len(wanted)} s={took:.1f} status={result.status} agency={result.agency} "
              f"year={result.year} cells={r}/{t} wrong={bad[:12]}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pages={pages} s_per_page={elapsed / max(1, pages):.1f} peak_rss_mb={peak:.0f} "
          f"cell_accuracy={right / max(1, total):.4f}")


if __name__ == "__main__":
    main()
