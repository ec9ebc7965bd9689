"""Last pipeline stage: store each document and its parse result; record the crawl run.

A document that cannot be stored is named in one line and counted (``harvest/errors/store``); a
failure that will not go away (database unwritable, full, deleted) closes the run as ``failed``
(:mod:`pipelines.storage.faults`). The run's ``crawl_runs`` row is finished on the
``spider_closed`` signal, whose reason is the true one (``finished``, ``shutdown`` …); the
``portals`` rows are written once the spider's seeds are known.

Settings: HARVEST_DATABASE_URL, HARVEST_DB_POOL_SIZE (PostgreSQL connections of this process),
HARVEST_RUN_MODE (set by commands), HARVEST_RUN_FILTERS.
Stats: harvest/store/documents_new, harvest/store/reports_new, harvest/store/reports_ok_new (new
logical reports whose version is ``ok``: the run's ``new_reports``), harvest/store/sources_new,
harvest/errors/store.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals

from crawler.items import FetchedDocument, PortalOutcome, final_event
from pipelines.storage import faults
from pipelines.storage.db import check_connection, make_engine, upgrade_to_head
from pipelines.storage.store import ReportStore

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

    from crawler.seeds import Seed

logger = logging.getLogger(__name__)


def run_status(reason: str, stats: dict[str, Any]) -> str:
    """The ``crawl_runs.status`` of a run closed for ``reason`` with ``stats``."""
    if reason == faults.STORAGE_FAILED or any(stats.get(key) for key in faults.ERROR_STATS):
        return "failed"
    return reason[:20]


class StoragePipeline:
    def __init__(self, crawler: Crawler, store: ReportStore,
                 watch: faults.DatabaseWatch | None = None) -> None:
        self.crawler = crawler
        self.store = store
        self.watch = watch or faults.DatabaseWatch(store.engine.url.render_as_string(hide_password=False))
        self.run_id: int | None = None
        self.outcomes: dict[str, list[PortalOutcome]] = {}
        self.documents_per_seed: dict[str, int] = {}
        self.portals_written = False
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings["HARVEST_DATABASE_URL"]
        engine = make_engine(url, pool_size=crawler.settings.getint("HARVEST_DB_POOL_SIZE") or None)
        check_connection(engine)  # raises DatabaseUnavailable naming the redacted URL
        upgrade_to_head(url)
        return cls(crawler, ReportStore(engine), faults.DatabaseWatch(url))

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        settings = self.crawler.settings
        self.run_id = self.store.start_run(
            mode=settings.get("HARVEST_RUN_MODE", "crawl"), spider=spider.name,
            filters=dict(settings.getdict("HARVEST_RUN_FILTERS")))
        # seeds handed in by the run command are known now; a spider started on its own selects
        # its seeds in start(), after this: its portals are written with its first item or at close
        self._write_portals(getattr(spider, "selected_seeds", None))

    def _write_portals(self, seeds: list[Seed] | None) -> None:
        if self.portals_written or seeds is None:
            return
        self.store.upsert_portals([s.portal_row() for s in seeds])
        self.portals_written = True

    def _spider_seeds(self) -> list[Seed] | None:
        seeds = getattr(self.crawler.spider, "seeds", None)
        return list(seeds) if seeds else None

    def process_item(self, item: FetchedDocument | PortalOutcome) -> FetchedDocument | PortalOutcome:
        if isinstance(item, PortalOutcome):
            self.outcomes.setdefault(item.portal_id, []).append(item)
            return item
        if faults.stopping(self.crawler):
            raise faults.skip(self.crawler, "store", item)
        if item.portal_id:
            self.documents_per_seed[item.portal_id] = self.documents_per_seed.get(item.portal_id, 0) + 1
        try:
            self.watch.check()
            self._write_portals(self._spider_seeds())
            outcome = self.store.save(item, item.parse_result, crawl_run_id=self.run_id)
        except Exception as exc:  # any document not stored is named, counted and fails the run
            logger.debug("storing %s failed", faults.describe(item), exc_info=True)
            raise faults.reject(self.crawler, "store", item, exc) from exc
        stats = self.crawler.stats
        assert stats is not None
        if outcome.document_created:
            stats.inc_value("harvest/store/documents_new")
        if outcome.pages_created:
            stats.inc_value("harvest/store/documents_new", outcome.pages_created)
        if outcome.report_created:
            stats.inc_value("harvest/store/reports_new")
        if outcome.group_created and outcome.status == "ok":
            stats.inc_value("harvest/store/reports_ok_new")
        if outcome.source_added:
            stats.inc_value("harvest/store/sources_new")
        return item

    def close_spider(self) -> None:
        if self.run_id is None:
            return
        try:
            self.watch.check()
            self._write_portals(self._spider_seeds())
            for portal_id, events in self.outcomes.items():
                state = final_event(e.event for e in events) or "EMPTY"
                decisive = next(e for e in events if e.event == state)
                self.store.record_health(self.run_id, portal_id, state, detail=decisive.detail,
                                         url=decisive.url,
                                         report_links=self.documents_per_seed.get(portal_id, 0))
        except Exception as exc:
            self._run_log_failed("the seed health", exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Finish the run's row with the close reason (stats get ``finish_reason`` only after this)."""
        stats = self.crawler.stats
        assert stats is not None
        try:
            self.watch.check()
        except faults.DatabaseGone as exc:
            self._run_log_failed("the end of the run", exc)
        summary = {k: v for k, v in stats.get_stats().items()
                   if isinstance(v, int | float | str) and not k.startswith("log_count")}
        summary["finish_reason"] = reason
        if self.run_id is not None:
            try:
                self.store.finish_run(self.run_id, status=run_status(reason, summary), stats=summary)
            except Exception as exc:
                self._run_log_failed("the end of the run", exc)
        self.store.engine.dispose()

    def _run_log_failed(self, what: str, exc: BaseException) -> None:
        """The run's own records could not be written: one line, and the run fails."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("harvest/errors/store")
        message = f"cannot record {what} of crawl run {self.run_id}: {faults.reason_of(exc)}"
        if not stats.get_value(faults.FAILURE_STAT):
            stats.set_value(faults.FAILURE_STAT, message)
            logger.error(message)
