"""Items passed between spiders and pipelines (dataclasses, never bare dicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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


@dataclass
class PortalOutcome:
    """A per-seed observation the spider reports (health signals, counts)."""

    portal_id: str
    event: str  # e.g. listing_ok, listing_empty, blocked:challenge-412, broken:404
    url: str
    detail: str | None = None
