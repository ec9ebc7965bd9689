"""Measure MinHash (datasketch) vs SimHash (simhash) on the seed texts and the two dedupe traps.

Run: python tests/cleaning/measure_neardup.py   (needs datasketch and/or simhash importable)
Prints one line per pair class; the figures are quoted in pipelines/cleaning/neardup.py.
"""
import re
import sys
import time
import unicodedata
from pathlib import Path

FIX = Path(__file__).resolve().parents[2] / "portalsim" / "data" / "seed_texts"


def norm(t: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", t))


def shingles(t: str, k: int) -> set[str]:
    return {t[i:i + k] for i in range(max(1, len(t) - k + 1))}


def variants():
    seeds = [norm(p.read_text(encoding="utf-8")) for p in sorted(FIX.glob("00*_*.txt"))]
    s0 = seeds[0]
    repost = s0.replace("2024年白碱滩区教育局", "2024年白碱滩区教育局", 1)[:-40] + "扫一扫在手机打开当前页"
    repost = repost.replace("认真", "切实", 1)
    # next year: year changed everywhere + ~10% of the text rewritten
    nxt = s0.replace("2024", "2025").replace("2025年1月1日", "2025年1月1日")
    cut = len(nxt) // 10
    nxt = nxt[:len(nxt) // 2] + "本年度我局进一步加强政务公开工作" * (cut // 16) + nxt[len(nxt) // 2 + cut:]
    # two agencies, all-zero tables, different prose: seed 000 vs seed 002 are both all-zero
    return seeds, repost, nxt


def main() -> None:
    seeds, repost, nxt = variants()
    pairs = {
        "repost(000 vs 000+edits+chrome)": (seeds[0], repost),
        "next_year(000 vs 000 year+10% rewritten)": (seeds[0], nxt),
        "all_zero_agencies(000 vs 002)": (seeds[0], seeds[2]),
    }
    diff = [(seeds[i], seeds[j]) for i in range(5) for j in range(i + 1, 5)]
    try:
        from datasketch import MinHash

        def mh(t):
            m = MinHash(num_perm=128)
            m.update_batch([s.encode() for s in shingles(t, 5)])
            return m
        t0 = time.perf_counter(); [mh(s) for s in seeds]; dt = (time.perf_counter() - t0) / 5
        for name, (a, b) in pairs.items():
            print(f"minhash5 {name}: J~{mh(a).jaccard(mh(b)):.3f}")
        print(f"minhash5 max J between different seeds: {max(mh(a).jaccard(mh(b)) for a, b in diff):.3f}; {dt*1000:.1f} ms/doc")
    except ImportError:
        print("datasketch not installed", file=sys.stderr)
    try:
        from simhash import Simhash
        sh = lambda t: Simhash(sorted(shingles(t, 3)))  # noqa: E731
        t0 = time.perf_counter(); [sh(s) for s in seeds]; dt = (time.perf_counter() - t0) / 5
        for name, (a, b) in pairs.items():
            print(f"simhash3 {name}: hamming={sh(a).distance(sh(b))}")
        print(f"simhash3 min hamming between different seeds: {min(sh(a).distance(sh(b)) for a, b in diff)}; {dt*1000:.1f} ms/doc")
    except ImportError:
        print("simhash not installed", file=sys.stderr)
    for name, (a, b) in pairs.items():
        sa, sb = shingles(a, 5), shingles(b, 5)
        print(f"exact J5 {name}: {len(sa & sb) / len(sa | sb):.3f}")


if __name__ == "__main__":
    main()
