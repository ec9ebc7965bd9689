"""Incremental crawling: skip what is stored, stop paging when a listing page brings nothing new.

A spider middleware, so every CMS-family spider gets the same rules without code of its own. Spiders
tag requests with ``meta["harvest_kind"]``: ``listing`` (a listing or pager page), ``detail`` (a
report page) or ``attachment``.

- Attachments already stored are not requested again, in any mode; stored detail pages are not
  requested again in ``incremental`` mode. Either is re-requested once its last fetch is older than
  ``HARVEST_REVALIDATE_DAYS``, with ``If-None-Match`` / ``If-Modified-Since`` (a 304 ends there).
- The further pages of a multi-page article (meta ``harvest_article_part``) are always requested:
  their first page is being fetched and the article is parsed from all its pages together.
- In ``full`` mode (backfill) a stored detail page is read again — HTML pages are small — because
  a run killed after storing a page but before storing its attachments must still find those
  attachments when it resumes; the attachments already stored are skipped. This, not a Scrapy
  JOBDIR, is what makes a backfill resumable after ``kill -9``: a JOBDIR's persisted dupefilter
  marks requests as seen before they are downloaded, so a hard kill would lose them for good.
- In ``incremental`` mode, the next listing page is requested only if the current one yielded at
  least one new detail request (portals.md §2.F: stop at the first page with no new report link);
  a page that yielded no report link at all (only non-report rows) is paged past, and so is a
  page the shared frontier delivered again after its worker died (meta ``harvest_redelivered``:
  the first delivery may have stored its rows but not queued the next page).

The mode is the spider's ``mode`` argument (default: setting HARVEST_RUN_MODE), except that an
incremental run crawls a seed as in ``full`` mode until a run of the same spider has read it to the
end (state OK or EMPTY): a seed newly given to a family spider, e.g. an ``auto`` seed after platform
detection, may have rows stored by the generic spider that must not stop its paging or hide the
further pages of its articles.
Settings: HARVEST_REVALIDATE_DAYS (default 30).
Stats: harvest/incremental/known_skipped, harvest/incremental/revalidated,
harvest/incremental/paging_stopped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals

from crawler.health import seeds_crawled_through_by
from pipelines.storage.db import make_engine
from pipelines.storage.queries import Queries

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

KIND = "harvest_kind"
FOLLOWED_KINDS = ("detail", "attachment")
#: request meta on pages 2..n of a multi-page article (value: the page's URL as announced). They are
#: detail pages that are always requested, as in ``full`` mode: their first page is being fetched,
#: and the article is parsed from all its pages together.
ARTICLE_PART = "harvest_article_part"
#: request meta of a request the shared frontier's reaper put back (crawler/frontier/: its worker
#: died or lost Redis): its first delivery may have stored rows without queuing the next page
REDELIVERED = "harvest_redelivered"


@dataclass(frozen=True)
class KnownFetch:
    fetched_at: datetime
    etag: str | None
    last_modified: str | None


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.mode = crawler.settings.get("HARVEST_RUN_MODE", "full")
        self.revalidate_after = timedelta(days=crawler.settings.getfloat("HARVEST_REVALIDATE_DAYS", 30))
        self.known: dict[str, KnownFetch] = {}
        #: seeds this spider crawled to the end (OK or EMPTY) before; others are crawled as in full mode
        self.settled: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        engine = make_engine(self.crawler.settings["HARVEST_DATABASE_URL"])
        try:
            queries = Queries(engine)
            self.known = {url: KnownFetch(*info) for url, info in queries.latest_fetches().items()}
            self.settled = seeds_crawled_through_by(queries, spider.name)
        finally:
            engine.dispose()
        self.mode = getattr(spider, "mode", None) or self.mode
        spider.logger.info("incremental: %d stored URLs known (mode=%s)", len(self.known), self.mode)

    # --- the rules ---------------------------------------------------------------------

    def _filter(self, response: Response, outputs: Iterable[Any]) -> Iterator[Any]:
        stats = self.crawler.stats
        assert stats is not None
        held_pages: list[Request] = []
        new_followed = 0
        followed = 0  # report links the page yielded, stored or not
        # a listing-entry answer (the first API page a shell led to) pages on like any listing page
        from_listing = response.meta.get(KIND) in ("listing", "listing-entry")
        for out in outputs:
            if isinstance(out, Request):
                kind = out.meta.get(KIND)
                if kind in FOLLOWED_KINDS:
                    followed += 1
                    out = self._followed(out)
                    if out is None:
                        stats.inc_value("harvest/incremental/known_skipped")
                        continue
                    new_followed += 1
                elif kind == "listing" and from_listing and self._mode_of(out) == "incremental":
                    held_pages.append(out)
                    continue
            yield out
        if held_pages and (new_followed or not followed or response.meta.get(REDELIVERED)):
            # a page listing no report link at all (only guides, website reports…) says nothing
            # about what is stored: page on (the spider's page cap and pager-loop check bound it)
            yield from held_pages
        elif held_pages:
            stats.inc_value("harvest/incremental/paging_stopped")

    def _followed(self, request: Request) -> Request | None:
        known = self.known.get(request.url)
        if known is None:
            return request
        if request.meta.get(KIND) == "detail" and (self._mode_of(request) == "full"
                                                   or request.meta.get(ARTICLE_PART)):
            return request
        if datetime.now(UTC) - _aware(known.fetched_at) < self.revalidate_after:
            return None
        headers: dict[str | bytes, Any] = dict(request.headers.to_unicode_dict())
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("harvest/incremental/revalidated")
        return request.replace(headers=headers, dont_filter=True)

    def _mode_of(self, request: Request) -> str:
        """The run's mode, except ``full`` for a seed this spider never crawled to the end (for example an
        ``auto`` seed given to its detected family: the generic spider may have stored its first
        rows or the first page of its multi-page articles, which must not stop this crawl)."""
        if self.mode != "incremental" or self.settled is None:
            return self.mode
        seed = request.cb_kwargs.get("seed")
        seed_id = getattr(seed, "id", None)
        return "full" if seed_id is not None and seed_id not in self.settled else self.mode

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        return self._filter(response, result)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]
                                          ) -> AsyncIterator[Any]:
        collected = [out async for out in result]
        for out in self._filter(response, collected):
            yield out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
