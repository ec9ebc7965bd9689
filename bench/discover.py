"""Discovery benchmark: column discovery from homepages on the simulated farm, scored against its
manifest.

Usage: .venv/bin/python bench/discover.py [--portals 24] [--seed 1] [--faults]

Serves Farm.generate(portals, seed) on 127.0.0.1 (every portal has a homepage with decoy columns,
portalsim/homepage.py), writes its seeds with the column emptied and the homepage kept, runs the
real CLI ``scrapy seeds discover --out`` (politeness delays off) and compares each found column
with the portal's real one. Lines ``wrong:``/``decoy:``/``missed:`` name the seeds behind the
figures; the last line is machine-readable:
seeds= found= right= decoys= pages_per_seed=
(``decoys``: seeds given one of their portal's decoy columns — must be 0.)
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.discovery import same_page  # noqa: E402
from portalsim import SEED_HEADER, Farm, FarmServer  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "CONCURRENT_REQUESTS=16"]


def column_less_seeds(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SEED_HEADER, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "column_url": "", "notes": "column to discover (farm)"})


def run(portals: int, seed: int, faults: bool, work: Path) -> dict[str, float]:
    farm = Farm.generate(portals=portals, seed=seed, faults=faults)
    with FarmServer(farm) as server:
        server.warm()
        manifest = server.manifest()
        seeds = work / "seeds.csv"
        column_less_seeds(server.seed_rows(), seeds)
        out = work / "found.csv"
        env = {**os.environ, "PYTHONPATH": str(REPO), "HARVEST_DATABASE_URL": f"sqlite:///{work / 'h.db'}",
               "HARVEST_VAR_DIR": str(work / "var"), "HARVEST_BLOB_DIR": str(work / "blobs")}
        done = subprocess.run([SCRAPY, "seeds", "discover", str(seeds), "--out", str(out), *FAST],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
        (work / "discover.log").write_text(done.stdout + done.stderr, encoding="utf-8")
        if done.returncode != 0 or not out.exists():
            print(done.stdout[-2000:], done.stderr[-4000:], sep="\n")
            raise SystemExit(f"seeds discover failed with exit code {done.returncode}")
    truth = {p["id"]: p for p in manifest["portals"]}
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    found = right = decoys = 0
    for row in rows:
        portal = truth[row["id"]]
        if not row["column_url"]:
            if portal["expected_health"] == "OK":
                print(f"missed: {row['id']}: {row['evidence']}")
            continue
        found += 1
        if same_page(row["column_url"], portal["column_url"]):
            right += 1
        elif any(same_page(row["column_url"], d) for d in portal["decoy_columns"]):
            decoys += 1
            print(f"decoy: {row['id']}: {row['column_url']} ({row['evidence']})")
        else:
            print(f"wrong: {row['id']}: {row['column_url']} instead of {portal['column_url']}")
    pages = sum(int(line.rsplit("pages=", 1)[1]) for line in done.stdout.splitlines()
                if line.startswith("seeds=") and "pages=" in line)
    return {"seeds": len(rows), "found": found, "right": right, "decoys": decoys,
            "pages_per_seed": round(pages / max(len(rows), 1), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", action="store_true", help="add the faulted portals (no column expected)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-discover-") as tmp:
        figures = run(args.portals, args.seed, args.faults, Path(tmp))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
