"""Nightly, backfill and demo runs end to end: real Scrapy engine, real farm, real SQLite.

Each test serves a small simulated portal farm on 127.0.0.1 from the test process and runs the
``scrapy`` CLI in a subprocess against it, as a researcher's cron job would.
"""

from __future__ import annotations

import csv
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from portalsim import Farm, FarmServer
from portalsim.server import SEED_HEADER
from crawler.hints import hints_path, load_hints, make_hint, update_hints
from crawler.commands.runs import EXIT_CONFIG, EXIT_LOCKED, run_lock
from crawler.spiders import gkmlpt
from pipelines.storage.models import Document, SeedHealth
from tests.crawl.harness import Workspace, manifest_report_urls, summary_line

pytestmark = pytest.mark.slow


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def db_ws(tmp_path: Path, db_url: str) -> Workspace:
    """A workspace whose crawls store into SQLite, and in a second run of the test PostgreSQL."""
    return Workspace(tmp_path, database=None if db_url.startswith("sqlite") else db_url)


def _serve(ws: Workspace, portals: int, seed: int = 7) -> tuple[Farm, FarmServer]:
    farm = Farm.generate(portals=portals, seed=seed, faults=False)
    server = FarmServer(farm, port=0)
    server.start()
    server.write_out(ws.seeds.parent)
    return farm, server


def _reachable_report_urls(manifest: dict) -> set[str]:
    ok = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"}
    return manifest_report_urls({"reports": [r for r in manifest["reports"] if r["portal_id"] in ok]})


def test_nightly_twice_then_a_new_report(db_ws: Workspace) -> None:
    ws = db_ws
    farm, server = _serve(ws, portals=5)  # one portal per family, gkmlpt and jsonapi included
    try:
        assert {p["platform"] for p in server.seed_rows()} >= {"trs", "hanweb", "gkmlpt", "jsonapi", "plain"}
        first = ws.scrapy("nightly")
        assert first.returncode == 0, first.stdout + first.stderr
        first_figures = summary_line(first.stdout)
        assert first_figures["requests"] > first_figures["seeds"] and first_figures["errors"] == 0
        expected = _reachable_report_urls(server.manifest())
        stored = set(ws.stored_urls())
        assert expected <= stored, sorted(expected - stored)[:5]

        already = len(server.requests)
        second = ws.scrapy("nightly")
        assert second.returncode == 0, second.stdout + second.stderr
        figures = summary_line(second.stdout)
        assert figures["stored"] == 0 and figures["new_reports"] == 0
        # Nothing new (issue 6): robots.txt once for the run's one host, then the first listing
        # answer of each seed — the API families start from the list API the first run learned
        # (var/listing_hints.json), not from their shell page. No report page or attachment again.
        again_paths = [path for _, path in server.requests[already:]]
        again = {server.base_url + path for path in again_paths}
        assert again and not again & manifest_report_urls(server.manifest())
        assert figures["requests"] == len(server.requests) - already
        assert figures["requests"] <= 1.2 * figures["seeds"], again_paths
        assert again_paths.count("/robots.txt") == 1

        portal_id = server.manifest()["portals"][0]["id"]
        farm.add_report(portal_id)
        before = set(ws.stored_urls())
        third = ws.scrapy("nightly")
        assert third.returncode == 0, third.stdout + third.stderr
        new_urls = set(ws.stored_urls()) - before
        added = _reachable_report_urls(server.manifest()) - expected
        assert added and new_urls == added
        assert summary_line(third.stdout)["new_reports"] >= 1
        with ws.store().sessions() as session:
            states = {h.portal_id: h.state for h in session.scalars(select(SeedHealth))}
        assert states and set(states.values()) <= {"OK", "EMPTY"}
    finally:
        server.stop()


def test_nightly_after_province_backfills_stays_within_budget(ws: Workspace) -> None:
    """Issue 6, as researchers run it: backfill every province, then the nightly finds nothing."""
    _, server = _serve(ws, portals=5)
    try:
        provinces = sorted({row["adcode"][:2] for row in server.seed_rows()})
        for code in provinces:
            result = ws.scrapy("backfill", "--province", code)
            assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        expected = _reachable_report_urls(server.manifest())
        assert expected <= set(ws.stored_urls())

        already = len(server.requests)
        nightly = ws.scrapy("nightly")
        assert nightly.returncode == 0, nightly.stdout[-2000:] + nightly.stderr[-2000:]
        figures = summary_line(nightly.stdout)
        paths = [path for _, path in server.requests[already:]]
        assert figures["stored"] == 0 and figures["new_reports"] == 0
        assert figures["seeds"] == len(server.seed_rows())
        assert len(paths) <= 1.2 * figures["seeds"], paths
    finally:
        server.stop()


def test_overlapping_nightly_is_refused(ws: Workspace) -> None:
    _, server = _serve(ws, portals=1)
    try:
        with run_lock(ws.var, "nightly"):
            result = ws.scrapy("nightly")
        assert result.returncode == EXIT_LOCKED
        assert "another nightly run holds" in result.stderr
    finally:
        server.stop()


def test_backfill_unknown_province_lists_known_ones(ws: Workspace) -> None:
    _, server = _serve(ws, portals=2)
    try:
        result = ws.scrapy("backfill", "--province", "atlantis")
        assert result.returncode == EXIT_CONFIG
        assert "known provinces" in result.stderr
    finally:
        server.stop()


def test_backfill_killed_midway_resumes_and_stores_each_report_once(db_ws: Workspace) -> None:
    ws = db_ws
    _, server = _serve(ws, portals=8, seed=3)
    try:
        manifest = server.manifest()
        province = next(p for p in manifest["portals"] if p.get("expected_health") == "OK")
        code = province["id"][:2]
        in_province = {p["id"] for p in manifest["portals"] if p["id"].startswith(code)}
        expected = manifest_report_urls({"reports": [
            r for r in manifest["reports"] if r["portal_id"] in in_province]})

        run = ws.popen("backfill", "--province", code, "-s", "CONCURRENT_REQUESTS=1",
                       "-s", "DOWNLOAD_DELAY=0.05")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            if (ws.database or (ws.var / "harvest.sqlite3").exists()) and len(ws.stored_urls()) >= 3:
                break
            time.sleep(0.1)
        killed_midway = run.poll() is None
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        assert killed_midway, "the backfill finished before it could be killed; make the farm bigger"
        partial = len(ws.stored_urls())

        resumed = ws.scrapy("backfill", "--province", code)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        urls = ws.stored_urls()
        assert partial < len(set(urls))
        assert expected <= set(urls), sorted(expected - set(urls))[:5]
        with ws.store().sessions() as session:
            per_url = Counter(session.scalars(select(Document.requested_url)))
        assert [u for u, n in per_url.items() if n > 1] == []
    finally:
        server.stop()


def test_stale_listing_hints_fall_back_to_the_shell_page(ws: Workspace) -> None:
    """A remembered API request that no longer answers (the site's SID / siteId changed) costs the
    seed its shell page again, not its reports: the listing is read and the hint learned anew."""
    farm, server = _serve(ws, portals=4)
    try:
        rows = [r for r in server.seed_rows() if r["platform"] in ("gkmlpt", "jsonapi")]
        assert sorted(r["platform"] for r in rows) == ["gkmlpt", "jsonapi"]
        with ws.seeds.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SEED_HEADER, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        gk = next(r for r in rows if r["platform"] == "gkmlpt")
        js = next(r for r in rows if r["platform"] == "jsonapi")
        gk_portal, js_portal = farm.portal(gk["id"]), farm.portal(js["id"])
        column = gk["column_url"].split("#")[0]
        stale_gk = gkmlpt.api_url(column, str(gk_portal.column_id), "1", 1)
        search = js["column_url"].replace("/info_open/index.html", "/info_open/search")
        stale_form = (f"siteId=1&channelIds={js_portal.column_id}&pageSize={js_portal.page_size}"
                      "&searchType=1&order=1&pageIndex=1")
        update_hints(hints_path(ws.var), learned=[
            make_hint(gk["id"], gk["column_url"], "GET", stale_gk),
            make_hint(js["id"], js["column_url"], "POST", search, stale_form)])

        result = ws.scrapy("nightly")
        assert result.returncode == 0, result.stdout + result.stderr
        assert summary_line(result.stdout)["errors"] == 0
        log = [(method, server.base_url + path, body) for method, path, body in server.request_log]
        urls = [url for _, url, _ in log]
        fresh_gk = gkmlpt.api_url(column, str(gk_portal.column_id), str(gk_portal.unit_id), 1)
        # the stale request first, then the shell, then the API request the shell leads to
        assert urls.index(stale_gk) < urls.index(column) < urls.index(fresh_gk)
        js_posts = [body for method, url, body in log if method == "POST" and url == search]
        assert js_posts[0] == stale_form and f"siteId={js_portal.unit_id}&" in js_posts[1]
        assert urls.index(js["column_url"]) < urls.index(search.replace("/search", "/list.js"))

        manifest = server.manifest()
        ours = {gk["id"], js["id"]}
        expected = _reachable_report_urls({**manifest, "reports": [
            r for r in manifest["reports"] if r["portal_id"] in ours]})
        assert expected and expected <= set(ws.stored_urls())
        with ws.store().sessions() as session:
            states = {h.portal_id: h.state for h in session.scalars(select(SeedHealth))}
        assert states == {gk["id"]: "OK", js["id"]: "OK"}
        relearned = load_hints(hints_path(ws.var))
        assert relearned[gk["id"]].url == fresh_gk
        assert f"siteId={js_portal.unit_id}&" in relearned[js["id"]].body
    finally:
        server.stop()
