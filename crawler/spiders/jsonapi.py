"""Listing parser and spider for JSON search APIs, Wuxi "intertid" style (portals.md §2.D).

Platform key: jsonapi
Listing: an HTML shell with an empty list and ``list*.js``; the script (or the page) holds the
  request parameters ``listParams = {siteId, channelIds, pageSize, …}`` and posts them as a form
  to ``/info_open/search`` with ``pageIndex`` 1, 2, … → ``{"status": 0, "data": {"totalPages",
  "data": [{title, url, writeTime}]}}``. ``status != 0`` is an error payload: logged, counted,
  paging ends for the seed.
Detail: ``/doc/YYYY/MM/DD/<id>.shtml`` with ``div#Zoom``.
  An incremental run starts from the remembered search POST (endpoint + form of page 1) when it
  has one and falls back to the shell when that answers an error payload (crawler.spiders.hinted).
Portals: every seed with ``platform`` jsonapi
History:
  - 2026-11-22: created from portals.md §2.D shapes and the farm's JSON-API portals
  - 2026-11-29: listing hints: nightly runs skip the shell page and list script (issue 6)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urljoin

from parsel import Selector
from scrapy.http import FormRequest, Request

from crawler import families
from crawler.spiders import links as L
from crawler.spiders import patterns
from crawler.spiders.base import ENTRY
from crawler.spiders.hinted import HintedApiSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.hints import ListingHint
    from crawler.seeds import Seed


class ApiError(ValueError):
    """A search answer that is an error payload or not JSON."""


@dataclass(frozen=True)
class SearchPage:
    links: list[L.ReportLink]
    rows: int
    total_pages: int
    page: int


@dataclass(frozen=True)
class SearchConfig:
    url: str
    params: dict[str, str]


def _fields(body: str) -> dict[str, str]:
    return {f["key"]: f["q"] if f["q"] is not None else f["dq"] if f["dq"] is not None else f["bare"]
            for f in patterns.JSONAPI_FIELD.finditer(body)}


def parse_config(script: str, base_url: str) -> SearchConfig | None:
    """Search URL and form parameters from the list script (or the shell page)."""
    m = patterns.JSONAPI_PARAMS.search(script)
    if not m:
        return None
    post = patterns.JSONAPI_POST_URL.search(script)
    return SearchConfig(urljoin(base_url, post["url"] if post else patterns.JSONAPI_DEFAULT_SEARCH),
                        _fields(m["body"]))


def script_urls(html: str, base_url: str) -> list[str]:
    """``list*.js`` scripts of a shell page."""
    srcs = Selector(text=html or "<html></html>").css("script::attr(src)").getall()
    return [urljoin(base_url, s) for s in srcs if patterns.JSONAPI_SCRIPT_SRC.search(s.rsplit("/", 1)[-1])]


def parse_search(text: str, base_url: str) -> SearchPage:
    """Report links of one search answer; raises :class:`ApiError` on an error payload."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ApiError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError("answer is not a JSON object")
    if data.get("status") not in (0, "0", None) or not isinstance(data.get("data"), dict):
        raise ApiError(f"error payload: status={data.get('status')!r} msg={data.get('msg')!r}")
    inner = data["data"]
    rows = inner.get("data") if isinstance(inner.get("data"), list) else []
    out = []
    for row in rows:
        if not isinstance(row, dict) or not row.get("url"):
            continue
        title = L.normalise_title(str(row.get("title", "")))
        if L.is_report_title(title):
            out.append(L.ReportLink(url=urljoin(base_url, row["url"]), title=title, year=L.guess_year(title)))
    pages = inner.get("totalPages")
    page = inner.get("page")
    return SearchPage(out, len(rows), pages if isinstance(pages, int) else 0, page if isinstance(page, int) else 0)


def parse_listing(text: str, base_url: str) -> list[L.ReportLink]:
    if text.lstrip().startswith("{"):
        return parse_search(text, base_url).links
    return []


def search_request(config: SearchConfig, page_index: int, referer: str) -> FormRequest:
    form = {**config.params, "pageIndex": str(page_index)}
    return FormRequest(config.url, formdata=form,
                       headers={"X-Requested-With": "XMLHttpRequest", "Referer": referer})


def config_from_body(url: str, body: str) -> tuple[SearchConfig, int]:
    """The search config and page index of a stored search POST (its form-encoded body)."""
    params = dict(parse_qsl(body, keep_blank_values=True))
    index = params.get("pageIndex", "1")
    return SearchConfig(url, params), int(index) if index.isdigit() else 1


def next_page_index(answer: SearchPage, requested: int) -> int | None:
    if answer.rows == 0 or requested >= answer.total_pages:
        return None
    return requested + 1


class JsonApiSpider(HintedApiSpider):
    name = "jsonapi"
    family = families.JSONAPI

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.configs: dict[str, tuple[SearchConfig, str]] = {}

    def api_answer_error(self, text: str, url: str) -> str | None:
        try:
            parse_search(text, url)
        except ApiError as exc:
            return str(exc)
        return None

    def hint_request(self, hint: ListingHint, seed: Seed) -> Request | None:
        if hint.method != "POST" or not hint.body:
            return None
        config, index = config_from_body(hint.url, hint.body)
        self.configs[seed.id] = (config, seed.column_url)
        return search_request(config, index, seed.column_url)

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        try:
            return parse_listing(text, url)
        except ApiError as exc:
            self._inc("harvest/jsonapi/api_error")
            self.logger.warning("JSON API error payload from %s: %s", url, exc)
            return []

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        if text.lstrip().startswith("{"):
            if seed.id not in self.configs:
                return []
            try:
                answer = parse_search(text, url)
            except ApiError:
                return []
            body = (response.request.body or b"").decode("utf-8", "replace") if response.request else ""
            requested = int((parse_qs(body).get("pageIndex") or ["1"])[0] or 1)
            nxt = next_page_index(answer, requested)
            saved, referer = self.configs[seed.id]
            return [search_request(saved, nxt, referer)] if nxt else []
        config = parse_config(text, url)
        if config is None:
            if page == 1:
                return [Request(u, meta={ENTRY: True}) for u in script_urls(text, url)]
            self._inc("harvest/jsonapi/no_params")
            return []
        self.configs[seed.id] = (config, seed.column_url)
        first = search_request(config, 1, seed.column_url)
        return [first.replace(meta={**first.meta, ENTRY: True})]
