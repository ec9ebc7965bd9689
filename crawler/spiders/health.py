"""Per-seed fault classification: pure functions over responses and failures (portals.md §5).

The event names and :func:`crawler.items.final_event` (which folds a run's events into the
seed's state) live in :mod:`crawler.items`, where the storage pipeline reads them too; they are
imported here so that spiders keep writing ``health.OK``, ``health.final_event``.
BROKEN:connect and MOVED (crawler/offsite.py) are classified here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from crawler.items import (  # noqa: F401 (the event vocabulary, re-exported for the spiders)
    CHALLENGE_412,
    CONNECT,
    COOKIE_521,
    DNS,
    EMPTY,
    EVENTS,
    MOVED,
    NOT_FOUND,
    OK,
    PARTIAL_PAGER,
    RATE_LIMIT_429,
    REDIRECT_HOME,
    ROBOTS,
    SERVER_5XX,
    SOFT_404,
    TLS,
    final_event,
    severity,
)
from crawler.spiders import patterns

#: URLs of one seed failing 5xx after their retries before the seed counts as BLOCKED:server-5xx
#: (a failing column page counts at once)
SERVER_5XX_BURST = 2
#: events after which the spider stops requesting the seed's pages for the rest of the run
BACK_OFF: frozenset[str] = frozenset({CHALLENGE_412, COOKIE_521, RATE_LIMIT_429, SERVER_5XX})
#: exception class names of a connection that could not be opened (twisted.internet.error; Scrapy
#: 2.19+ raises its own DownloadConnectionRefusedError)
CONNECT_ERRORS: frozenset[str] = frozenset({"ConnectError", "ConnectionRefusedError", "TCPTimedOutError",
                                            "NoRouteError", "DownloadConnectionRefusedError"})
#: ConnectError subclasses that say nothing about the host (a download timeout is a UserError)
NOT_CONNECT_ERRORS: frozenset[str] = frozenset({"UserError", "TimeoutError", "ConnectingCancelledError",
                                                "SSLError"})


def visible_text(html: str) -> str:
    """Rough visible text of an HTML page: scripts, styles and tags dropped, whitespace removed."""
    text = patterns.SCRIPT_OR_STYLE.sub(" ", html)
    text = patterns.HTML_TAG.sub(" ", text)
    return patterns.WHITESPACE.sub("", text)


def _dir_of(path: str) -> str:
    path = path or "/"
    if patterns.HOME_INDEX_NAMES.search(path) or not path.endswith("/"):
        path = path[: path.rindex("/") + 1]
    return path


def is_redirect_home(column_url: str, final_url: str) -> bool:
    """Whether a request for ``column_url`` ended on the site root (or an ancestor directory).

    A column answering its own ``index.html`` or a sibling page of its directory is not a
    redirect home; ending on ``/``, ``/index.html`` or a directory above the column is.
    """
    start, end = urlsplit(column_url), urlsplit(final_url)
    start_dir, end_dir = _dir_of(start.path), _dir_of(end.path)
    if end.netloc != start.netloc:
        return end_dir == "/"
    if end_dir == start_dir:
        return False
    return start_dir.startswith(end_dir)


def is_soft_404(status: int, text: str) -> bool:
    """A 200 page whose short visible text says the page does not exist."""
    if status != 200:
        return False
    visible = visible_text(text)
    return len(visible) <= patterns.SOFT_404_MAX_TEXT and bool(patterns.SOFT_404_TEXT.search(visible))


def classify_status(status: int, text: str) -> str | None:
    """The fault event of an HTTP answer judged by status and body markers, or None."""
    if status in (412, 202) and patterns.CHALLENGE_RUISHU.search(text):
        return CHALLENGE_412
    if patterns.CHALLENGE_JSL.search(text) and status in (521, 200, 403) and len(text) < 20_000 and (
            status == 521 or ("<script" in text.lower() and len(visible_text(text)) < 200)):
        return COOKIE_521
    if status == 412:
        return CHALLENGE_412
    if status == 429:
        return RATE_LIMIT_429
    if status in (404, 410):
        return NOT_FOUND
    if status >= 500:
        return SERVER_5XX
    return None


def classify_response(status: int, text: str, url: str, *, requested_url: str | None = None,
                      is_column: bool = False) -> str | None:
    """The fault event of a response, or None when it looks like a real page.

    ``requested_url`` is the URL before redirects; ``is_column`` says the request was for the
    seed's column (listing) URL — only a column redirecting to the site root is BROKEN:redirect-home.
    """
    event = classify_status(status, text)
    if event:
        return event
    if is_column and requested_url and requested_url != url and is_redirect_home(requested_url, url):
        return REDIRECT_HOME
    if is_soft_404(status, text):
        return SOFT_404
    return None


def classify_failure(type_names: Iterable[str], message: str, status: int | None = None,
                     text: str = "") -> str | None:
    """The fault event of a failed request from its exception class names (the class and its
    bases), message and, for HTTP errors, the response status and body. None: a transient
    failure (timeout, reset) that does not say anything about the seed."""
    names = set(type_names)
    # issue 15 (before the robots test: a target URL may contain "robots")
    if "OffsiteRedirect" in names:
        return MOVED
    if "OffsiteRequest" in names:
        return None
    if "HttpError" in names and status is not None:
        return classify_status(status, text)
    if "IgnoreRequest" in names and "robots" in message.lower():
        return ROBOTS
    if "DNSLookupError" in names or "DNS lookup failed" in message:
        return DNS
    if "TimeoutError" not in names and patterns.TLS_ERROR_TEXT.search(message):
        return TLS
    if names & CONNECT_ERRORS and not names & NOT_CONNECT_ERRORS:  # issue 15 part 4
        return CONNECT
    return None
