"""Honest outcomes (issue 15): storage faults injected into a real nightly, SIGTERM, kill -9,
concurrent runs, and the portals table.

Each fault (tests/crawl/faults.py) must make ``nightly`` exit 3 with one ``error:`` line naming a
document, no body bytes and no traceback in the output, and a ``crawl_runs`` row that does not say
``finished``; a rerun with the fault cleared stores every report of the farm exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.commands.runs import EXIT_INCOMPLETE
from pipelines.storage.db import upgrade_to_head
from pipelines.storage.models import CrawlRun, Document, Portal
from portalsim import Farm, FarmServer
from tests.crawl.harness import Workspace, manifest_report_urls, summary_line

pytestmark = pytest.mark.slow

INJECT = ("-s", "EXTENSIONS=" + json.dumps({"tests.crawl.faults.FaultInjector": 0}))


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def farm(ws: Workspace):  # type: ignore[no-untyped-def]
    server = FarmServer(Farm.generate(portals=3, seed=7, faults=False), port=0)
    server.start()
    server.write_out(ws.seeds.parent)
    yield server
    server.stop()


def _expected(server: FarmServer) -> set[str]:
    manifest = server.manifest()
    ok = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"}
    return manifest_report_urls({"reports": [r for r in manifest["reports"] if r["portal_id"] in ok]})


def _stored_once(ws: Workspace) -> Counter[str]:
    with ws.store().sessions() as session:
        return Counter(session.scalars(select(Document.requested_url)))


def _statuses(ws: Workspace) -> list[str]:
    with ws.store().sessions() as session:
        return list(session.scalars(select(CrawlRun.status).order_by(CrawlRun.id)))


def _bodies(server: FarmServer) -> list[bytes]:
    """Distinctive byte runs of the farm's documents (to prove no body reached the log)."""
    import urllib.request

    samples = []
    for url in sorted(_expected(server))[:6]:
        with urllib.request.urlopen(url, timeout=10) as answer:  # the farm on 127.0.0.1
            body = answer.read()
        samples.append(body[len(body) // 2: len(body) // 2 + 40])
    return samples


@pytest.mark.parametrize("fault, after", [
    ("db_readonly", 3), ("db_full", 3), ("db_deleted", 3), ("blob_full", 3), ("blob_unusable", 0),
])
def test_storage_fault_fails_the_run_and_a_rerun_stores_everything_once(
        ws: Workspace, farm: FarmServer, fault: str, after: int) -> None:
    # parsing in this process (no workers): the injector counts finished items, and with parse
    # workers every document can be archived before the third one finishes, so no write would fail
    broken = ws.scrapy("nightly", *INJECT, "-s", f"TEST_FAULT={fault}", "-s", f"TEST_FAULT_AFTER={after}",
                       "-s", "CONCURRENT_REQUESTS=2", "-s", "HARVEST_PARSE_WORKERS=0")
    output = broken.stdout + broken.stderr
    assert broken.returncode == EXIT_INCOMPLETE, output[-3000:]
    reasons = [line for line in broken.stderr.splitlines() if line.startswith("error:")]
    assert len(reasons) == 1, output[-3000:]
    assert "not stored; first: cannot " in reasons[0] and "sha256=" in reasons[0] and "bytes)" in reasons[0]
    assert "Traceback" not in output and "body=" not in output
    for sample in _bodies(farm):
        assert sample.decode("utf-8", "replace") not in output
    figures = summary_line(broken.stdout)
    assert figures["errors"] >= 1
    if fault != "db_deleted":  # the deleted file took the first run's row with it
        assert "finished" not in _statuses(ws), _statuses(ws)

    # the fault cleared: a new process, the blob directory back, the deleted database created anew
    blobs = ws.var / "blobs"
    if fault == "blob_unusable":
        blobs.unlink()
        blobs.with_name("blobs.aside").rename(blobs)
    rerun = ws.scrapy("nightly")
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    per_url = _stored_once(ws)
    expected = _expected(farm)
    assert expected <= set(per_url), sorted(expected - set(per_url))[:5]
    assert [u for u, n in per_url.items() if n > 1] == []
    statuses = _statuses(ws)
    assert statuses[-1] == "finished" and "running" not in statuses, statuses


def test_sigterm_records_shutdown_and_a_killed_run_is_found_stale(ws: Workspace, farm: FarmServer) -> None:
    slow = ("-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0.3")

    def started(run) -> bool:  # type: ignore[no-untyped-def]
        """True once the run has stored a document of its own (False if it ended first)."""
        before = len(ws.stored_urls()) if (ws.var / "harvest.sqlite3").exists() else 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and run.poll() is None:
            if (ws.var / "harvest.sqlite3").exists() and len(ws.stored_urls()) > before:
                return True
            time.sleep(0.1)
        return False

    term = ws.popen("nightly", *slow)
    assert started(term), "the nightly finished before it could be stopped"
    term.send_signal(signal.SIGTERM)
    out, _ = term.communicate(timeout=60)
    assert term.returncode == EXIT_INCOMPLETE, out[-2000:]
    assert _statuses(ws) == ["shutdown"] * len(_statuses(ws)) and _statuses(ws)

    killed = ws.popen("nightly", *slow)
    assert started(killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    with ws.store().sessions() as session:
        dead = [r for r in session.scalars(select(CrawlRun)) if r.status == "running"]
    assert dead and {r.pid for r in dead} == {killed.pid} and {r.host for r in dead} == {socket.gethostname()}

    # a live run of another process (this one) must not be marked; the dead one must
    live = ws.store()
    live_id = live.start_run(mode="nightly", spider="probe", filters={})
    with live.sessions.begin() as session:
        session.get(CrawlRun, live_id).pid = os.getppid()  # a live process that is not the next run
    rerun = ws.scrapy("nightly")
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-2000:]
    with ws.store().sessions() as session:
        runs = {r.id: r for r in session.scalars(select(CrawlRun))}
    assert {runs[r.id].status for r in dead} == {"killed"}
    assert runs[live_id].status == "running"


def test_concurrent_runs_report_only_what_they_stored_and_portals_are_filled(
        ws: Workspace, farm: FarmServer) -> None:
    province = sorted({row["adcode"][:2] for row in farm.seed_rows()})[0]
    upgrade_to_head(ws.database_url)  # the schema first: two processes migrating one new file race
    nightly = ws.popen("nightly")
    backfill = ws.popen("backfill", "--province", province)
    outputs = [run.communicate(timeout=120)[0] for run in (nightly, backfill)]
    assert [nightly.returncode, backfill.returncode] == [0, 0], [o[-2000:] for o in outputs]
    figures = [summary_line(out) for out in outputs]
    counts = ws.store().counts()
    assert sum(f["stored"] for f in figures) == counts["documents"]
    # new logical reports whose first stored version is ok; a report whose first version failed and
    # whose later ok version became canonical is not counted yet (known gap, see the branch report)
    assert 0 < sum(f["new_reports"] for f in figures) <= counts["reports_ok"]

    with ws.store().sessions() as session:
        portals = {p.id: p for p in session.scalars(select(Portal))}
    rows = {row["id"]: row for row in farm.seed_rows()}
    assert set(rows) <= set(portals)
    for seed_id, row in rows.items():
        portal = portals[seed_id]
        assert portal.province and portal.agency and portal.platform and portal.column_url == row["column_url"]
