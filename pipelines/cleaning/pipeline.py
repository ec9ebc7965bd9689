"""Pipeline stage: clean each HTML detail page (content container, metadata, stable digest).

Attachments (PDF, DOC, …) pass through untouched. The cleaned page rides on the item as
``item.cleaned``; the parsing stage reads the content container from it, and storage records the
page metadata and the digest. Stats: harvest/clean/pages, harvest/clean/flag/<flag>.

Cleaning runs in the crawl's worker processes (:mod:`pipelines.workers`) or, with
``HARVEST_PARSE_WORKERS=0``, in a thread. A worker that dies cleaning a page leaves the page
uncleaned and gives the document a ``failed`` parse result naming how, so it is still stored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Self

from crawler.items import FetchedDocument
from pipelines.cleaning.cleaner import clean_page
from pipelines.report import worker_failure
from pipelines.workers import WorkerDied, pool_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml")
CLEAN_TARGET = "pipelines.cleaning.cleaner:clean_page"


def is_html(item: FetchedDocument) -> bool:
    ctype = (item.content_type or "").lower()
    if ctype:
        return ctype.startswith(HTML_TYPES)
    return item.body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))


class CleaningPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pool = pool_for(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedDocument):
            return item
        # a multi-page article's other pages are yielded as parts of their own too: whichever
        # item reaches this stage first cleans a page (the parse stage joins every page's container)
        for doc in (item, *item.article_pages):
            if doc.cleaned is None and is_html(doc):
                try:
                    await self._clean(doc)
                except WorkerDied as exc:
                    logger.error("cleaning %s: %s", doc.final_url, exc.reason)
                    if item.parse_result is None:
                        item.parse_result = worker_failure("clean", exc.reason)
        return item

    async def _clean(self, item: FetchedDocument) -> None:
        headers = {"Content-Type": item.content_type} if item.content_type else None
        if self.pool is None:
            item.cleaned = await asyncio.to_thread(clean_page, item.body, url=item.final_url, headers=headers)
        else:
            item.cleaned = await self.pool.run(CLEAN_TARGET, item.body, url=item.final_url, headers=headers)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("harvest/clean/pages")
        for flag in item.cleaned.flags:
            stats.inc_value(f"harvest/clean/flag/{flag}")
