"""Platform detection of ``auto`` seeds end to end: the first nightly run crawls them generically and
stores what their column pages showed; the second gives each to its family's spider.

The farm publishes every portal of the four CMS families as ``auto`` (FarmOptions.auto_families,
opt-in; by default only plain portals of the numbered/index_n variants are ``auto``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portalsim import Farm, FarmOptions, FarmServer
from crawler.platforms import load_detections
from crawler.spiders.registry import spider_for
from pipelines.storage.models import CrawlRun, SeedHealth
from tests.crawl.harness import Workspace, manifest_report_urls, summary_line

pytestmark = pytest.mark.slow

FAMILIES = ("trs", "hanweb", "gkmlpt", "jsonapi")


def _spider_per_seed(ws: Workspace, after_run: int) -> dict[str, str]:
    """Seed id → name of the spider whose crawl run (id > ``after_run``) recorded its health."""
    with ws.store().sessions() as session:
        rows = session.execute(
            select(SeedHealth.portal_id, CrawlRun.spider)
            .join(CrawlRun, CrawlRun.id == SeedHealth.crawl_run_id)
            .where(CrawlRun.id > after_run)).all()
    per_seed: dict[str, str] = {}
    for portal_id, spider in rows:
        assert portal_id not in per_seed, f"{portal_id} crawled by {per_seed[portal_id]} and {spider}"
        per_seed[portal_id] = spider
    return per_seed


def _detected_stats(ws: Workspace, after_run: int) -> dict[str, int]:
    """The platform-detection counters of the crawl runs after ``after_run``, added up."""
    total: Counter[str] = Counter()
    with ws.store().sessions() as session:
        for stats in session.scalars(select(CrawlRun.stats).where(CrawlRun.id > after_run)):
            total.update({k: int(v) for k, v in stats.items() if k.startswith("harvest/platform/detected/")})
    return dict(total)


def _last_run(ws: Workspace) -> int:
    with ws.store().sessions() as session:
        return int(session.scalar(select(func.max(CrawlRun.id))) or 0)


def test_auto_seeds_are_detected_then_crawled_by_their_family(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    # one portal per family, few reports each (two nightly runs in well under 30 s); the TRS column
    # holds multi-page articles, whose first pages the generic spider stores without their parts
    farm = Farm.generate(portals=5, seed=5, faults=False,
                         options=FarmOptions(auto_families=FAMILIES, first_year=2024, non_reports=0))
    server = FarmServer(farm, port=0)
    server.start()
    try:
        server.write_out(ws.seeds.parent)
        manifest = server.manifest()
        auto = {p["id"]: p["family"] for p in manifest["portals"] if p["platform"] == "auto"}
        assert sorted(auto.values()) == sorted(FAMILIES), auto  # the opt-in reached the seeds CSV
        reachable = {p["id"] for p in manifest["portals"] if p["expected_health"] == "OK"}
        assert set(auto) <= reachable

        first = ws.scrapy("nightly")
        assert first.returncode == 0, first.stdout + first.stderr
        assert summary_line(first.stdout)["errors"] == 0
        # run 1: every auto seed went to the generic spider, which stored its column page's family
        assert {pid: spider for pid, spider in _spider_per_seed(ws, 0).items() if pid in auto} == {
            pid: "generic" for pid in auto}
        detections = load_detections(ws.var / "platforms.json")
        assert {sid: d.platform for sid, d in detections.items()} == auto
        columns = {p["id"]: p["column_url"] for p in manifest["portals"]}
        assert all(d.url == columns[sid] for sid, d in detections.items())
        assert _detected_stats(ws, 0) == {f"harvest/platform/detected/{f}": n for f, n in
                                          sorted(Counter(auto.values()).items())}

        after_first = _last_run(ws)
        second = ws.scrapy("nightly")
        assert second.returncode == 0, second.stdout + second.stderr
        # run 2: each auto seed is crawled by its detected family's spider, and only by it
        crawled_by = _spider_per_seed(ws, after_first)
        assert {pid: crawled_by.get(pid) for pid in auto} == {pid: spider_for(f).name for pid, f in auto.items()}
        assert _detected_stats(ws, after_first) == {}
        assert load_detections(ws.var / "platforms.json") == detections  # not guessed again

        with ws.store().sessions() as session:
            states = dict(session.execute(
                select(SeedHealth.portal_id, SeedHealth.state).where(SeedHealth.crawl_run_id > after_first)).all())
        assert {pid: states.get(pid) for pid in auto} == {pid: "OK" for pid in auto}
        expected = manifest_report_urls({"reports": [r for r in manifest["reports"] if r["portal_id"] in auto]})
        stored = set(ws.stored_urls())
        assert expected <= stored, sorted(expected - stored)[:5]
    finally:
        server.stop()
