"""Benchmark clean_page against trafilatura's bare extract on the same pages.

Pages: r013 (../shared/corpus, when present) + generated family pages wrapping the five seed texts
(portalsim/pages.py). Both run in this process on the same HTML; ratio = clean time /
trafilatura time (target <= 1.3). Last line: ``pages_per_s=<x> ratio=<y>``.

Run: .venv/bin/python bench/clean.py [--rounds N]
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from pipelines.cleaning import clean_page  # noqa: E402
from portalsim.pages import render, seed_page  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "corpus"


def pages() -> list[tuple[str, bytes]]:
    out = []
    r013 = CORPUS / "docs" / "r013_fujian_pingtan_2024_page.html"
    if r013.exists():
        out.append(("r013", r013.read_bytes()))
    for family in ("trs", "hanweb", "gkmlpt", "plain"):
        for n in range(5):
            out.append((f"{family}-{n}", render(seed_page(n, family=family))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    items = pages()
    texts = [b.decode("utf-8") for _, b in items]
    for (_, b), t in zip(items, texts):  # warm-up (imports, caches)
        clean_page(b)
        trafilatura.extract(t)
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for _, b in items:
            clean_page(b)
    clean_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        for t in texts:
            trafilatura.extract(t)
    traf_s = time.perf_counter() - t0
    n = len(items) * args.rounds
    print(f"pages={len(items)} rounds={args.rounds} clean_s={clean_s:.3f} trafilatura_s={traf_s:.3f}")
    print(f"clean pages/s={n / clean_s:.1f} trafilatura pages/s={n / traf_s:.1f}")
    print(f"pages_per_s={n / clean_s:.1f} ratio={clean_s / traf_s:.2f}")


if __name__ == "__main__":
    main()
