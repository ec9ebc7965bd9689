"""Every seed a nightly run crawls gets a seed_health row — also a Hanweb portal whose dataproxy
groups after the first answer entity-expansion XML ("xml-bomb") and whose column page lists only
non-report rows, so its first report links come from the first dataproxy group.

Regression (bench/crawl.py, 2026-11-29): with pipelines and the incremental middleware on, that
portal got no seed_health row: its column page yielded no detail request, the middleware held the
next-group request ("nothing new on this page: stop paging"), so the spider saw no report link, no
fault and never finished its listing — no OK, no EMPTY, no PortalOutcome at all. Two nightly runs:
the first crawls the unsettled seed as in full mode, the second in incremental mode.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from portalsim import Farm, FarmOptions, FarmServer
from portalsim.model import Document
from pipelines.storage.models import CrawlRun, SeedHealth
from tests.crawl.harness import Workspace


def _non_reports_first(farm: Farm, portal_id: str) -> None:
    """Put non-report rows at the top of the column, as many as its first page shows."""
    portal = farm.portal(portal_id)
    top = max(d.doc_id for d in portal.documents)
    fillers = [Document(doc_id=top + 1 + i, title=f"{portal.agency}政府信息公开指南（202{i}年修订）",
                        pub_date=f"2026-0{i + 1}-15 10:00", kind="guide") for i in range(portal.page_size)]
    with farm.lock:
        portal.documents[:0] = fillers
        farm.version += 1


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def test_xml_bomb_portal_gets_a_health_row_in_every_run(ws: Workspace) -> None:
    farm = Farm.generate(portals=0, seed=1, faults=True, options=FarmOptions(timeout_s=0.5))
    bomb = next(p for p in farm.portals if p.fault and p.fault.kind == "xml-bomb")
    _non_reports_first(farm, bomb.portal_id)
    with FarmServer(farm, port=0) as server:
        server.write_out(ws.root / "farm")
        rows = [r for r in csv.DictReader(ws.seeds.open(encoding="utf-8")) if r["id"] == bomb.portal_id]
        with ws.seeds.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        expected = next(p for p in server.manifest()["portals"] if p["id"] == bomb.portal_id)
        assert expected["expected_health"] == "OK"
        states = []
        for _ in range(2):
            run = ws.scrapy("nightly")
            assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
            with ws.store().sessions() as session:
                last_run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
                assert last_run is not None
                states.append([(h.portal_id, h.state) for h in session.scalars(
                    select(SeedHealth).where(SeedHealth.crawl_run_id == last_run.id))])
        requested = {path for _, path in server.requests}
    assert states == [[(bomb.portal_id, "OK")], [(bomb.portal_id, "OK")]]
    # the first dataproxy group (records 1..3×page_size) was read, the bomb groups after it refused
    assert any("dataproxy.jsp" in path for path in requested)
    assert len(ws.stored_urls()) > 0


def _filtered(outputs: list, known: set[str]) -> list[str]:
    from datetime import UTC, datetime

    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.incremental import KIND, IncrementalMiddleware, KnownFetch

    crawler = get_crawler(settings_dict={"HARVEST_RUN_MODE": "incremental"})
    middleware = IncrementalMiddleware(crawler)
    middleware.known = {url: KnownFetch(datetime.now(UTC), None, None) for url in known}
    page = "http://127.0.0.1/col/index.html"
    response = HtmlResponse(page, body=b"<html></html>", request=Request(page, meta={KIND: "listing"}))
    return [out.url for out in middleware._filter(response, outputs) if isinstance(out, Request)]


def test_incremental_pages_past_a_page_without_report_links() -> None:
    from scrapy import Request

    from crawler.incremental import KIND

    nxt = Request("http://127.0.0.1/col/index_1.html", meta={KIND: "listing"})
    old = Request("http://127.0.0.1/art/1.html", meta={KIND: "detail"})
    new = Request("http://127.0.0.1/art/2.html", meta={KIND: "detail"})
    known = {old.url}
    assert _filtered([nxt], known) == [nxt.url]                     # no report link on the page
    assert _filtered([old, nxt], known) == []                       # every report link stored: stop
    assert _filtered([old, new, nxt], known) == [new.url, nxt.url]  # something new: page on
