"""Base spider of the API families: start an incremental run from the remembered list-API request.

A gkmlpt or jsonapi column page is a shell; the reports come from a list API whose parameters the
shell holds. :class:`HintedApiSpider` remembers, per seed, the first API request the shell led to
(:mod:`crawler.hints`, learned in every mode whenever that request answers a valid API page) and,
in ``incremental`` mode, requests it directly instead of the shell: one request per seed when
nothing is new. When the remembered request fails or answers something that is not a valid API
page (SID changed → 404, an error payload, an HTML page), the spider falls back to the seed's
column page as if there were no hint, and learns the request again; such a miss is counted
(``harvest/hints/stale``), never reported as a seed fault. Only a challenge or rate limit on the
remembered request is recorded as usual (the seed is backed off; its shell is not tried).

Family hooks: :meth:`HintedApiSpider.api_answer_error` (is this body a valid API answer?) and
:meth:`HintedApiSpider.hint_request` (rebuild the request from a stored hint). The API request the
shell leads to must carry ``meta[ENTRY]`` (it already does, see base.ENTRY).

Hints are read from and written to ``HARVEST_VAR_DIR``; without that setting (bare unit-test
crawlers) they are neither used nor stored. Stats: ``harvest/hints/used``, ``harvest/hints/stale``,
``harvest/hints/learned``, ``harvest/hints/unreadable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.http import Request

from crawler.hints import ListingHint, hint_for, hints_path, load_hints, make_hint, update_hints
from crawler.spiders import health
from crawler.spiders import links as L
from crawler.spiders.base import ENTRY, PortalSpider, request_key

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from crawler.seeds import Seed

#: request meta: this listing request replays a stored hint
HINT = "harvest_listing_hint"
#: the listing step a hinted API request stands for (1 is the shell page it skips)
HINT_PAGE = 2
#: events on a hinted request that are the host's answer to us, not a stale hint: no fallback
NO_FALLBACK_EVENTS = frozenset({health.CHALLENGE_412, health.COOKIE_521, health.RATE_LIMIT_429})


class HintedApiSpider(PortalSpider):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stored_hints: dict[str, ListingHint] | None = None
        self.learned_hints: dict[str, ListingHint] = {}
        self.stale_hints: set[str] = set()
        #: per seed, the key of a failed hinted request: the same request derived again from the
        #: shell must pass Scrapy's duplicate filter
        self.hint_retry: dict[str, tuple[str, str, bytes]] = {}

    # --- family hooks -------------------------------------------------------------------------

    def api_answer_error(self, text: str, url: str) -> str | None:
        """Why ``text`` is not a valid list-API answer, or None when it is."""
        raise NotImplementedError

    def hint_request(self, hint: ListingHint, seed: Seed) -> Request | None:
        """The request a stored hint stands for (None: the hint cannot be replayed)."""
        return Request(hint.url) if hint.method == "GET" and not hint.body else None

    # --- storage ------------------------------------------------------------------------------

    def hints_file(self) -> Path | None:
        var_dir = self.settings.get("HARVEST_VAR_DIR") if self.settings is not None else None
        return hints_path(var_dir) if var_dir else None

    def load_stored_hints(self) -> dict[str, ListingHint]:
        if self.stored_hints is None:
            path = self.hints_file()
            try:
                self.stored_hints = load_hints(path) if path is not None else {}
            except ValueError as exc:
                self._inc("harvest/hints/unreadable")
                self.logger.warning("%s; starting every seed from its column page", exc)
                self.stored_hints = {}
        return self.stored_hints

    def save_hints(self) -> None:
        path = self.hints_file()
        if path is None:
            return
        stored = self.load_stored_hints()
        learned = [h for sid, h in self.learned_hints.items()
                   if sid not in stored or not stored[sid].same_request(h)]
        forget = [sid for sid in self.stale_hints if sid not in self.learned_hints]
        if not learned and not forget:
            return
        try:
            update_hints(path, learned=learned, forget=forget)
        except OSError as exc:
            self.logger.warning("could not store listing hints in %s: %s", path, exc)
            return
        self._inc("harvest/hints/learned", len(learned))

    # --- start, fallback, learning ------------------------------------------------------------

    def start_requests_for(self, seed: Seed) -> Iterator[Request]:
        if self.mode == "incremental":
            hint = hint_for(seed.id, seed.column_url, self.load_stored_hints())
            request = self.hint_request(hint, seed) if hint is not None else None
            if request is not None:
                hinted = list(self._listing_requests(seed, [request.replace(meta={**request.meta, HINT: True})],
                                                     page=HINT_PAGE))
                if hinted:  # (an off-site hint is dropped: the shell decides again)
                    self._inc("harvest/hints/used")
                    yield from hinted
                    return
        yield from super().start_requests_for(seed)

    def fall_back(self, seed: Seed, failed: Request, reason: str) -> Iterator[Request]:
        """The hinted request failed: forget the hint and start the seed from its column page."""
        self.pending_listings[seed.id] -= 1
        self.stale_hints.add(seed.id)
        self._inc("harvest/hints/stale")
        self.logger.info("listing hint of seed %s no longer answers (%s); reading its column page",
                         seed.id, reason)
        key = request_key(failed)
        self.seen_requests[seed.id].discard(key)
        self.hint_retry[seed.id] = key
        yield from super().start_requests_for(seed)

    def parse_listing(self, response: Response, seed: Seed, page: int) -> Iterator[Any]:
        request = response.request
        meta = request.meta if request is not None else {}
        if meta.get(HINT) or meta.get(ENTRY):
            problem = self.api_answer_error(L.response_text(response), response.url)
            if meta.get(HINT) and problem and seed.id not in self.backed_off and request is not None:
                yield from self.fall_back(seed, request, problem)
                return
            if meta.get(ENTRY) and problem is None and request is not None:
                hint = make_hint(seed.id, seed.column_url, request.method, request.url, request.body)
                if hint is not None:
                    self.learned_hints[seed.id] = hint
        retry = self.hint_retry.get(seed.id)
        for out in super().parse_listing(response, seed, page):
            if retry is not None and isinstance(out, Request) and request_key(out) == retry:
                out = out.replace(dont_filter=True)
            yield out

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = getattr(failure, "request", None)
        seed = ((getattr(request, "cb_kwargs", None) or {}).get("seed")) if request is not None else None
        if request is not None and seed is not None and request.meta.get(HINT) and seed.id not in self.backed_off:
            response = getattr(failure.value, "response", None)
            text = L.response_text(response) if response is not None else ""
            error_type = type(failure.value)  # what failure.type names, never None in an errback
            names = [cls.__name__ for cls in error_type.__mro__]
            event = health.classify_failure(names, failure.getErrorMessage(), getattr(response, "status", None), text)
            if event not in NO_FALLBACK_EVENTS:
                yield from self.fall_back(seed, request, f"{error_type.__name__}: {failure.getErrorMessage()[:200]}")
                return
        yield from super().on_error(failure)

    def closed(self, reason: str) -> None:
        super().closed(reason)
        self.save_hints()
