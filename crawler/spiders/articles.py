"""Assembly of multi-page articles: one report from several fetched pages (no Scrapy here).

A family spider that finds an article pager on a detail page (TRS ``createPageHTML(n, 0, "t…",
"html")``) holds that first page, requests the other pages, and records each as it arrives or
fails. Every page but the first is yielded at once as an *article part*
(``FetchedDocument.article_part``): archived, cleaned and stored as a document, never parsed on its
own. When the last page is resolved the first page is yielded carrying the others
(``article_pages``, in page order) and the pages that could not be fetched (``article_missing``);
the parse stage joins the pages' content containers and flags the report incomplete when a page
is missing (pipelines/report.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.items import FetchedDocument


@dataclass
class PendingArticle:
    """A multi-page article whose first page is held until every other page is resolved."""

    first: FetchedDocument
    page_urls: list[str]  # pages 2..n, in page order, as announced by the first page's pager
    fetched: dict[str, FetchedDocument] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)

    def arrived(self, url: str, page: FetchedDocument) -> None:
        """Page ``url`` (an article part, stored but not parsed alone) was fetched."""
        if url in self.page_urls:
            self.fetched[url] = page
            self.failed.discard(url)

    def page_failed(self, url: str) -> None:
        """Page ``url`` could not be fetched (HTTP error, fault page, transport failure, back-off)."""
        if url in self.page_urls and url not in self.fetched:
            self.failed.add(url)

    @property
    def unresolved(self) -> list[str]:
        return [u for u in self.page_urls if u not in self.fetched and u not in self.failed]

    @property
    def complete(self) -> bool:
        return not self.unresolved

    def assemble(self) -> FetchedDocument:
        """The first page carrying the fetched pages in order; unresolved pages count as missing."""
        self.first.article_pages = [self.fetched[u] for u in self.page_urls if u in self.fetched]
        self.first.article_missing = [u for u in self.page_urls if u not in self.fetched]
        return self.first
