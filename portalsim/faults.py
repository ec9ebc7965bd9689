"""Fault injection: what a faulted portal answers instead of (or before) its normal page.

Each fault lives on its own portal (portals.md §5). :func:`intercept` returns either ``None``
(serve normally), a :class:`~portalsim.families.base.Response`, or a :class:`Action`
for transport-level misbehaviour (reset, truncation, stalling) that the server carries out.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Callable

from portalsim import chrome
from portalsim.families.base import Request, Response, encode_html
from portalsim.model import INTERNAL_TARGETS, OFFSITE_HOST, Farm, Portal


@dataclass(frozen=True)
class Action:
    """Transport-level misbehaviour; ``then`` renders the normal answer (set by the server)."""

    kind: str            # reset | truncate | stall
    seconds: float = 0.0
    then: Callable[[], Response] | None = None


class FaultState:
    """Per-server counters (attempts per URL, requests per portal)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts: dict[tuple, int] = {}
        self.per_portal: dict[str, int] = {}

    def attempt(self, portal: Portal, req: Request) -> int:
        key = (portal.portal_id, req.method, req.path, tuple(sorted((k, tuple(v)) for k, v in req.query.items())),
               hashlib.sha1(req.body).hexdigest())
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            return self.attempts[key]

    def count(self, portal: Portal) -> int:
        with self.lock:
            self.per_portal[portal.portal_id] = self.per_portal.get(portal.portal_id, 0) + 1
            return self.per_portal[portal.portal_id]


def challenge_412_page(portal: Portal) -> bytes:
    token = hashlib.sha1(portal.portal_id.encode()).hexdigest()
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'<meta id="9DhefwqGPrzGxEp9hPaoag" content="{token * 3}" r="m">'
            "<script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84715;"
            f"$_ts.cd=\"qrGcrAlEcqWmDqApcGArhGAcqqGkqAAqrEErcrlqcsGm{token}\";"
            "if($_ts.lcd)$_ts.lcd();</script>"
            f'<script type="text/javascript" r="m" charset="utf-8" src="/{token[:8]}/{token[8:16]}.js"></script>'
            "</head><body></body></html>").encode("utf-8")


def cookie_521_page() -> bytes:
    return ("<html><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
            "+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(+!+[]+'')+(1+[0]-(1))+'93.'+(~~[]+'')+'|-1|'"
            "+';max-age=3600;path=/';location.href=location.pathname+location.search</script></html>").encode("utf-8")


def soft_404_page(portal: Portal) -> Response:
    page = (chrome.head(portal, "页面不存在", "错误页面") + chrome.header(portal)
            + '<div class="error"><h2>抱歉，您访问的页面不存在或已被删除！</h2>'
            f'<p><a href="{chrome.prefix(portal)}/">返回首页</a></p></div>\n' + chrome.footer(portal))
    return encode_html(portal, page)


def not_found_page() -> Response:
    body = ("<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center>"
            "<hr><center>nginx</center></body></html>").encode("utf-8")
    return Response(404, [("Content-Type", "text/html")], body)


def offsite_url(portal: Portal, req: Request) -> str:
    """The same URL on :data:`OFFSITE_HOST` (same port): another site."""
    port = req.headers.get("Host", "127.0.0.1").rpartition(":")[2]
    query = "&".join(f"{k}={v}" for k, vs in req.query.items() for v in vs)
    return f"{portal.scheme}://{OFFSITE_HOST}:{port}{chrome.prefix(portal)}{req.path}" + (f"?{query}" if query else "")


def offsite_redirects(farm: Farm, portal: Portal, req: Request) -> dict[str, str]:
    """Detail path of each report of an ``offsite-redirects`` portal → where it redirects: in turn
    the same URL on another site and each of :data:`INTERNAL_TARGETS`."""
    from portalsim.families import family_of
    family = family_of(portal.family)
    reports = [d for d in portal.documents if d.is_report]
    out: dict[str, str] = {}
    for index, doc in enumerate(reports):
        for path in family.detail_pages(farm, portal, doc):
            turn = index % (1 + len(INTERNAL_TARGETS))
            out[path] = (offsite_url(portal, Request("GET", path, {}, b"", req.headers)) if turn == 0
                         else INTERNAL_TARGETS[turn - 1])
    return out


def intercept(farm: Farm, portal: Portal, req: Request, state: FaultState, is_listing: bool,
              column_dir: str) -> Response | Action | None:
    fault = portal.fault
    if fault is None:
        return None
    kind = fault.kind
    opts = farm.options
    p = chrome.prefix(portal)
    if kind == "server-5xx":
        return Response(500, [("Content-Type", "text/html")],
                        b"<html><body><h1>500 Internal Server Error</h1></body></html>")
    if kind == "rate-limit-429":
        # listing answers work for the first few requests; no detail page or file ever does,
        # so no report of this portal can be fetched and the seed is unambiguously blocked
        if not is_listing or state.count(portal) > opts.rate_limit_after:
            return Response(429, [("Content-Type", "text/html"), ("Retry-After", "3600")],
                            b"<html><body><h1>429 Too Many Requests</h1></body></html>")
        return None
    if kind == "challenge-412":
        return Response(412, [("Content-Type", "text/html"),
                              ("Set-Cookie", "FSSBBIl1UgzbN7N80S=abcdef0123456789; Path=/; HttpOnly")],
                        challenge_412_page(portal))
    if kind == "cookie-521":
        return Response(521, [("Content-Type", "text/html"),
                              ("Set-Cookie", "__jsluid_h=0123456789abcdef0123456789abcdef; max-age=31536000; path=/; HttpOnly")],
                        cookie_521_page())
    if kind == "not-found" and req.path.startswith(column_dir):
        return not_found_page()
    if kind == "soft-404" and req.path.startswith(column_dir):
        return soft_404_page(portal)
    if kind == "redirect-home" and req.path.startswith(column_dir):
        host = req.headers.get("Host", "127.0.0.1")
        return Response(302, [("Location", f"{portal.scheme}://{host}{p}/"), ("Content-Type", "text/html")], b"")
    if kind == "column-moved" and req.path.startswith(column_dir):
        return Response(301, [("Location", offsite_url(portal, req)), ("Content-Type", "text/html")], b"")
    if kind == "offsite-redirects":
        targets = offsite_redirects(farm, portal, req)
        if req.path in targets:
            return Response(302, [("Location", targets[req.path]), ("Content-Type", "text/html")], b"")
    if kind in ("burst-5xx", "reset", "truncated"):
        if state.attempt(portal, req) <= opts.burst_failures:
            if kind == "burst-5xx":
                code = 503 if len(req.path) % 2 else 500
                return Response(code, [("Content-Type", "text/html"), ("Retry-After", "1")],
                                f"<html><body><h1>{code} Service Unavailable</h1></body></html>".encode())
            return Action("reset" if kind == "reset" else "truncate")
        return None
    if kind == "timeout" and is_listing:
        if state.attempt(portal, req) <= opts.burst_failures:
            return Action("stall", opts.timeout_s)
    return None
