"""Writes of the run log: crawl runs, portals (from seeds) and per-seed health of each run.

Each method is one transaction, retried on transient database errors.

A run records the process that runs it (``pid``, ``host``); each new run marks the ``running``
runs of its host whose process is gone as ``killed`` (a live concurrent run is left alone).
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from crawler.items import OK
from pipelines.storage.db import transient
from pipelines.storage.models import ColumnDiscovery, CrawlRun, Portal, SeedHealth

#: status of a run whose process was found gone while its row still said ``running``
KILLED = "killed"


def process_alive(pid: int) -> bool:
    """True if a process ``pid`` exists on this host (a zombie counts as gone only once reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


class RunLog:
    """Record crawl runs and what they saw of each seed (engine owned by the caller)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @transient
    def upsert_portals(self, rows: list[dict[str, Any]]) -> None:
        """Insert or update portal rows from seeds (keys: id, province, city, county, adcode,
        level, agency, column_url, platform, active; place and level keys are optional)."""
        with self.sessions.begin() as session:
            for row in rows:
                portal = session.get(Portal, row["id"]) or Portal(id=row["id"])
                portal.province = row.get("province")
                for column in ("city", "county", "adcode", "level"):
                    if column in row:
                        setattr(portal, column, row[column] or None)
                portal.agency = row.get("agency")
                portal.column_url = row.get("column_url")
                portal.platform = row.get("platform")
                portal.active = bool(row.get("active", True))
                session.add(portal)

    @transient
    def record_discoveries(self, rows: list[Any]) -> None:
        """Keep each seed's latest confident column discovery (objects with seed_id, column_url,
        score, evidence: crawler.discovery.DiscoveryResult)."""
        with self.sessions.begin() as session:
            for row in rows:
                found = session.get(ColumnDiscovery, row.seed_id) or ColumnDiscovery(seed_id=row.seed_id)
                found.column_url, found.score, found.evidence = row.column_url, int(row.score), row.evidence
                found.discovered_at = datetime.now(UTC)
                session.add(found)

    def discovered_columns(self) -> dict[str, str]:
        """seed id → its discovered column URL."""
        with self.sessions() as session:
            return {d.seed_id: d.column_url for d in session.scalars(select(ColumnDiscovery))}

    @transient
    def start_run(self, mode: str, spider: str | None, filters: dict[str, Any]) -> int:
        """A new ``running`` run of this process; stale runs of this host are marked killed first."""
        host, pid = socket.gethostname(), os.getpid()
        with self.sessions.begin() as session:
            self._mark_killed(session, host, pid)
            run = CrawlRun(mode=mode, spider=spider, filters=filters, pid=pid, host=host)
            session.add(run)
            session.flush()
            return run.id

    @staticmethod
    def _mark_killed(session: Any, host: str, pid: int) -> None:
        """``running`` runs of ``host`` whose process is gone become ``killed``."""
        stale = session.scalars(select(CrawlRun).where(
            CrawlRun.status == "running", CrawlRun.host == host, CrawlRun.pid.is_not(None),
            CrawlRun.pid != pid))
        for run in stale:
            if not process_alive(run.pid):
                run.status = KILLED

    @transient
    def finish_run(self, run_id: int, status: str, stats: dict[str, Any]) -> None:
        with self.sessions.begin() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise ValueError(f"no crawl run {run_id}")
            run.status = status
            run.stats = stats
            run.finished_at = datetime.now(UTC)

    @transient
    def record_health(self, run_id: int, portal_id: str, state: str, *, detail: str | None = None,
                      url: str | None = None, report_links: int = 0) -> None:
        """Record (or replace) what run ``run_id`` saw of seed ``portal_id``."""
        with self.sessions.begin() as session:
            if session.get(Portal, portal_id) is None:
                session.add(Portal(id=portal_id))
                session.flush()
            row = session.scalar(select(SeedHealth).where(
                SeedHealth.crawl_run_id == run_id, SeedHealth.portal_id == portal_id))
            if row is None:
                row = SeedHealth(crawl_run_id=run_id, portal_id=portal_id)
                session.add(row)
            row.state, row.detail, row.url, row.report_links = state, detail, url, report_links
            if state == OK:
                portal = session.get(Portal, portal_id)
                assert portal is not None
                portal.last_success_at = datetime.now(UTC)
