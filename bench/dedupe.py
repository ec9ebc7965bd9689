"""Dedupe benchmark: a farm with dedupe traps, crawled by the real CLI, grouping scored against its manifest.

Usage: .venv/bin/python bench/dedupe.py [--portals 5] [--seed 3] [--no-traps]

Serves Farm.generate(portals, seed, faults=False, dedupe_traps=True) on 127.0.0.1, runs
``scrapy nightly`` (politeness delays off) into a fresh SQLite database and maps every stored report
source URL to its logical report (``report_groups``). Scoring: :mod:`portalsim.dedupe`. Prints the
split/merged logical reports, then one machine-readable line:
dedupe_recall= dedupe_precision= logical_reports= groups= stored_urls= split= merged=
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from portalsim import Farm, FarmOptions, FarmServer  # noqa: E402
from portalsim.dedupe import DedupeScore, expected_labels, score_grouping  # noqa: E402
from pipelines.storage.db import make_engine  # noqa: E402
from pipelines.storage.models import Document, Report, ReportSource  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"]


def stored_groups(database_url: str) -> list[tuple[str, int]]:
    """(URL, group id) of every stored report source, by requested and by final URL."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Document.requested_url, Document.final_url, Report.group_id)
                .join(ReportSource, ReportSource.document_id == Document.id)
                .join(Report, Report.id == ReportSource.report_id)).all()
    finally:
        engine.dispose()
    out = []
    for requested, final, group in rows:
        out.append((requested, group))
        if final and final != requested:
            out.append((final, group))
    return out


def run(portals: int, seed: int, traps: bool, workdir: Path) -> tuple[DedupeScore, dict, float]:
    farm = Farm.generate(portals=portals, seed=seed, faults=False, options=FarmOptions(dedupe_traps=traps))
    database_url = f"sqlite:///{workdir / 'harvest.sqlite3'}"
    with FarmServer(farm, port=0) as server:
        seeds, _ = server.write_out(workdir / "farm")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
        env.update({"HARVEST_VAR_DIR": str(workdir / "var"), "HARVEST_DATABASE_URL": database_url,
                    "HARVEST_SEEDS": str(seeds), "HARVEST_DOWNLOAD_DELAY": "0"})
        started = time.monotonic()
        result = subprocess.run([SCRAPY, "nightly", *FAST], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=600)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            sys.exit(f"scrapy nightly exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        manifest = server.manifest()
    return score_grouping(expected_labels(manifest), stored_groups(database_url)), manifest, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--no-traps", dest="traps", action="store_false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dedupe-bench-") as tmp:
        score, manifest, elapsed = run(args.portals, args.seed, args.traps, Path(tmp))
    traps = sorted({r["trap"] for r in manifest["reports"] if r.get("trap")})
    print(f"farm: {args.portals} portals, seed {args.seed}, {len(manifest['reports'])} manifest reports, "
          f"traps: {', '.join(traps) or 'none'}; crawl {elapsed:.1f} s")
    for key, groups in score.split.items():
        print(f"split: {key} -> groups {groups}")
    for group, keys in score.merged.items():
        print(f"merged: group {group} <- {keys}")
    print(score.line())


if __name__ == "__main__":
    main()
