"""Listing parser and spider for portals on TRS WCM static publishing (portals.md §2.A).

Platform key: trs
Listing: ``index.html`` column pages; rows ``<li><a href="./YYYYMM/t…html" title="full title">``;
  the pager is a script: ``createPageHTML(count, current0, "index", "html")`` (page 2 is
  ``index_1``), the 1-based 6-argument ``createPageHTML('page_div', count, current1, 'index',
  'html', total)`` (page 2 is ``index_2``), ``Pager({size, current, prefix, suffix})`` (0-based),
  or classic ``countPage``/``currentPage`` variables.
Detail: ``.TRS_Editor`` body; multi-page articles carry ``createPageHTML(n, i, "t…", "html")``
  → ``t…_1.html`` … which are fetched too (each part is its own document, parent_url = page 1).
Portals: every seed with ``platform`` trs
History:
  - 2026-11-22: created from portals.md §2.A shapes and the farm's TRS portals
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urljoin

from scrapy.http import Request

from crawler.spiders import links as L
from crawler.spiders import patterns
from crawler.spiders.base import PortalSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.seeds import Seed


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
        current = patterns.TRS_CURRENT_PAGE.search(html)
        name = patterns.TRS_CLASSIC_NAME.search(html)
        return TrsPager(int(m.group(1)), (int(current.group(1)) if current else 0) + 1,
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


def article_parts(html: str, base_url: str) -> list[str]:
    """The other pages of a multi-page article (``createPageHTML(n, 0, "t…", "html")`` on page 1)."""
    m = patterns.TRS_CREATE_PAGE_4.search(html)
    if not m or not m["name"].startswith("t") or int(m["current"]) != 0:
        return []
    pager = TrsPager(int(m["count"]), 1, m["name"], m["ext"], False)
    return [urljoin(base_url, pager.url_of(k)) for k in range(2, pager.count + 1)]


class TrsSpider(PortalSpider):
    name = "trs"
    platforms: ClassVar[tuple[str, ...]] = ("trs",)

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        return parse_listing(text, url)

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        nxt = next_page(text, url)
        return [Request(nxt)] if nxt else []

    def detail_parts(self, text: str, url: str) -> list[str]:
        return article_parts(text, url)
