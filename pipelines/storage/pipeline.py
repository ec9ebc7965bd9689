"""Last pipeline stage: store each document and its parse result; record the crawl run.

Settings: HARVEST_DATABASE_URL, HARVEST_RUN_MODE (set by commands), HARVEST_RUN_FILTERS.
Stats: harvest/store/documents_new, harvest/store/reports_new, harvest/store/sources_new.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from crawler.items import FetchedDocument, PortalOutcome, final_event
from pipelines.storage.db import check_connection, make_engine, upgrade_to_head
from pipelines.storage.store import ReportStore

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StoragePipeline:
    def __init__(self, crawler: Crawler, store: ReportStore) -> None:
        self.crawler = crawler
        self.store = store
        self.run_id: int | None = None
        self.outcomes: dict[str, list[PortalOutcome]] = {}
        self.documents_per_seed: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings["HARVEST_DATABASE_URL"]
        engine = make_engine(url)
        check_connection(engine)  # raises DatabaseUnavailable naming the redacted URL
        upgrade_to_head(url)
        return cls(crawler, ReportStore(engine))

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert spider is not None
        settings = self.crawler.settings
        self.run_id = self.store.start_run(
            mode=settings.get("HARVEST_RUN_MODE", "crawl"), spider=spider.name,
            filters=dict(settings.getdict("HARVEST_RUN_FILTERS")))
        seeds = getattr(spider, "seeds", None) or []
        self.store.upsert_portals([
            {"id": s.id, "province": s.province, "city": s.city, "county": s.county, "adcode": s.adcode,
             "level": s.level, "agency": s.agency, "column_url": s.column_url,
             "platform": s.platform, "active": s.active} for s in seeds])

    def process_item(self, item: FetchedDocument | PortalOutcome) -> FetchedDocument | PortalOutcome:
        if isinstance(item, PortalOutcome):
            self.outcomes.setdefault(item.portal_id, []).append(item)
            return item
        if item.portal_id:
            self.documents_per_seed[item.portal_id] = self.documents_per_seed.get(item.portal_id, 0) + 1
        outcome = self.store.save(item, item.parse_result, crawl_run_id=self.run_id)
        stats = self.crawler.stats
        assert stats is not None
        if outcome.document_created:
            stats.inc_value("harvest/store/documents_new")
        if outcome.report_created:
            stats.inc_value("harvest/store/reports_new")
        if outcome.source_added:
            stats.inc_value("harvest/store/sources_new")
        return item

    def close_spider(self) -> None:
        stats = self.crawler.stats
        assert stats is not None
        summary = {k: v for k, v in stats.get_stats().items()
                   if isinstance(v, int | float | str) and not k.startswith("log_count")}
        if self.run_id is not None:
            for portal_id, events in self.outcomes.items():
                state = final_event(e.event for e in events) or "EMPTY"
                decisive = next(e for e in events if e.event == state)
                self.store.record_health(self.run_id, portal_id, state, detail=decisive.detail,
                                         url=decisive.url,
                                         report_links=self.documents_per_seed.get(portal_id, 0))
            self.store.finish_run(self.run_id, status=str(summary.get("finish_reason", "finished")),
                                  stats=summary)
        self.store.engine.dispose()

