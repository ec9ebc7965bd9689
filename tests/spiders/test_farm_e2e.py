"""End to end: serve a small farm with every fault kind and crawl it with the real Scrapy engine.

The crawl runs in a subprocess (tests/spiders/farm_crawl.py: all family spiders in one
CrawlerProcess, pipelines off, StrictRobotsTxtMiddleware on). Checked against the farm's manifest:
every report URL (detail pages, attachments, scan images) of a reachable portal was fetched, no
non-report page was yielded, each portal's final state equals the manifest's ``expected_health``,
and no URL was requested twice except by a retry — robots.txt included: the spiders of one
process share each host's parsed robots.txt.

5 healthy portals (one per family) + one portal per fault kind the farm knows (23 on 2026-11-22):
more than the 15 portals asked for, but the smallest farm that holds every fault; ~35 s.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.spiders.registry import SPIDER_FOR_PLATFORM
from tests.spiders.farm_check import check

farm = pytest.importorskip("portalsim")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("farm")
    options = farm.FarmOptions(timeout_s=6.0, oversized_bytes=12 * 1024 * 1024)
    generated = farm.Farm.generate(portals=5, seed=7, faults=True, options=options)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARVEST_DATABASE_URL": f"sqlite:///{tmp / 'h.db'}",
           "HARVEST_BLOB_DIR": str(tmp / "blobs"), "HARVEST_VAR_DIR": str(tmp / "var")}
    with farm.FarmServer(generated, port=0) as server:
        server.write_out(tmp)
        manifest = server.manifest()
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "tests.spiders.farm_crawl", str(tmp / "seeds.csv"),
                               str(tmp / "out.json")], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
        elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    with open(tmp / "seeds.csv", encoding="utf-8") as fh:
        seeds = list(csv.DictReader(fh))
    return manifest, out, seeds, elapsed


def test_every_seed_platform_maps_to_exactly_one_spider(crawl):
    _, _, seeds, _ = crawl
    assert seeds
    for row in seeds:
        owners = [cls for cls in set(SPIDER_FOR_PLATFORM.values()) if row["platform"] in cls.platforms]
        assert len(owners) == 1, (row["id"], row["platform"], owners)


def test_every_report_of_reachable_portals_fetched_and_nothing_else(crawl):
    manifest, out, _, _ = crawl
    result = check(manifest, out)
    reachable_reports = [r for r in manifest["reports"]
                         if any(p["id"] == r["portal_id"] and p["expected_health"] == "OK" for p in manifest["portals"])]
    assert len(reachable_reports) >= 20
    assert result.missing == []
    assert result.unexpected == []
    # documents of faulted portals are never yielded (a rate-limited portal answers its first requests;
    # a PARTIAL:pager portal's first listing page is readable, only the pages behind its pager are not)
    unreachable = {p["id"] for p in manifest["portals"]
                   if p["expected_health"] not in ("OK", "BLOCKED:rate-limit-429", "PARTIAL:pager")}
    assert not [d for d in out["documents"] if d["portal_id"] in unreachable]


def test_each_portal_classified_as_the_manifest_says(crawl):
    manifest, out, _, _ = crawl
    result = check(manifest, out)
    assert result.misclassified == {}
    kinds = {p["fault"] for p in manifest["portals"] if p["fault"]}
    assert {"challenge-412", "cookie-521", "soft-404", "redirect-home", "robots-disallow", "tls-broken"} <= kinds


def test_no_url_fetched_twice_except_by_retry(crawl):
    _, out, _, _ = crawl
    dups = check({"portals": [], "reports": [], "non_reports": []}, out).duplicate_fetches
    assert dups == {}
    assert any("/robots.txt" in k for k in out["requests"])


def test_hostile_portals_keep_every_request_on_the_seeds_site(crawl):
    """Issue 15: report links answering 302 to another site (127.0.0.2) and to internal addresses
    (169.254.169.254, 10.0.0.1), a column answering 301 to another site: no request reached the
    downloader for anything but the farm's own address (robots.txt included), each hostile seed is
    MOVED with a target it redirected to, nothing of theirs was yielded; a refused port is
    BROKEN:connect."""
    manifest, out, _, _ = crawl
    assert set(out["hosts"]) == {"127.0.0.1"}, out["hosts"]
    assert not [k for k in out["requests"] if "127.0.0.2" in k or "169.254" in k or "10.0.0.1" in k]
    hostile = {p["id"]: p for p in manifest["portals"] if p["fault"] in ("offsite-redirects", "column-moved")}
    assert len(hostile) == 2
    moved = {o["portal_id"]: o for o in out["outcomes"] if o["event"] == "MOVED"}
    assert set(moved) == set(hostile)
    for pid, portal in hostile.items():
        target = moved[pid]["detail"]
        if portal["fault"] == "column-moved":
            assert target == portal["column_url"].replace("127.0.0.1", "127.0.0.2")
        else:
            assert target.startswith(("http://127.0.0.2:", "http://169.254.169.254/", "http://10.0.0.1/"))
    assert not [d for d in out["documents"] if d["portal_id"] in hostile]
    assert all(d["url"].startswith("http://127.0.0.1:") or d["url"].startswith("https://127.0.0.1:")
               for d in out["documents"])
    blocked = sum(s.get("harvest/offsite/blocked", 0) for s in out["stats"].values())
    offsite_reports = [r for r in manifest["reports"]
                       if hostile.get(r["portal_id"], {}).get("fault") == "offsite-redirects"]
    # the moved column, then every report link of the other portal; nothing of a healthy portal
    assert blocked == 1 + len(offsite_reports)
    refused = next(p for p in manifest["portals"] if p["fault"] == "connect-refused")
    assert {o["event"] for o in out["outcomes"] if o["portal_id"] == refused["id"]} == {"BROKEN:connect"}
