"""Column discovery crawl: from each seed's homepage, at most three clicks, to its 年报 column.

A thin spider around :mod:`crawler.discovery` (which decides everything over text). Per seed it
fetches the homepage, follows hub links (政务公开, 政府信息公开, 法定主动公开内容…) and candidate
column links in score order, and reads each candidate's listing with the family spider platform
detection picks for it (so script-built listings, JSON APIs and Hanweb datastores are read as a
crawl reads them). A column is kept only when its listing shows report titles of this agency.

Politeness and safety come from the project settings: robots.txt, the download delay, one
connection per host, and the seed-site guard (crawler/offsite.py) anchored on the homepage, so
nothing off its registrable domain is fetched. Each seed has a page budget; a seed whose homepage
fails (challenge page, redirect off-site, redirect loop) gets a per-seed reason and the run goes on.

Not a CMS family: it declares no ``platforms`` and is not in crawler/spiders/registry.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler import discovery as D
from crawler.offsite import SITE_ANCHOR
from crawler.seeds import Seed
from crawler.sites import leaves_site
from crawler.spiders import health
from pipelines.decoding import decode_text

META = "harvest_discover"
DEFAULT_MAX_PAGES = 30
MAX_CLICKS = 3
#: confirmation may follow a listing's own entry requests (script, API) this many times
MAX_CONFIRM_HOPS = 2
#: hub links followed per page (a page with thousands of links still costs a few requests)
MAX_HUBS_PER_PAGE = 4
#: a confirmed column this good stops the walk from opening new pages
STOP_SCORE = 90


@dataclass
class Walk:
    """The discovery state of one seed."""

    seed: Seed
    government: bool
    pages: int = 0
    pending: int = 0
    seen: set[str] = field(default_factory=set)
    confirmed: list[D.ConfirmedColumn] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    decoys: int = 0
    offsite: int = 0
    failure: str = ""
    budget_hit: bool = False
    candidates: int = 0


@dataclass(frozen=True)
class Step:
    seed_id: str
    kind: str                      # page | candidate | confirm
    depth: int
    path: tuple[str, ...] = ()
    candidate: str = ""            # the candidate column URL (fragment kept)
    label: str = ""
    shape: str = ""
    score: int = 0
    family: str = ""
    hops: int = 0
    titles: tuple[str, ...] = ()   # listing titles read so far (confirmation across entry requests)


class DiscoverSpider(scrapy.Spider):
    name = "discover"
    custom_settings = {  # noqa: RUF012 (Scrapy's own attribute, read once)
        "ITEM_PIPELINES": {},
        "SPIDER_MIDDLEWARES": {"crawler.incremental.IncrementalMiddleware": None},
        "REDIRECT_MAX_TIMES": 5,      # a redirect loop stops early (and costs little)
        "RETRY_TIMES": 1,
    }

    def __init__(self, selected_seeds: list[Seed] | None = None, max_pages: int | str = DEFAULT_MAX_PAGES,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_pages = int(max_pages)
        self.walks: dict[str, Walk] = {}
        self.results: dict[str, D.DiscoveryResult] = {}
        self._readers: dict[str, Any] = {}
        for seed in selected_seeds or []:
            self.walks[seed.id] = Walk(seed, D.is_government(seed.agency, seed.level))

    # --- requests -----------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for walk in self.walks.values():
            home = walk.seed.homepage
            if not home or urlsplit(home).scheme not in ("http", "https"):
                self._finish(walk, failure=f"no usable homepage ({home!r})")
                continue
            request = self._request(walk, home, Step(walk.seed.id, "page", 0))
            if request is not None:
                yield request

    def _request(self, walk: Walk, url: str, step: Step, *, base: Request | None = None,
                 priority: int = 0) -> Request | None:
        if walk.pages >= self.max_pages:
            walk.budget_hit = True
            return None
        if leaves_site(walk.seed.homepage, url) is not None:
            walk.offsite += 1
            return None
        walk.pages += 1
        walk.pending += 1
        meta = {SITE_ANCHOR: walk.seed.homepage, META: step, "handle_httpstatus_list": [412, 521, 403]}
        if base is not None:
            return base.replace(callback=self.parse_page, errback=self.on_error, dont_filter=True,
                                priority=priority, meta={**base.meta, **meta})
        return Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=True,
                       priority=priority, meta=meta)

    # --- answers ------------------------------------------------------------------------

    def parse_page(self, response: Response) -> Any:
        step: Step = response.meta[META]
        walk = self.walks[step.seed_id]
        walk.pending -= 1
        text = decode_text(response.body, (response.headers.get("Content-Type") or b"").decode("latin-1"))
        event = health.classify_status(response.status, text)
        if event:
            self._failed(walk, step, f"{event} at {response.url}")
        elif step.kind == "page":
            yield from self._scan(walk, step, text, response.url)
        else:
            yield from self._confirm(walk, step, text, response)
        self._maybe_finish(walk)

    def on_error(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        step: Step = request.meta[META]
        walk = self.walks[step.seed_id]
        walk.pending -= 1
        value = failure.value
        names = [cls.__name__ for cls in type(value).__mro__]
        response = getattr(value, "response", None)
        status = getattr(response, "status", None)
        event = health.classify_failure(names, str(value), status)
        message = str(value) or type(value).__name__
        self._failed(walk, step, f"{event + ': ' if event else ''}{message}")
        self._maybe_finish(walk)
        return None

    def _failed(self, walk: Walk, step: Step, reason: str) -> None:
        if step.depth == 0 and step.kind == "page":
            walk.failure = f"homepage failed: {reason}"
        else:
            walk.rejected.append(f"{step.candidate or step.kind}: {reason}")

    # --- walking ------------------------------------------------------------------------

    def _stop_walking(self, walk: Walk) -> bool:
        return any(c.score >= STOP_SCORE for c in walk.confirmed)

    def _scan(self, walk: Walk, step: Step, text: str, url: str) -> Any:
        if step.depth >= MAX_CLICKS or self._stop_walking(walk):
            return
        best: dict[str, tuple[D.LabelScore, D.LinkCandidate]] = {}
        hubs: list[D.LinkCandidate] = []
        for link in D.page_links(text, url):
            if urlsplit(link.url).scheme not in ("http", "https"):
                continue
            key = link.url
            scored = D.score_label(link.label, " ".join((*step.path, link.context)), government=walk.government)
            if scored.decoy:
                walk.decoys += 1
                continue
            if scored.score > 0:
                if key not in best or scored.score > best[key][0].score:
                    best[key] = (scored, link)
            elif scored.hub and key not in walk.seen:
                hubs.append(link)
        for key, (scored, link) in sorted(best.items(), key=lambda kv: -kv[1][0].score):
            if key in walk.seen:
                continue
            walk.seen.add(key)
            walk.candidates += 1
            request = self._request(walk, key, Step(walk.seed.id, "candidate", step.depth + 1,
                                                    (*step.path, D.normalise_label(link.label)), key,
                                                    scored.label, link.shape, scored.score),
                                    priority=100 + scored.score)
            if request is not None:
                yield request
        if step.depth + 1 >= MAX_CLICKS:
            return
        for link in hubs[:MAX_HUBS_PER_PAGE]:
            if link.url in walk.seen:
                continue
            walk.seen.add(link.url)
            request = self._request(walk, link.url, Step(walk.seed.id, "page", step.depth + 1,
                                                         (*step.path, D.normalise_label(link.label))),
                                    priority=10 - step.depth)
            if request is not None:
                yield request

    # --- confirmation -------------------------------------------------------------------

    def _reader(self, family: str) -> Any:
        """A family spider used only for its listing parsers (never scheduled)."""
        if family not in self._readers:
            from crawler.spiders.registry import spider_for
            reader = spider_for(family)(selected_seeds=[], detections={})
            reader.crawler = self.crawler
            self._readers[family] = reader
        return self._readers[family]

    def _confirm(self, walk: Walk, step: Step, text: str, response: Response) -> Any:
        from crawler.patterns import PLATFORM_AUTO
        from crawler.platforms import detect_platform

        family = step.family
        if not family:
            family, _ = detect_platform(text, response.url)
            family = family if family != PLATFORM_AUTO else "plain"
            if family not in self._family_keys():
                family = "plain"
        reader = self._reader(family)
        column_seed = replace(walk.seed, column_url=step.candidate)
        try:
            titles = list(step.titles) + [link.title for link in reader.listing_links(text, response.url, response)]
            nexts = ([] if step.hops >= MAX_CONFIRM_HOPS else
                     reader.next_listing_requests(text, response.url, 1 + step.hops, response, column_seed))
        except Exception as exc:  # a family parser must not stop the other seeds
            walk.rejected.append(f"{step.candidate}: listing unreadable ({exc!r})")
            return
        result = D.confirm_titles(titles, walk.seed.agency)
        if result.ok:
            walk.confirmed.append(D.ConfirmedColumn(step.candidate, step.score, step.label, step.shape,
                                                    step.path, result))
            return
        if nexts and (result.own or not result.foreign):  # read on: its entry request or next page
            for nxt in nexts[:2]:
                request = self._request(walk, nxt.url, replace(step, kind="confirm", family=family,
                                                               hops=step.hops + 1, titles=tuple(titles)),
                                        base=nxt, priority=200)
                if request is not None:
                    yield request
            return
        walk.rejected.append(f"{step.candidate} ({step.label}): {result.reason}")

    @staticmethod
    def _family_keys() -> tuple[str, ...]:
        from crawler.spiders.registry import PLATFORM_KEYS
        return PLATFORM_KEYS

    # --- results ------------------------------------------------------------------------

    def _maybe_finish(self, walk: Walk) -> None:
        if walk.pending <= 0 and walk.seed.id not in self.results:
            self._finish(walk)

    def _finish(self, walk: Walk, failure: str = "") -> None:
        best = D.best_column(walk.confirmed)
        if best is not None and best.score >= D.P.CONFIDENT_SCORE:
            result = D.DiscoveryResult(walk.seed.id, best.url, best.score, best.evidence, walk.pages)
        else:
            result = D.DiscoveryResult(walk.seed.id, "", 0, self._reason(walk, failure), walk.pages)
        self.results[walk.seed.id] = result

    def _reason(self, walk: Walk, failure: str) -> str:
        if failure or walk.failure:
            return failure or walk.failure
        parts = []
        if walk.rejected:
            parts.append("no candidate confirmed: " + "; ".join(walk.rejected[:3]))
        elif not walk.candidates:
            parts.append(f"no link labelled as a 年报 column within {MAX_CLICKS} clicks")
        if walk.budget_hit:
            parts.append(f"page budget of {self.max_pages} spent")
        if walk.decoys:
            parts.append(f"{walk.decoys} decoy links ignored")
        if walk.offsite:
            parts.append(f"{walk.offsite} off-site links not followed")
        return "; ".join(parts)

    def closed(self, reason: str) -> None:
        for walk in self.walks.values():
            if walk.seed.id not in self.results:
                self._finish(walk, failure="" if reason == "finished" else f"run stopped ({reason})")
