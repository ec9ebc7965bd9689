"""Issue 6 on the faulted farm, the way researchers see it: a real ``scrapy nightly`` into SQLite,
then ``scrapy seeds status --csv``: every portal shows the health state the farm's manifest
expects (one portal per fault kind the farm knows, plus one healthy portal per family), and the
healthy portals' reports are stored.

tests/spiders/test_farm_e2e.py checks the spiders' classification with pipelines off; this one
checks what lands in the database and what the status command prints.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from portalsim import Farm, FarmOptions, FarmServer
from tests.crawl.harness import Workspace, manifest_report_urls

pytestmark = pytest.mark.slow


def test_every_farm_portal_shows_the_expected_health(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    farm = Farm.generate(portals=5, seed=7, faults=True,
                         options=FarmOptions(timeout_s=6.0, oversized_bytes=12 * 1024 * 1024))
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.seeds.parent)
        manifest = server.manifest()
        # render every attachment first: with parsing in worker processes the crawl uses every
        # core, and the farm's first renders (same machine) could outlast the 5 s timeout below
        server.warm()
        # the farm's "timeout" portal stalls 6 s: give up after 5 (as tests/spiders/farm_crawl.py)
        run = ws.scrapy("nightly", "-s", "DOWNLOAD_TIMEOUT=5", "-s", "RETRY_TIMES=5", timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        status_csv = tmp_path / "status.csv"
        status = ws.scrapy("seeds", "status", "--csv", str(status_csv))
        assert status.returncode == 0, status.stdout[-2000:] + status.stderr[-2000:]

    with status_csv.open(encoding="utf-8") as fh:
        states = {row["id"]: row["state"] for row in csv.DictReader(fh)}
    expected = {p["id"]: p["expected_health"] for p in manifest["portals"]}
    assert len({p["fault"] for p in manifest["portals"] if p["fault"]}) >= 20
    wrong = {pid: (states.get(pid), want) for pid, want in expected.items() if states.get(pid) != want}
    assert wrong == {}

    healthy = {p["id"] for p in manifest["portals"] if p["expected_health"] == "OK"}
    reports = [r for r in manifest["reports"] if r["portal_id"] in healthy and r["expect_stored"]]
    oversized = {a["url"] for r in reports for a in r["attachments"] if a["oversized"]}
    want = manifest_report_urls({"reports": reports}) - oversized
    stored = set(ws.stored_urls())
    assert oversized and not oversized & stored   # refused by the maximum download size
    assert want <= stored, sorted(want - stored)[:5]
