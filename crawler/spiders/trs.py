"""Listing parser and spider for portals on TRS WCM static publishing (portals.md §2.A).

Platform key: trs
Listing: ``index.html`` column pages; rows ``<li><a href="./YYYYMM/t…html" title="full title">``;
  the pager is a script: ``createPageHTML(count, current0, "index", "html")`` (page 2 is
  ``index_1``), the 1-based 6-argument ``createPageHTML('page_div', count, current1, 'index',
  'html', total)`` (page 2 is ``index_2``), ``Pager({size, current, prefix, suffix})`` (0-based),
  or classic ``countPage``/``currentPage`` variables.
Detail: ``.TRS_Editor`` body; multi-page articles (portals.md §2.A item 4) carry
  ``createPageHTML(n, i, "t…", "html")`` (or the classic ``countPage`` variables) whose page name
  is the page's own file name → ``t…_1.html`` … are fetched too, and the article becomes ONE
  report: pages 2..n are yielded as they arrive as article parts (archived and stored as
  documents, parent_url = page 1, never parsed alone); page 1 is held until every page is
  resolved, then yielded carrying the others (crawler/spiders/articles.py), and the parse stage
  joins the pages' content containers. A page that fails (404, fault page, transport error,
  back-off) leaves the report flagged incomplete instead of dropping it.
Portals: every seed with ``platform`` trs
Stats: harvest/article/articles, harvest/article/parts, harvest/article/assembled,
  harvest/article/incomplete, harvest/article/stalled
History:
  - 2026-11-22: created from portals.md §2.A shapes and the farm's TRS portals
  - 2026-11-29: multi-page articles assembled into one report (issue 4)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request

from crawler import families
from crawler.incremental import ARTICLE_PART
from crawler.items import FetchedDocument
from crawler.spiders import links as L
from crawler.spiders import patterns
from crawler.spiders.articles import PendingArticle
from crawler.spiders.base import KIND, LOCAL, PortalSpider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.seeds import Seed

#: a pager announcing more article pages than this is not followed beyond it
MAX_ARTICLE_PAGES = 50


@dataclass(frozen=True)
class TrsPager:
    """A listing's pager: ``count`` pages, this page's 1-based number, page-name scheme."""

    count: int
    page: int  # 1-based number of the page carrying this pager
    name: str
    ext: str
    one_based_suffix: bool  # True: page k is name_k (6-arg UCAP); False: name_{k-1}

    def url_of(self, page: int) -> str:
        if page == 1:
            return f"{self.name}.{self.ext}"
        return f"{self.name}_{page if self.one_based_suffix else page - 1}.{self.ext}"


def parse_pager(html: str) -> TrsPager | None:
    """The TRS pager of a listing page, from whichever script form it uses."""
    if m := patterns.TRS_CREATE_PAGE_6.search(html):
        return TrsPager(int(m["count"]), max(int(m["current"]), 1), m["name"], m["ext"], True)
    if m := patterns.TRS_CREATE_PAGE_4.search(html):
        return TrsPager(int(m["count"]), int(m["current"]) + 1, m["name"], m["ext"], False)
    if m := patterns.TRS_PAGER_OBJECT.search(html):
        fields = {f["key"]: f["value"] for f in patterns.TRS_PAGER_FIELD.finditer(m["body"])}
        if "size" in fields and fields["size"].isdigit():
            current = int(fields.get("current", "0")) if fields.get("current", "0").isdigit() else 0
            return TrsPager(int(fields["size"]), current + 1, fields.get("prefix", "index"),
                            fields.get("suffix", "html"), False)
    if m := patterns.TRS_COUNT_PAGE.search(html):
        current_match = patterns.TRS_CURRENT_PAGE.search(html)
        name = patterns.TRS_CLASSIC_NAME.search(html)
        return TrsPager(int(m.group(1)), (int(current_match.group(1)) if current_match else 0) + 1,
                        name["name"] if name else "index", name["ext"] if name else "html", False)
    return None


def parse_listing(html: str, base_url: str) -> list[L.ReportLink]:
    """Report links of one TRS listing page, in page order (title attribute preferred)."""
    return L.links_from_html(html, base_url)


def page_urls(html: str, base_url: str) -> list[str]:
    """Every listing page URL the pager announces (page 1 included), resolved against the page."""
    pager = parse_pager(html)
    if pager is None:
        return [base_url]
    return [urljoin(base_url, pager.url_of(k)) for k in range(1, pager.count + 1)]


def next_page(html: str, base_url: str) -> str | None:
    """The next listing page, or None on the last page (count-derived, portals.md §2.F)."""
    pager = parse_pager(html)
    if pager is None:
        return L.next_page_link(html, base_url)
    if pager.page >= pager.count:
        return None
    return urljoin(base_url, pager.url_of(pager.page + 1))


def page_number_in_url(name: str, url: str) -> int | None:
    """Which page of the paged document ``name`` the URL is (``name.ext`` → 1, ``name_k.ext`` → k+1).

    None when the URL's file name is not ``name`` at all (e.g. a listing's ``index`` pager that a
    detail page's template happens to carry).
    """
    file = urlsplit(url).path.rsplit("/", 1)[-1]
    stem = file.rsplit(".", 1)[0] if "." in file else file
    if stem == name:
        return 1
    head, _, k = stem.rpartition("_")
    return int(k) + 1 if head == name and k.isdigit() else None


def article_pager(html: str, url: str) -> TrsPager | None:
    """The pager of a multi-page article, found on one of its pages, or None.

    Two script forms (portals.md §2.A): ``createPageHTML(n, i, "t…", "html")`` (i 0-based) and the
    classic ``countPage``/``currentPage`` variables with ``"t…_" + nextPage + ".htm"``. Only a pager
    of more than one page whose page name is this page's own file name counts: a listing pager
    (``index``) elsewhere in the template is not an article pager.
    """
    for m in patterns.TRS_CREATE_PAGE_4.finditer(html):
        if int(m["count"]) > 1 and page_number_in_url(m["name"], url) is not None:
            return TrsPager(int(m["count"]), int(m["current"]) + 1, m["name"], m["ext"], False)
    count = patterns.TRS_COUNT_PAGE.search(html)
    name = patterns.TRS_CLASSIC_NAME.search(html)
    if count and name and int(count.group(1)) > 1 and page_number_in_url(name["name"], url) is not None:
        current = patterns.TRS_CURRENT_PAGE.search(html)
        return TrsPager(int(count.group(1)), (int(current.group(1)) if current else 0) + 1,
                        name["name"], name["ext"], False)
    return None


def article_parts(html: str, base_url: str) -> list[str]:
    """Pages 2..n of a multi-page article when ``base_url`` is its first page, else [].

    The pager and the URL must agree that this is page 1 (``current`` 0 and the bare page name),
    so a later page never re-announces the article. At most MAX_ARTICLE_PAGES pages are followed.
    """
    pager = article_pager(html, base_url)
    if pager is None or pager.page != 1 or page_number_in_url(pager.name, base_url) != 1:
        return []
    count = min(pager.count, MAX_ARTICLE_PAGES)
    return [urljoin(base_url, pager.url_of(k)) for k in range(2, count + 1)]


class TrsSpider(PortalSpider):
    name = "trs"
    family = families.TRS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: multi-page articles whose first page is held, by the first page's URL
        self.articles: dict[str, PendingArticle] = {}
        self._flushing = False  # a flush request of held articles is scheduled

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.flush_stalled_articles, signal=signals.spider_idle)
        return spider

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        return parse_listing(text, url)

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        nxt = next_page(text, url)
        return [Request(nxt)] if nxt else []

    # --- multi-page articles ---------------------------------------------------------------

    def parse_detail(self, response: Response, seed: Seed, link: L.ReportLink,
                     part_of: str | None = None) -> Iterator[Any]:
        """A detail page; the first page of a multi-page article is held and its pages requested."""
        outputs = list(super().parse_detail(response, seed, link, part_of))
        page = next((o for o in outputs if isinstance(o, FetchedDocument)), None)
        parts: list[str] = []
        if (page is not None and part_of is None and response.url not in self.articles
                and not L.is_document_response(page.content_type, response.url)):
            parts = article_parts(L.response_text(response), response.url)
        if page is None or not parts:
            yield from outputs
            return
        key = response.url
        article = self.articles[key] = PendingArticle(page, parts)
        self._inc("harvest/article/articles")
        for url in parts:
            if not self.allowed(seed, url):
                article.page_failed(url)
        yield from (o for o in outputs if o is not page)
        for url in article.unresolved:
            self._inc("harvest/article/parts")
            yield Request(url, callback=self.parse_article_page, errback=self.on_article_page_error,
                          cb_kwargs={"seed": seed, "link": link, "part_of": key},
                          meta={KIND: "detail", ARTICLE_PART: url, LOCAL: True},
                          dont_filter=True)  # a dropped page would hold the article until idle
        yield from self._finish_article(key)  # every other page off-site: page 1 alone, incomplete

    def parse_article_page(self, response: Response, seed: Seed, link: L.ReportLink,
                           part_of: str) -> Iterator[Any]:
        """Page 2..n: yielded at once as an article part; the article follows when it is complete."""
        outputs = list(super().parse_detail(response, seed, link, part_of))
        page = next((o for o in outputs if isinstance(o, FetchedDocument)), None)
        article = self.articles.get(part_of)
        url = str(response.meta.get(ARTICLE_PART) or response.url)
        if page is not None:
            page.article_part = True
            if article is not None:
                article.arrived(url, page)
        elif article is not None:
            article.page_failed(url)  # challenge, soft-404, redirect home, or the seed backed off
        yield from outputs
        yield from self._finish_article(part_of)

    def on_article_page_error(self, failure: Failure) -> Iterator[Any]:
        yield from self.on_error(failure)
        request = failure.request  # type: ignore[attr-defined]
        part_of = request.cb_kwargs.get("part_of")
        article = self.articles.get(part_of)
        if article is not None:
            article.page_failed(str(request.meta.get(ARTICLE_PART) or request.url))
        yield from self._finish_article(part_of)

    def _finish_article(self, key: str) -> Iterator[FetchedDocument]:
        article = self.articles.get(key)
        if article is None or not article.complete:
            return
        del self.articles[key]
        yield self._assembled(article)

    def _assembled(self, article: PendingArticle) -> FetchedDocument:
        item = article.assemble()
        self._inc("harvest/article/assembled")
        if item.article_missing:
            self._inc("harvest/article/incomplete")
            self.logger.warning("article %s stored incomplete: %d of %d pages missing (%s)",
                                item.final_url, len(item.article_missing), len(article.page_urls) + 1,
                                ", ".join(item.article_missing))
        return item

    def flush_stalled_articles(self) -> None:
        """spider_idle: an article still held now lost a page request without a callback or
        errback (nothing is in flight any more); emit it with what was fetched."""
        if not self.articles:
            return
        if self._flushing:  # the flush request itself got nowhere: close rather than loop
            self.logger.error("%d multi-page articles could not be emitted: %s", len(self.articles),
                              ", ".join(self.articles))
            return
        self._flushing = True
        engine = self.crawler.engine
        assert engine is not None
        # a data: URL never leaves the process; its callback (or errback) yields the held articles
        engine.crawl(Request("data:,", callback=self.emit_stalled_articles,
                             errback=self.emit_stalled_articles, dont_filter=True,
                             meta={"dont_obey_robotstxt": True, LOCAL: True}))
        raise DontCloseSpider

    def emit_stalled_articles(self, _: object = None) -> Iterator[FetchedDocument]:
        self._flushing = False
        for key in list(self.articles):
            article = self.articles.pop(key)
            self._inc("harvest/article/stalled")
            yield self._assembled(article)
