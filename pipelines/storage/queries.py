"""The read side of the harvest database: counts, stored URLs, and per-seed health of the runs.

Read-only; callers that need a summary or a decision (crawler/health.py, the incremental
middleware, the commands) call these and keep their own rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, true
from sqlalchemy.orm import aliased, sessionmaker

from crawler.items import OK
from pipelines.storage.models import (
    CheckOutcome,
    CrawlRun,
    Document,
    Portal,
    Report,
    ReportCell,
    ReportGroup,
    ReportSource,
    SeedHealth,
)


class Queries:
    """Read the harvest database (engine owned by the caller)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def known_urls(self, portal_id: str | None = None) -> set[str]:
        """Requested URLs already stored (optionally for one portal)."""
        query = select(Document.requested_url)
        if portal_id is not None:
            query = query.where(Document.portal_id == portal_id)
        with self.sessions() as session:
            return set(session.scalars(query))

    def latest_fetches(self) -> dict[str, tuple[Any, str | None, str | None]]:
        """For every stored requested URL: (latest fetch time, ETag, Last-Modified)."""
        query = select(Document.requested_url, Document.fetched_at, Document.etag,
                       Document.last_modified).order_by(Document.fetched_at)
        with self.sessions() as session:
            return {url: (at, etag, modified) for url, at, etag, modified in session.execute(query)}

    def counts(self) -> dict[str, int]:
        """Row counts used by summaries and tests."""
        with self.sessions() as session:
            def count(model: Any, *where: Any) -> int:
                return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

            return {
                "documents": count(Document),
                # logical reports, by the status of their canonical version
                "reports_ok": count(Report, Report.canonical.is_(True), Report.status == "ok"),
                "reports_failed": count(Report, Report.canonical.is_(True), Report.status != "ok"),
                "report_versions": count(Report),
                "not_reports": count(Document, Document.parse_status == "not_report"),
                "sources": count(ReportSource),
                "cells": count(ReportCell),
                "checks": count(CheckOutcome),
            }

    # --- seed health --------------------------------------------------------------------

    def latest_seed_health(self, lateral: bool | None = None) -> dict[str, SeedHealth]:
        """For every seed a run has covered: its row of the latest such run.

        On PostgreSQL (``lateral`` None: by the dialect) one backward probe of the index
        ``seed_health (portal_id, crawl_run_id)`` per seed, so the cost follows the number of
        seeds, not of seeds × runs (a nightly adds a row per seed; the GROUP BY over all of them
        took 10x as long at 30 runs). SQLite has no LATERAL: a GROUP BY. Same rows either way."""
        if lateral is None:
            lateral = self.engine.dialect.name == "postgresql"
        if lateral:
            last = (select(SeedHealth).where(SeedHealth.portal_id == Portal.id)
                    .order_by(SeedHealth.crawl_run_id.desc()).limit(1).lateral())
            query = select(aliased(SeedHealth, last)).select_from(Portal).join(last, true())
        else:
            latest_run = (select(SeedHealth.portal_id, func.max(SeedHealth.crawl_run_id).label("run"))
                          .group_by(SeedHealth.portal_id).subquery())
            query = select(SeedHealth).join(latest_run, (SeedHealth.portal_id == latest_run.c.portal_id)
                                            & (SeedHealth.crawl_run_id == latest_run.c.run))
        with self.sessions() as session:
            return {h.portal_id: h for h in session.scalars(query)}

    def last_successes(self) -> dict[str, datetime | None]:
        """For every seed a run saw OK: when the latest such run finished."""
        query = (select(SeedHealth.portal_id, func.max(CrawlRun.finished_at))
                 .join(CrawlRun, CrawlRun.id == SeedHealth.crawl_run_id)
                 .where(SeedHealth.state == OK).group_by(SeedHealth.portal_id))
        with self.sessions() as session:
            return dict(session.execute(query).all())

    def reports_per_seed(self) -> dict[str | None, tuple[int, int | None]]:
        """For every seed with a parsed (``ok``) version among its documents' reports: (logical
        reports, newest report year)."""
        query = (select(Document.portal_id, func.count(func.distinct(Report.group_id)), func.max(Report.year))
                 .join(ReportSource, ReportSource.document_id == Document.id)
                 .join(Report, Report.id == ReportSource.report_id)
                 .where(Report.status == "ok").group_by(Document.portal_id))
        with self.sessions() as session:
            return {portal: (count, latest) for portal, count, latest in session.execute(query)}

    def seeds_with_state_by(self, spider: str, states: Iterable[str]) -> set[str]:
        """Seeds that some crawl run of ``spider`` left in one of ``states``.

        Only runs that ended ``finished`` count (or whose end is not recorded yet): a run cut short
        (``shutdown``, ``failed`` storing, a timeout) has not read its seeds through, whatever
        their listing state said.
        """
        query = (select(SeedHealth.portal_id).distinct()
                 .join(CrawlRun, CrawlRun.id == SeedHealth.crawl_run_id)
                 .where(CrawlRun.spider == spider, CrawlRun.status.in_(("finished", "running")),
                        SeedHealth.state.in_(tuple(states))))
        with self.sessions() as session:
            return set(session.scalars(query))

    def report_years_per_seed(self) -> dict[str, set[int]]:
        """For every seed with a parsed (``ok``) report among its documents: the report years stored
        (the coverage panel, crawler/coverage.py)."""
        query = (select(Document.portal_id, Report.year).distinct()
                 .join(ReportSource, ReportSource.document_id == Document.id)
                 .join(Report, Report.id == ReportSource.report_id)
                 .where(Report.status == "ok", Report.year.is_not(None), Document.portal_id.is_not(None)))
        found: dict[str, set[int]] = {}
        with self.sessions() as session:
            for portal, year in session.execute(query):
                if portal is not None and year is not None:
                    found.setdefault(portal, set()).add(year)
        return found

    def recent_states(self) -> dict[str, list[tuple[str, datetime]]]:
        """For every seed a run has covered: (state, checked at) of each run, newest first."""
        query = (select(SeedHealth.portal_id, SeedHealth.state, SeedHealth.checked_at)
                 .order_by(SeedHealth.portal_id, SeedHealth.crawl_run_id.desc()))
        found: dict[str, list[tuple[str, datetime]]] = {}
        with self.sessions() as session:
            for portal, state, checked in session.execute(query):
                found.setdefault(portal, []).append((state, checked))
        return found

    # --- one report, for people (scrapy show) -----------------------------------------------

    def report_view(self, report_id: int) -> dict[str, Any] | None:
        """A report version's header: identity, status, formats, versions, sources, failed checks."""
        with self.sessions() as session:
            report = session.get(Report, report_id)
            if report is None:
                return None
            group = session.get(ReportGroup, report.group_id) if report.group_id is not None else None
            sources = session.execute(
                select(Document.id, Document.final_url, Document.sha256, Document.content_type, Document.filename)
                .join(ReportSource, ReportSource.document_id == Document.id)
                .where(ReportSource.report_id == report_id).order_by(Document.id)).all()
            failed = session.execute(
                select(CheckOutcome.rule, CheckOutcome.scope, CheckOutcome.strict, CheckOutcome.lenient,
                       CheckOutcome.detail)
                .where(CheckOutcome.report_id == report_id,
                       (CheckOutcome.strict == "fail") | (CheckOutcome.lenient == "fail"))
                .order_by(CheckOutcome.id)).all()
            n_cells = session.scalar(select(func.count()).select_from(ReportCell)
                                     .where(ReportCell.report_id == report_id))
            return {
                "id": report.id, "title": report.title, "agency": report.agency, "year": report.year,
                "published": report.published, "status": report.status, "reason": report.reason,
                "formats": {"t2": report.format_t2, "t3": report.format_t3, "t4": report.format_t4},
                "parser_version": report.parser_version, "source_format": report.source_format,
                "group_id": report.group_id, "canonical": report.canonical,
                "versions": len(group.versions) if group is not None else 1,
                "cells": int(n_cells or 0),
                "sources": [{"document_id": d, "url": u, "sha256": h, "content_type": t, "filename": f}
                            for d, u, h, t, f in sources],
                "failed_checks": [{"rule": r, "scope": sc, "strict": st, "lenient": le, "detail": de}
                                  for r, sc, st, le, de in failed],
            }

    def report_cell(self, report_id: int, key: str) -> dict[str, Any] | None:
        """One stored cell with its provenance, or None."""
        with self.sessions() as session:
            cell = session.scalar(select(ReportCell).where(ReportCell.report_id == report_id, ReportCell.key == key))
            if cell is None:
                return None
            return {"key": cell.key, "raw": cell.raw, "value": cell.value, "semantic": cell.semantic,
                    "unit": cell.unit, "annotation": cell.annotation, "provenance": cell.provenance}
