"""Base spider: walk each seeded portal's annual-report column and yield fetched documents.

Subclasses (one per CMS family) override :meth:`PortalSpider.listing_links` and
:meth:`PortalSpider.next_listing_requests` with their family's pure parse functions; everything
else — seed selection, fault classification, back-off, detail pages, attachments, items — is
shared here.

Spider arguments: ``mode`` (``incremental`` or ``full``), ``max_pages``, ``since``, and the seeds
to crawl. The run commands (nightly, backfill, demo: :mod:`crawler.commands.runs`) select the seeds
once per run and hand each spider its share as ``selected_seeds`` (with the platform
``detections`` they were assigned by). A spider started on its own (``scrapy crawl <family>``, for
debugging) loads and selects them itself from ``seeds`` (CSV file or directory; default
HARVEST_SEEDS), ``province`` and ``portal`` (a seed id).

Per seed the spider emits :class:`~crawler.items.PortalOutcome` items, each distinct event once
(names in :mod:`crawler.spiders.health`); the seed's state for the run is
``health.final_event`` of its events. Challenge pages, soft-404s and redirect-to-home pages are
never yielded as documents. A redirect leaving the seed's site is not followed
(crawler/offsite.py) and makes the seed MOVED, whichever page of the seed it came from. After a
BLOCKED event the seed is backed off: no further request of it is made in this run (farm portals
share one host, so the back-off key is the seed, i.e. the seed's host *and* column).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request

from crawler.families import Family
from crawler.items import FetchedDocument, PortalOutcome
from crawler.platforms import Detection, detections_path, effective_platform, usable_detections
from crawler.seeds import Seed, crawlable, for_platforms, load_seeds, log_problems
from crawler.spiders import health
from crawler.spiders import links as L
from crawler.spiders import patterns as SP
from pipelines.pictures import MAX_PICTURE_BYTES

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure


def _header(response: Response, name: str) -> str | None:
    raw = response.headers.get(name)
    if raw is None:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


KIND = "harvest_kind"  # request tag read by crawler.incremental (listing | detail | attachment)
#: request meta a family sets on a listing step that cannot list rows by itself (a shell page's
#: API call, a list script): tagged ``listing-entry`` so the incremental middleware's "stop paging
#: when nothing new" rule does not cut the chain before the first real rows
ENTRY = "harvest_listing_entry"


#: request meta: the request must be handled by the process that made it, because its callback
#: needs that spider's memory: on the shared frontier (crawler/frontier/) it stays in the worker's
#: local queue instead of going to Redis. Every listing request carries it — a seed's listing walk
#: (pager state such as a JSON API's search form or a hanweb jpage config, and the seed's health
#: bookkeeping) stays in the worker that read its column page — and so do the pages of one
#: multi-page article. Detail pages and attachments go to the shared queue.
LOCAL = "harvest_local"


def request_key(request: Request) -> tuple[str, str, bytes]:
    return (request.method, request.url, request.body)


class PortalSpider(scrapy.Spider):
    # --- the CMS family this spider is: its declaration in crawler/families.py (see
    # crawler/spiders/__init__.py); the three attributes below are copied from it ---
    family: ClassVar[Family | None] = None
    #: seeds whose ``platform`` is one of these are crawled by this spider
    platforms: ClassVar[tuple[str, ...]] = ()
    #: how platform detection recognises the family's column page
    fingerprints: ClassVar[SP.Fingerprints | None] = None
    #: platform detection tries families in ascending priority
    detection_priority: ClassVar[int | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "family" in cls.__dict__ and cls.family is not None:
            cls.platforms = cls.family.platforms
            cls.fingerprints = cls.family.fingerprints
            cls.detection_priority = cls.family.detection_priority

    def __init__(self, seeds: str | None = None, province: str | None = None,
                 portal: str | None = None, mode: str = "full", max_pages: str | int = 50,
                 since: str | int | None = None, selected_seeds: Iterable[Seed] | None = None,
                 detections: dict[str, Detection] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in ("incremental", "full"):
            raise ValueError(f"mode must be 'incremental' or 'full', got {mode!r}")
        #: reports for years before this one are skipped (a link without a year is kept)
        self.since = int(since) if since else None
        self.seeds_arg = seeds
        self.province = province
        self.portal_id = portal
        self.mode = mode
        self.max_pages = int(max_pages)
        #: the seeds handed in by the run command (None: load them in :meth:`load_selected_seeds`)
        self.selected_seeds = None if selected_seeds is None else list(selected_seeds)
        self.seeds: list[Seed] = []
        # stored platform detections (auto seeds): handed in with the seeds, or loaded by start()
        self.detections: dict[str, Detection] = dict(detections) if detections is not None else {}
        self._detections_given = detections is not None
        # per-seed run state
        self.events: dict[str, list[str]] = defaultdict(list)
        self.backed_off: set[str] = set()
        self.seen_requests: dict[str, set[tuple[str, str, bytes]]] = defaultdict(set)
        self.seen_reports: dict[str, set[str]] = defaultdict(set)
        self.pending_listings: dict[str, int] = defaultdict(int)
        self.listed: set[str] = set()  # seeds with at least one listing page read
        self.server_errors: dict[str, int] = defaultdict(int)  # URLs that failed 5xx after retries

    # --- seeds --------------------------------------------------------------------------

    def load_selected_seeds(self) -> list[Seed]:
        """The seeds of a spider started on its own: loaded from ``seeds`` and selected here."""
        path = Path(self.seeds_arg or self.settings["HARVEST_SEEDS"])
        loaded = load_seeds(path)
        log_problems(loaded.problems, self.logger)
        ids = [self.portal_id] if self.portal_id else None
        chosen = crawlable(loaded.seeds, province=self.province, ids=ids)
        self.detections = usable_detections(self.detections_file(), warn=self.logger.warning)
        return for_platforms(chosen, self.platforms, self.platform_of) if self.platforms else chosen

    def detections_file(self) -> Path:
        """``platforms.json`` under HARVEST_VAR_DIR (the stored platform detections of ``auto`` seeds)."""
        settings = getattr(self, "settings", None)
        var_dir = settings.get("HARVEST_VAR_DIR") if settings is not None else None
        return detections_path(Path(var_dir) if var_dir else None)

    def platform_of(self, seed: Seed) -> str:
        """The platform a seed is crawled with: its own key, else the stored detection of an ``auto`` seed."""
        return effective_platform(seed.platform, seed.id, seed.column_url, self.detections)

    async def start(self) -> AsyncIterator[Request]:
        if self.selected_seeds is None:
            self.seeds = self.load_selected_seeds()
        else:
            self.seeds = self.selected_seeds
            if not self._detections_given:
                self.detections = usable_detections(self.detections_file(), warn=self.logger.warning)
        self.logger.info("%s: %d seeds selected (mode=%s)", self.name, len(self.seeds), self.mode)
        for seed in self.seeds:
            for request in self.start_requests_for(seed):
                yield request

    def start_requests_for(self, seed: Seed) -> Iterator[Request]:
        """The seed's first listing request(s): its column URL (fragment kept in cb_kwargs)."""
        url = seed.column_url.split("#", 1)[0]
        yield from self._listing_requests(seed, [Request(url)], page=1)

    # --- bookkeeping ----------------------------------------------------------------------

    def _inc(self, key: str, count: int = 1) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(key, count)

    def record(self, seed: Seed, event: str, url: str, detail: str | None = None) -> Iterator[PortalOutcome]:
        """Note ``event`` for ``seed``; yields a PortalOutcome the first time the event is seen."""
        if event in health.BACK_OFF and seed.id not in self.backed_off:
            self.backed_off.add(seed.id)
            self._inc("harvest/backoff/seeds")
            self.logger.warning("backing off seed %s after %s at %s", seed.id, event, url)
        if event in self.events[seed.id]:
            return
        self.events[seed.id].append(event)
        self._inc(f"harvest/outcome/{event}")
        yield PortalOutcome(portal_id=seed.id, event=event, url=url, detail=detail)

    def allowed(self, seed: Seed, url: str, *, attachment: bool = False) -> bool:
        """Requests stay on the seed's host; report pages and attachments may sit on a sibling
        host of the site (``xxgk.<site>.gov.cn``: same registrable domain)."""
        seed_host = urlsplit(seed.column_url).hostname or ""
        host = urlsplit(url).hostname or ""
        if host == seed_host or (attachment and L.same_site(host, seed_host)):
            return True
        self._inc("harvest/offsite/dropped")
        return False

    def _listing_requests(self, seed: Seed, requests: Iterable[Request], page: int) -> Iterator[Request]:
        for request in requests:
            if seed.id in self.backed_off:
                return
            if page > self.max_pages:
                self._inc("harvest/listing/page_cap")
                self.logger.info("page cap %d reached for seed %s", self.max_pages, seed.id)
                return
            key = request_key(request)
            if key in self.seen_requests[seed.id]:
                self._inc("harvest/listing/pager_loop")
                continue
            if not self.allowed(seed, request.url):
                continue
            self.seen_requests[seed.id].add(key)
            self.pending_listings[seed.id] += 1
            yield request.replace(callback=self.parse_listing, errback=self.on_error,
                                  cb_kwargs={"seed": seed, "page": page},
                                  meta={**request.meta, LOCAL: True,
                                        KIND: "listing-entry" if request.meta.get(ENTRY) else "listing"})

    # --- family hooks (pure functions in the family modules) -------------------------------

    def column_page_read(self, seed: Seed, text: str, response: Response) -> None:
        """Called with each first listing page that answered as a real listing (not a fault)."""

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        return L.links_from_html(text, url)

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        next_url = L.next_page_link(text, url)
        return [Request(next_url)] if next_url else []

    # --- listing ------------------------------------------------------------------------

    def parse_listing(self, response: Response, seed: Seed, page: int) -> Iterator[Any]:
        self.pending_listings[seed.id] -= 1
        if seed.id in self.backed_off:
            return
        text = L.response_text(response)
        requested = ((response.request.meta.get("redirect_urls") or [response.url])[0] if response.request
                     else response.url)
        event = health.classify_response(response.status, text, response.url, requested_url=str(requested),
                                         is_column=page == 1)
        if event:
            if page == 1 or event.startswith("BLOCKED"):
                yield from self.record(seed, event, response.url)
            else:
                self._inc(f"harvest/listing/{event.split(':')[-1]}")
            yield from self._maybe_empty(seed, response.url)
            return
        self._inc("harvest/listing/pages")
        self.listed.add(seed.id)
        if page == 1:
            self.column_page_read(seed, text, response)
        try:
            found = self.listing_links(text, response.url, response)
            nexts = self.next_listing_requests(text, response.url, page, response, seed)
        except Exception as exc:  # a family parser must never kill the crawl of other seeds
            self._inc("harvest/listing/parse_error")
            self.logger.warning("listing parse failed on %s (seed %s): %r", response.url, seed.id, exc)
            found, nexts = [], []
        new = [link for link in found if link.url not in self.seen_reports[seed.id]]
        if not found:
            self._inc("harvest/listing/empty")
            self.logger.info("no report links on %s (seed %s, page %d)", response.url, seed.id, page)
        if found and not self.events[seed.id]:
            yield from self.record(seed, health.OK, response.url)
        for link in new:
            if not self.allowed(seed, link.url, attachment=True):
                continue
            if self.since and link.year and link.year < self.since:
                self._inc("harvest/listing/before_since")
                continue
            self.seen_reports[seed.id].add(link.url)
            self._inc("harvest/listing/report_links")
            yield Request(link.url, callback=self.parse_detail, errback=self.on_error,
                          cb_kwargs={"seed": seed, "link": link}, meta={KIND: "detail"})
        if found and not new and page > 1:
            self._inc("harvest/listing/all_known_stop")  # portals.md §2.F: every row already known
        else:
            yield from self._listing_requests(seed, nexts, page + 1)
        yield from self._maybe_empty(seed, response.url)

    def _maybe_empty(self, seed: Seed, url: str) -> Iterator[PortalOutcome]:
        if (self.pending_listings[seed.id] <= 0 and seed.id in self.listed and not self.seen_reports[seed.id]
                and not self.events[seed.id]):
            yield from self.record(seed, health.EMPTY, url)
        if self.pending_listings[seed.id] <= 0 and seed.id in self.listed:
            yield from self.listing_finished(seed, url)

    def listing_finished(self, seed: Seed, url: str) -> Iterator[PortalOutcome]:
        """Called when no listing request of the seed is pending any more (family hook)."""
        return iter(())

    # --- detail pages and attachments ---------------------------------------------------

    def parse_detail(self, response: Response, seed: Seed, link: L.ReportLink,
                     part_of: str | None = None) -> Iterator[Any]:
        if seed.id in self.backed_off:
            return
        content_type = _header(response, "Content-Type")
        if L.is_document_response(content_type, response.url):
            yield self.document_item(response, seed, link_title=link.title, parent_url=part_of)
            return
        text = L.response_text(response)
        event = health.classify_response(response.status, text, response.url)
        if event:
            if event.startswith("BLOCKED"):
                yield from self.record(seed, event, response.url)
            self._inc(f"harvest/detail/{event.split(':')[-1]}")
            return
        if part_of is None and not L.is_report_page(text):
            # a page of a report-titled link holding only the report's file (PDF/DOC/WPS/OFD/XLS…):
            # kept (the file's parent) and its files fetched; any other page is skipped
            if not (L.is_report_title(link.title) and L.attachments_from_html(text, response.url)):
                self._inc("harvest/detail/not_report")
                self.logger.info("not a report page: %s (seed %s)", response.url, seed.id)
                return
            self._inc("harvest/detail/attachment_only")
        yield self.document_item(response, seed, link_title=link.title, parent_url=part_of)
        files = [(a.url, a.name, False) for a in L.attachments_from_html(text, response.url)]
        # a report published as pictures (图片版): its page pictures, archived for the page's OCR
        files += [(u, L.filename_from_url(u), True) for u in L.scan_images(text, response.url)]
        for url, name, picture in files:
            if self.allowed(seed, url, attachment=True):
                self._inc("harvest/detail/pictures" if picture else "harvest/detail/attachments")
                meta: dict[str, Any] = {KIND: "attachment"}
                if picture:
                    meta["download_maxsize"] = MAX_PICTURE_BYTES
                yield Request(url, callback=self.parse_attachment, errback=self.on_error,
                              cb_kwargs={"seed": seed, "parent_url": response.url, "name": name,
                                         "link_title": link.title, "picture": picture},
                              meta=meta)

    def parse_attachment(self, response: Response, seed: Seed, parent_url: str, name: str,
                         link_title: str, picture: bool = False) -> Iterator[Any]:
        if seed.id in self.backed_off:
            return
        content_type = _header(response, "Content-Type") or ""
        if content_type.startswith("text/html"):
            event = health.classify_response(response.status, L.response_text(response), response.url)
            if event:
                if event.startswith("BLOCKED"):
                    yield from self.record(seed, event, response.url)
                self._inc(f"harvest/attachment/{event.split(':')[-1]}")
                return
        item = self.document_item(response, seed, link_title=link_title, parent_url=parent_url, name=name)
        item.picture_part = picture
        yield item

    def document_item(self, response: Response, seed: Seed, *, link_title: str | None,
                      parent_url: str | None, name: str | None = None) -> FetchedDocument:
        content_type = _header(response, "Content-Type")
        redirects = [str(u) for u in response.request.meta.get("redirect_urls", [])] if response.request else []
        requested = redirects[0] if redirects else response.url
        filename = L.filename_from_disposition(_header(response, "Content-Disposition"))
        if filename is None and L.is_document_response(content_type, response.url):
            filename = name if name and "." in name else L.filename_from_url(response.url) or name
        return FetchedDocument(
            url=requested, final_url=response.url, status=response.status, body=response.body,
            fetched_at=datetime.now(UTC), content_type=content_type, filename=filename,
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
            redirect_chain=redirects, portal_id=seed.id, parent_url=parent_url,
            link_title=link_title,
        )

    # --- failures -----------------------------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = getattr(failure, "request", None)
        kwargs = getattr(request, "cb_kwargs", None) or {}
        seed: Seed | None = kwargs.get("seed")
        error_type = type(failure.value)  # what failure.type names, never None in an errback
        self._inc(f"harvest/errors/{error_type.__name__}")
        self.logger.warning("request failed: %s (%s)", getattr(request, "url", "?"), failure.getErrorMessage())
        if seed is None:
            return
        is_listing = request is not None and request.callback == self.parse_listing
        if is_listing:
            self.pending_listings[seed.id] -= 1
        response = getattr(failure.value, "response", None)
        status = getattr(response, "status", None)
        text = L.response_text(response) if response is not None else ""
        names = [cls.__name__ for cls in error_type.__mro__]
        event = health.classify_failure(names, failure.getErrorMessage(), status, text)
        is_column = is_listing and kwargs.get("page") == 1
        if event == health.SERVER_5XX and not is_column:
            # one page failing after its retries is not yet a burst: the seed is blocked when its
            # column fails, or when a second URL of it fails the same way
            self.server_errors[seed.id] += 1
            if self.server_errors[seed.id] < health.SERVER_5XX_BURST:
                self._inc("harvest/errors/server-5xx-single")
                event = None
        if event == health.MOVED:
            # a redirect leaving the seed's site (crawler/offsite.py), from any page of the seed:
            # not followed; the target is the detail a researcher confirms (issue 15)
            yield from self.record(seed, event, getattr(request, "url", seed.column_url),
                                   detail=str(getattr(failure.value, "target", "") or failure.getErrorMessage())[:500])
        elif event and (is_column or event.startswith("BLOCKED")):
            yield from self.record(seed, event, getattr(request, "url", seed.column_url),
                                   detail=failure.getErrorMessage()[:500])
        elif event:
            self._inc(f"harvest/errors/{event}")
        if is_listing:
            yield from self._maybe_empty(seed, getattr(request, "url", seed.column_url))

    def closed(self, reason: str) -> None:
        for seed in self.seeds:
            state = health.final_event(self.events.get(seed.id, ()))
            self._inc(f"harvest/seeds/{state or 'UNCLASSIFIED'}")
            self.logger.info("seed %s: %s", seed.id, state or "unclassified (no listing answered)")
