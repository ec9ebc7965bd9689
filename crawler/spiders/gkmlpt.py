"""Listing parser and spider for Guangdong 政府信息公开目录管理平台 "gkmlpt" (portals.md §2.C).

Platform key: gkmlpt
Listing: seed URL ``…/gkmlpt/annualreport#<catId>``: a Vue shell whose ``window._CONFIG`` holds the
  site's ``SID`` (and a ``TREE`` of categories); rows come from
  ``GET /gkmlpt/api/all/{catId}?page=n&sid=SID`` → JSON ``{total, articles:[{title, url,
  attachment[]}]}``, 100 per page. Page 0 answers the same as page 1, so paging starts at 1.
  Titles may be ``%uXXXX``-escaped. An error payload (``{"error":…}``, non-JSON) is logged,
  counted and ends paging for the seed.
Detail: ``/gkmlpt/content/{a}/{b}/post_{id}.html``, ``_CONFIG.DETAIL.content`` + HTML copy.
  An incremental run starts from the remembered API URL (SID included) when it has one and falls
  back to the shell when that answers 404 or an error payload (crawler.spiders.hinted).
Portals: every seed with ``platform`` gkmlpt
History:
  - 2026-11-22: created from portals.md §2.C shapes and the farm's gkmlpt portals
  - 2026-11-29: listing hints: nightly runs skip the shell page (issue 6)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin, urlsplit

from scrapy.http import Request

from crawler import families
from crawler.spiders import links as L
from crawler.spiders import patterns
from crawler.spiders.base import ENTRY
from crawler.spiders.hinted import HintedApiSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.seeds import Seed


class ApiError(ValueError):
    """A gkmlpt list-API answer that is not a usable article list."""


@dataclass(frozen=True)
class ApiPage:
    total: int
    links: list[L.ReportLink]
    rows: int  # articles on this page, reports or not


def unescape_percent_u(text: str) -> str:
    return patterns.GKMLPT_PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), text)


def site_id(html: str) -> str | None:
    """The ``SID`` of ``window._CONFIG`` on a gkmlpt shell page."""
    m = patterns.GKMLPT_SID.search(html)
    return m.group("sid") if m else None


def category_id(column_url: str, html: str = "") -> str | None:
    """The 年报 category: the seed URL's ``#<catId>`` fragment, else a TREE node named 年报."""
    if m := patterns.GKMLPT_CATEGORY_FRAGMENT.search(column_url):
        return m.group("cat")
    for m in patterns.GKMLPT_TREE_NODE.finditer(html):
        if any(name in m.group(2) for name in patterns.GKMLPT_TREE_REPORT_NAMES):
            return m.group(1)
    return None


def api_url(page_url: str, cat: str, sid: str, page: int) -> str:
    """``/gkmlpt/api/all/{cat}?page=n&sid=SID`` on the shell's host (and path prefix)."""
    path = urlsplit(page_url).path
    root = path[: path.index("/gkmlpt/")] if "/gkmlpt/" in path else ""
    return urljoin(page_url, f"{root}/gkmlpt/api/all/{cat}?" + urlencode({"page": page, "sid": sid}))


def parse_api(text: str, base_url: str) -> ApiPage:
    """Report links of one list-API answer; raises :class:`ApiError` on an error payload."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ApiError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ApiError(f"no article list in answer: {str(data)[:200]}")
    out: list[L.ReportLink] = []
    for art in data["articles"]:
        if not isinstance(art, dict) or not art.get("url"):
            continue
        title = L.normalise_title(unescape_percent_u(str(art.get("title", ""))))
        if L.is_report_title(title):
            out.append(L.ReportLink(url=urljoin(base_url, art["url"]), title=title, year=L.guess_year(title)))
    total = data.get("total")
    if not isinstance(total, int):
        total = (data.get("classify") or {}).get("post_count") if isinstance(data.get("classify"), dict) else None
    return ApiPage(total=total if isinstance(total, int) else len(data["articles"]), links=out,
                   rows=len(data["articles"]))


def parse_listing(text: str, base_url: str) -> list[L.ReportLink]:
    """Report links of a list-API answer (the shell page itself lists nothing)."""
    if text.lstrip().startswith("{"):
        return parse_api(text, base_url).links
    return []


def api_page_number(url: str) -> int:
    m = patterns.GKMLPT_PAGE_PARAM.search(url)
    return int(m.group(2)) if m else 1


def next_api_url(answer: ApiPage, url: str, per_page: int) -> str | None:
    """The next API page, or None when this one is empty or the last by ``total``."""
    n = api_page_number(url)
    if answer.rows == 0 or n >= math.ceil(answer.total / max(per_page, 1)):
        return None
    return patterns.GKMLPT_PAGE_PARAM.sub(lambda m: f"{m.group(1)}{n + 1}", url)


class GkmlptSpider(HintedApiSpider):
    name = "gkmlpt"
    family = families.GKMLPT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.per_page: dict[str, int] = {}

    def api_answer_error(self, text: str, url: str) -> str | None:
        try:
            parse_api(text, url)
        except ApiError as exc:
            return str(exc)
        return None

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        try:
            return parse_listing(text, url)
        except ApiError as exc:
            self._inc("harvest/gkmlpt/api_error")
            self.logger.warning("gkmlpt API error payload from %s: %s", url, exc)
            return []

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        if page == 1:
            sid, cat = site_id(text), category_id(seed.column_url, text)
            if not sid or not cat:
                self._inc("harvest/gkmlpt/no_config")
                self.logger.warning("no _CONFIG SID or category on %s (seed %s)", url, seed.id)
                return []
            return [Request(api_url(url, cat, sid, 1), meta={ENTRY: True})]
        try:
            answer = parse_api(text, url)
        except ApiError:
            return []
        if api_page_number(url) <= 1:
            self.per_page[seed.id] = max(answer.rows, 1)
        nxt = next_api_url(answer, url, self.per_page.get(seed.id, answer.rows or 1))
        return [Request(nxt)] if nxt else []
