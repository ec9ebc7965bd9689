"""Parse each archived document with the report parser (a pure library) off the reactor.

The parse runs in the crawl's worker processes (:mod:`pipelines.workers`, ``HARVEST_PARSE_WORKERS``)
or, with 0 workers, in a thread; the result is the same. A worker that dies on a document (or is
killed at the job timeout) gives that document a ``failed`` result naming how, so it is stored.

The parser never raises for bad input; anything it raises anyway is a bug, turned here into a
``failed`` result with the reason so the document is still stored (its bytes are already
archived). A page of a multi-page article (``article_part``) is not parsed alone: its article's
first page is parsed from all pages' containers joined, and flagged ``incomplete["pages"]`` when
a page is missing. A picture of a 图片版 page (``picture_part``) is not parsed alone either: the
crawl leaves the page ``needs_ocr`` (deferred) and ``scrapy reparse`` reads it with its archived
pictures. Stats: harvest/parse/<status>, harvest/parse/article_part, harvest/parse/picture_part.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self

from crawler.items import FetchedDocument
from pipelines.parsing import PARSER_VERSION, parse_document
from pipelines.parsing.extract.limits import DEFAULT_LIMITS
from pipelines.parsing.types import ParseFailure
from pipelines.workers import WorkerDied, pool_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def parse_to_json(body: bytes, content_type: str | None, filename: str | None,
                  agency_hint: str | None = None, ocr: bool = True,
                  pictures: list[tuple[str, bytes]] | None = None) -> dict[str, Any]:
    """Canonical ``ogi-report/1`` JSON for one document; never raises. ``agency_hint``: the
    seed's agency (expands a short form of the name printed in the title). ``ocr=False``: scans
    stay ``needs_ocr`` for ``scrapy reparse --status needs_ocr`` (the crawl's default).
    ``pictures``: (SHA-256, bytes) of an HTML page's report pictures in page order (图片版), as
    ``scrapy reparse`` reads them from the archive; None: not at hand (the crawl), the page stays
    ``needs_ocr`` for the reparse."""
    limits = None if ocr else replace(DEFAULT_LIMITS, ocr=False)
    try:
        result = parse_document(body, content_type=content_type, filename=filename, agency_hint=agency_hint,
                                limits=limits, pictures=pictures)
    except Exception as exc:  # the parse boundary: a parser bug must not lose the document
        logger.exception("parser raised on a %d-byte %s document", len(body), content_type)
        result = ParseFailure(status="failed", reason=f"parser error: {type(exc).__name__}: {exc}",
                              parser_version=PARSER_VERSION)
    return result.to_json()


def container_of(item: FetchedDocument) -> str | None:
    """The cleaned content container of an HTML page, or None (not HTML, or no container found)."""
    cleaned = item.cleaned
    if cleaned is None or not cleaned.content_html or "no_container" in cleaned.flags:
        return None
    return str(cleaned.content_html)


def joined_page(title: str | None, containers: list[str]) -> bytes:
    """One UTF-8 HTML page: the title as <h1>, then the content containers in order."""
    head = f"<h1>{html.escape(title)}</h1>" if title else ""
    return (f"<html><head><meta charset=\"utf-8\"></head><body>{head}{''.join(containers)}"
            "</body></html>").encode()


def parser_input(item: FetchedDocument) -> tuple[bytes, str | None]:
    """What the parser reads: the cleaned content container of an HTML page, else the raw bytes.

    The page title is put back in front of the container (it usually sits outside it) so the
    parser sees the report title; site chrome stays out. A multi-page article (page 1 carrying
    ``article_pages``) is read as page 1's container followed by every other page's, in order; a
    page without a container adds nothing (see :func:`missing_pages`).
    """
    first = container_of(item)
    if first is None:
        return item.body, item.content_type
    containers = [first] + [c for c in map(container_of, item.article_pages) if c is not None]
    return joined_page(item.cleaned.title, containers), "text/html; charset=utf-8"


def missing_pages(item: FetchedDocument) -> list[str]:
    """Pages of a multi-page article absent from the parser input: not fetched, or no container."""
    if not item.article_pages and not item.article_missing:
        return []
    if container_of(item) is None:  # page 1 is read raw, alone: no other page is in the input
        return [*item.article_missing, *(p.url for p in item.article_pages)]
    return [*item.article_missing, *(p.url for p in item.article_pages if container_of(p) is None)]


def page_pictures(item: FetchedDocument) -> list[tuple[str, bytes]]:
    """The (SHA-256, bytes) of the report pictures put back on a 图片版 page by the reparse, in
    page order (the crawl fetches them after the page: none at hand there)."""
    return [(p.sha256 or hashlib.sha256(p.body).hexdigest(), p.body) for p in item.page_pictures]


def flag_missing_pages(result: dict[str, Any], missing: list[str], pages: int) -> dict[str, Any]:
    """Mark a parse result built from an article with pages missing: ``incomplete["pages"]``."""
    if not missing:
        return result
    incomplete = result.get("incomplete")
    result["incomplete"] = {**(incomplete if isinstance(incomplete, dict) else {}), "pages": True}
    result["warnings"] = [*(result.get("warnings") or []),
                          f"article: {len(missing)} of {pages} pages missing: {', '.join(missing)}"]
    return result


def seed_agency(spider: object, portal_id: str | None) -> str | None:
    """The agency of the seed ``portal_id`` among the spider's seeds, or None."""
    for seed in getattr(spider, "seeds", None) or ():
        if getattr(seed, "id", None) == portal_id:
            return getattr(seed, "agency", None)
    return None


def worker_failure(stage: str, reason: str) -> dict[str, Any]:
    """The ``failed`` result of a document whose worker process died in ``stage`` (parse, clean)."""
    return ParseFailure(status="failed", reason=f"{stage}: {reason}", parser_version=PARSER_VERSION).to_json()


class ReportParsingPipeline:
    #: the function a worker runs for one document (``module:function``), arguments as parse_to_json's
    parse_target = "pipelines.report:parse_to_json"

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pool = pool_for(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedDocument):
            return item
        assert self.crawler.stats is not None
        if item.article_part:  # parsed with its article (page 1), never alone
            self.crawler.stats.inc_value("harvest/parse/article_part")
            return item
        if item.parse_result is not None:  # already failed upstream (its cleaning worker died)
            self.crawler.stats.inc_value(f"harvest/parse/{item.parse_result['status']}")
            return item
        if item.picture_part:  # a picture of a 图片版 page: read with the page, never alone
            self.crawler.stats.inc_value("harvest/parse/picture_part")
            return item
        body, content_type = parser_input(item)
        hint = seed_agency(self.crawler.spider, item.portal_id) if item.portal_id else None
        # OCR (seconds a page) is left to `scrapy reparse --status needs_ocr` unless HARVEST_CRAWL_OCR is set
        ocr = self.crawler.settings.getbool("HARVEST_CRAWL_OCR")
        args = (body, content_type, item.filename, hint, ocr)
        if self.pool is None:
            item.parse_result = await asyncio.to_thread(parse_to_json, *args)
        else:
            try:
                item.parse_result = await self.pool.run(self.parse_target, *args)
            except WorkerDied as exc:
                logger.error("parsing %s: %s", item.final_url, exc.reason)
                item.parse_result = worker_failure("parse", exc.reason)
        flag_missing_pages(item.parse_result, missing_pages(item),
                           1 + len(item.article_pages) + len(item.article_missing))
        self.crawler.stats.inc_value(f"harvest/parse/{item.parse_result['status']}")
        return item
