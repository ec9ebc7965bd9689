"""Parse each archived document with the report parser (a pure library) off the reactor thread.

The parser never raises for bad input; anything it raises anyway is a bug, turned here into a
``failed`` result with the reason so the document is still stored (its bytes are already
archived). Stats: harvest/parse/<status>.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import TYPE_CHECKING, Any, Self

from crawler.items import FetchedDocument
from pipelines.parsing import PARSER_VERSION, parse_document
from pipelines.parsing.types import ParseFailure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def parse_to_json(body: bytes, content_type: str | None, filename: str | None) -> dict[str, Any]:
    """Canonical ``ogi-report/1`` JSON for one document; never raises."""
    try:
        result = parse_document(body, content_type=content_type, filename=filename)
    except Exception as exc:  # the parse boundary: a parser bug must not lose the document
        logger.exception("parser raised on a %d-byte %s document", len(body), content_type)
        result = ParseFailure(status="failed", reason=f"parser error: {type(exc).__name__}: {exc}",
                              parser_version=PARSER_VERSION)
    return result.to_json()


def parser_input(item: FetchedDocument) -> tuple[bytes, str | None]:
    """What the parser reads: the cleaned content container of an HTML page, else the raw bytes.

    The page title is put back in front of the container (it usually sits outside it) so the
    parser sees the report title; site chrome stays out.
    """
    cleaned = item.cleaned
    if cleaned is None or not cleaned.content_html or "no_container" in cleaned.flags:
        return item.body, item.content_type
    title = f"<h1>{html.escape(cleaned.title)}</h1>" if cleaned.title else ""
    page = f"<html><head><meta charset=\"utf-8\"></head><body>{title}{cleaned.content_html}</body></html>"
    return page.encode("utf-8"), "text/html; charset=utf-8"


class ReportParsingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedDocument):
            return item
        body, content_type = parser_input(item)
        item.parse_result = await asyncio.to_thread(parse_to_json, body, content_type, item.filename)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"harvest/parse/{item.parse_result['status']}")
        return item
