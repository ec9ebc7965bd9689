"""Items passed between spiders and pipelines (dataclasses, never bare dicts), and the seed-level
event vocabulary both sides share.

Seed events (exact; crawl-practice.md §12 seed-level states):
OK, EMPTY, BLOCKED:challenge-412, BLOCKED:cookie-521, BLOCKED:rate-limit-429, BLOCKED:server-5xx,
BROKEN:404, BROKEN:soft-404, BROKEN:redirect-home, BROKEN:dns, BROKEN:tls, ROBOTS-DISALLOWED;
BROKEN:connect (the host refuses or never accepts the connection); PARTIAL:pager (more listing
pages announced than could be followed); MOVED (a redirect would leave the
seed's site, see crawler/offsite.py: not followed, the target is the event's detail, for a
researcher to confirm).
Spiders classify responses into them (:mod:`crawler.spiders.health`); the storage pipeline folds a
run's events into the seed's state with :func:`final_event`.

A spider may observe several events for one seed in a run (e.g. OK on page 1, then 429 once the
host starts throttling); :func:`final_event` folds them into the seed's state: the most severe
event wins (any BLOCKED/BROKEN/ROBOTS event beats EMPTY, which beats OK).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

OK = "OK"
EMPTY = "EMPTY"
CHALLENGE_412 = "BLOCKED:challenge-412"
COOKIE_521 = "BLOCKED:cookie-521"
RATE_LIMIT_429 = "BLOCKED:rate-limit-429"
SERVER_5XX = "BLOCKED:server-5xx"
NOT_FOUND = "BROKEN:404"
SOFT_404 = "BROKEN:soft-404"
REDIRECT_HOME = "BROKEN:redirect-home"
DNS = "BROKEN:dns"
TLS = "BROKEN:tls"
ROBOTS = "ROBOTS-DISALLOWED"
MOVED = "MOVED"
CONNECT = "BROKEN:connect"
#: the listing shows more pages (a script pager total, 共N页, a next link) than the spider could
#: follow: the seed answered, but the crawl is probably missing reports (detail names the evidence)
PARTIAL_PAGER = "PARTIAL:pager"

EVENTS: tuple[str, ...] = (OK, EMPTY, CHALLENGE_412, COOKIE_521, RATE_LIMIT_429, SERVER_5XX, NOT_FOUND,
                           SOFT_404, REDIRECT_HOME, DNS, TLS, ROBOTS, MOVED, CONNECT, PARTIAL_PAGER)


def severity(event: str) -> int:
    if event == OK:
        return 0
    if event == EMPTY or event.startswith("PARTIAL:"):
        return 1
    return 2


def final_event(events: Iterable[str]) -> str | None:
    """The seed's state from the events seen in one run (first most-severe event wins)."""
    best: str | None = None
    for event in events:
        if best is None or severity(event) > severity(best):
            best = event
    return best


@dataclass
class FetchedDocument:
    """One fetched page or attachment, with everything needed to trace it to its origin.

    The pipelines fill the later fields: ``sha256`` when the bytes are archived, ``cleaned`` when
    an HTML page was cleaned, ``parse_result`` when the report parser has run.
    """

    url: str  # the URL requested
    final_url: str  # after redirects
    status: int
    body: bytes
    fetched_at: datetime
    content_type: str | None = None
    filename: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    portal_id: str | None = None
    parent_url: str | None = None  # detail page an attachment was linked from
    link_title: str | None = None  # listing link text that led here
    sha256: str | None = None
    cleaned: Any = None  # pipelines.cleaning.CleanedPage, for HTML pages
    parse_result: Any = None  # canonical ogi-report/1 JSON of ParsedReport | ParseFailure
    # Multi-page articles (TRS ``createPageHTML(n, i, "t…", "html")``): pages 2..n are yielded as
    # parts (archived, cleaned and stored as documents, never parsed alone); page 1 is yielded
    # once every page is in, carrying the others, and is parsed from all pages' containers joined.
    article_part: bool = False  # page 2..n of a multi-page article (parent_url = page 1)
    article_pages: list[FetchedDocument] = field(default_factory=list)  # on page 1: pages 2..n, in order
    article_missing: list[str] = field(default_factory=list)  # on page 1: pages that could not be fetched
    # Reports published as pictures in an HTML page (图片版): the page's pictures are fetched as
    # picture parts (archived and stored as documents whose parent is the page, never parsed
    # alone). The crawl defers the page's OCR; `scrapy reparse` puts the archived pictures back in
    # ``page_pictures`` (page order) and the page is read from them as the pages of one document.
    picture_part: bool = False
    page_pictures: list[FetchedDocument] = field(default_factory=list)

    def __repr__(self) -> str:
        # never the body (nor the cleaned text or parse result): items end up in log lines, e.g.
        # Scrapy's "Error processing" and "Dropped" messages (issue 15)
        digest = self.sha256 or hashlib.sha256(self.body).hexdigest()
        return (f"FetchedDocument(url={self.url!r}, sha256={digest}, size={len(self.body)}"
                f"{f', pages={len(self.article_pages) + 1}' if self.article_pages else ''})")

    __str__ = __repr__


@dataclass
class PortalOutcome:
    """A per-seed observation the spider reports (health signals, counts)."""

    portal_id: str
    event: str  # e.g. listing_ok, listing_empty, blocked:challenge-412, broken:404
    url: str
    detail: str | None = None
