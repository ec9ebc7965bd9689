"""Downloader middlewares that keep every request on its seed's site (issue 15, part 1).

A portal decides where its redirects point; a hostile or hijacked portal must not make the
harvester fetch another site or an internal address (cloud metadata, intranet hosts) and store the
answer under the seed. The *anchor* of a request is its seed's column URL (``cb_kwargs["seed"]``,
kept by the redirect and retry middlewares), or, for a request without a seed (robots.txt), the
first URL of its redirect chain. :func:`crawler.sites.leaves_site` judges a URL against the anchor:
another registrable domain (an IP address is a site of its own) or an internal address (unless
the anchor itself is one) is refused.

:class:`SeedSiteGuardMiddleware` (priority 60: before the robots.txt middleware at 100, so a
foreign host's robots.txt is never fetched) raises :class:`OffsiteRequest` for such a request
before it is sent — :class:`OffsiteRedirect` when the request was made by following a redirect
(meta refresh) — stat ``harvest/offsite/blocked``.

:class:`OffsiteRedirectMiddleware` (priority 650: it sees a response before Scrapy's
RedirectMiddleware at 600) turns a 3xx whose ``Location`` leaves the anchor's site into
:class:`OffsiteRedirect` carrying the absolute target: the redirect is not followed (stats
``harvest/offsite/blocked`` and ``harvest/offsite/moved``). The spiders classify it as the seed
event ``MOVED`` with the target as detail (crawler/spiders/health.py), for a researcher to confirm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from crawler.sites import leaves_site

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

#: request meta key naming the URL whose site a request must stay on, when it has no seed column
SITE_ANCHOR = "harvest_site_anchor"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class OffsiteRequest(IgnoreRequest):
    """A request refused because its URL leaves its seed's site."""

    def __init__(self, url: str, anchor: str, reason: str) -> None:
        self.url, self.anchor, self.reason = url, anchor, reason
        super().__init__(f"offsite ({reason}): {url} is not on the site of {anchor}")


class OffsiteRedirect(OffsiteRequest):
    """A redirect (3xx or meta refresh) that would leave the seed's site; ``target`` is where."""

    def __init__(self, target: str, anchor: str, reason: str, source: str) -> None:
        self.target, self.source = target, source
        super().__init__(target, anchor, reason)
        self.args = (f"offsite redirect ({reason}) from {source} to {target}, not followed",)


def anchor_of(request: Request) -> str:
    """The URL a request's site is judged against (see the module doc)."""
    if request.meta.get(SITE_ANCHOR):  # a request without a column (column discovery): its homepage
        return str(request.meta[SITE_ANCHOR])
    seed = (request.cb_kwargs or {}).get("seed")
    column_url = getattr(seed, "column_url", None)
    if column_url:
        return str(column_url)
    chain = request.meta.get("redirect_urls") or []
    return str(chain[0]) if chain else request.url


def redirect_target(request: Request, response: Response) -> str | None:
    """The absolute URL Scrapy's RedirectMiddleware would follow for this response, or None."""
    if (request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all")
            or response.status in request.meta.get("handle_httpstatus_list", ())
            or response.status not in REDIRECT_STATUSES):
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    target = safe_url_string(location)
    if location.startswith(b"//"):
        target = urlsplit(request.url).scheme + "://" + target.lstrip("/")
    return urljoin(request.url, target)


class _Guard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)


class SeedSiteGuardMiddleware(_Guard):
    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        anchor = anchor_of(request)
        reason = leaves_site(anchor, request.url)
        if reason is None:
            return
        self._inc("harvest/offsite/blocked")
        chain = request.meta.get("redirect_urls") or []
        if chain:
            self._inc("harvest/offsite/moved")
            raise OffsiteRedirect(request.url, anchor, reason, str(chain[-1]))
        raise OffsiteRequest(request.url, anchor, reason)


class OffsiteRedirectMiddleware(_Guard):
    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        target = redirect_target(request, response)
        if target is None or urlsplit(target).scheme not in ("http", "https"):
            return response
        anchor = anchor_of(request)
        reason = leaves_site(anchor, target)
        if reason is None:
            return response
        self._inc("harvest/offsite/blocked")
        self._inc("harvest/offsite/moved")
        raise OffsiteRedirect(target, anchor, reason, request.url)
