"""Generic spider for portals on plain pagers or an unknown platform, with pager detection.

Platform key: plain (also crawls seeds marked ``auto`` until detection assigns a family)
Listing: any page whose links carry report titles (title attribute preferred).
Paging (portals.md §2.E), first that applies: a 下一页-style anchor; otherwise the pager is
  detected from the page — last-page anchor (尾页/末页) or numbered anchors with ``index_N`` /
  ``column-index-N`` / ``t_N`` / ``?page=N`` (pageNo, pageIndex, currPage…) / ``/N.html`` —
  and the next number's URL is built from it; the "共 N 页" text or JS page-count variables
  bound it. Every guess is verified by the base spider (a page with only known rows stops
  paging; seen-URL set; page cap).
Portals: every seed with ``platform`` plain, or auto with no stored detection (or one that found plain)
Detection: the column page of an ``auto`` seed that answers as a real listing is fingerprinted
  (:func:`crawler.platforms.detect_platform`, portals.md §2) and the result is stored in
  ``<HARVEST_VAR_DIR>/platforms.json``; this run goes on generically, the next run gives the seed
  to the detected family's spider (seed selection uses :func:`crawler.platforms.effective_platform`).
History:
  - 2026-11-22: created with the foundation (demo crawl of the sample portal)
  - 2026-11-22: pager detection (§2.E), TRS scripts recognised on auto seeds
  - 2026-11-29: platform detection of auto seeds, stored for the next run
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request

from crawler import families
from crawler.patterns import PLATFORM_AUTO
from crawler.platforms import Detection, new_detection, record_detections
from crawler.spiders import links as L
from crawler.spiders import patterns, trs
from crawler.spiders.base import PortalSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.seeds import Seed


@dataclass(frozen=True)
class PagerGuess:
    """A detected pager: how page ``n`` is addressed and the last page if known."""

    kind: str  # query | index_n | numbered | script
    template: str  # absolute URL with "{n}" where the page number goes
    last: int | None
    current: int

    def url_of(self, n: int) -> str:
        return self.template.replace("{n}", str(n))


def _number_of(url: str) -> tuple[str, int, str] | None:
    """(kind, number, template) when ``url`` looks like a numbered listing page."""
    parts = urlsplit(url)
    if m := patterns.PAGE_IN_QUERY.search("?" + parts.query):
        key = m["key"]
        template = patterns.page_param(key).sub(lambda x: x.group(1) + "{n}", url)
        return "query", int(m["n"]), template
    if m := patterns.PAGE_INDEX_N.search(parts.path):
        base = url[: url.index(parts.path) + len(parts.path)]
        template = base[: base.rindex(m.group(0))] + f"{m['stem']}_{{n}}.{m['ext']}"
        if m["stem"] == "column-index":
            template = template.replace("column-index_", "column-index-")
        return "index_n", int(m["n"]), template
    if m := patterns.PAGE_NUMBERED.search(parts.path):
        base = url[: url.index(parts.path) + len(parts.path)]
        return "numbered", int(m["n"]), base[: base.rindex(m.group(0))] + f"/{{n}}.{m['ext']}"
    return None


def detect_pager(html: str, url: str) -> PagerGuess | None:
    """Detect a plain pager on a listing page (portals.md §2.E order of checks)."""
    sel = Selector(text=html or "<html></html>")
    anchors = [(L.normalise_title("".join(a.css("::text").getall())), urljoin(url, a.attrib["href"].strip()))
               for a in sel.css("a[href]") if not a.attrib["href"].strip().startswith(("javascript:", "#"))]
    here = _number_of(url)
    total_text = patterns.TOTAL_PAGES_TEXT.search("".join(sel.css("body ::text").getall()))
    js_count = patterns.JS_PAGE_COUNT.search(html)
    last = int(total_text.group(1)) if total_text else int(js_count.group(1)) if js_count else None
    candidates: list[tuple[str, int, str]] = []
    for text, href in anchors:
        guess = _number_of(href)
        if guess is None:
            continue
        if patterns.LAST_PAGE_TEXT.search(text):
            if last is None:
                last = guess[1]
            candidates.insert(0, guess)
        elif text.isdigit() or text in patterns.NEXT_PAGE_TEXT:
            candidates.append(guess)
    if not candidates:
        return None
    kind, _, template = candidates[0]
    current = here[1] if here and here[0] == kind else 1
    return PagerGuess(kind, template, last, current)


def numbered_anchor(html: str, url: str, number: int) -> str | None:
    """The href of the pager anchor whose text is ``number`` (the page's own numbering)."""
    for a in Selector(text=html or "<html></html>").css("a[href]"):
        href = a.attrib["href"].strip()
        text = L.normalise_title("".join(a.css("::text").getall())).strip("[]【】")
        if text == str(number) and href and not href.startswith(("javascript:", "#")):
            return urljoin(url, href)
    return None


def next_page(html: str, url: str, page: int = 1) -> str | None:
    """The next listing page after 1-based page ``page``: a 下一页 anchor; a TRS pager script;
    the anchor numbered ``page + 1``; else the detected pager's next number."""
    if nxt := L.next_page_link(html, url):
        return nxt
    if trs.parse_pager(html) is not None:
        return trs.next_page(html, url)
    if nxt := numbered_anchor(html, url, page + 1):
        return nxt
    guess = detect_pager(html, url)
    if guess is None:
        return None
    n = max(guess.current, page) + 1
    if guess.last is not None and n > guess.last:
        return None
    return guess.url_of(n)


PLATFORM_PLAIN = families.PLAIN.key  # anything else with an HTML pager (?page=N, /N.html, 下一页 anchors)

#: detections are written in batches (and at the end of the crawl), not one file rewrite per seed
DETECTIONS_PER_WRITE = 50


def parse_listing(html: str, base_url: str) -> list[L.ReportLink]:
    return L.links_from_html(html, base_url)


class GenericSpider(PortalSpider):
    name = "generic"
    family = families.PLAIN

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_detections: list[Detection] = []  # detected this run, not yet written

    def column_page_read(self, seed: Seed, text: str, response: Response) -> None:
        """Fingerprint the column page of a seed still ``auto``; keep the answer for the next run."""
        if self.platform_of(seed) != PLATFORM_AUTO:
            return
        column = seed.column_url.split("#", 1)[0]
        detection = new_detection(seed.id, seed.column_url, text,
                                  seed.column_url if response.url == column else response.url)
        if detection is None:
            self._inc("harvest/platform/undetected")
            self.logger.info("seed %s: no platform fingerprint on %s", seed.id, response.url)
            return
        self.detections[seed.id] = detection  # once per run
        self.new_detections.append(detection)
        self._inc(f"harvest/platform/detected/{detection.platform}")
        if detection.platform == PLATFORM_PLAIN:
            self.logger.info("seed %s: platform plain (%s)", seed.id, detection.evidence)
        else:
            self.logger.info("seed %s: platform %s detected (%s); crawled generically in this run, "
                             "by the %s spider from the next run", seed.id, detection.platform,
                             detection.evidence, detection.platform)
        if len(self.new_detections) >= DETECTIONS_PER_WRITE:
            self.store_detections()

    def store_detections(self) -> None:
        batch, self.new_detections = self.new_detections, []
        if not batch:
            return
        path = self.detections_file()
        try:
            record_detections(batch, path)
        except (OSError, ValueError) as exc:
            self.logger.warning("%d platform detections not stored in %s: %s", len(batch), path, exc)
            return
        self._inc("harvest/platform/recorded", len(batch))

    def closed(self, reason: str) -> None:
        self.store_detections()
        super().closed(reason)

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        return parse_listing(text, url)

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        nxt = next_page(text, url, page)
        return [Request(nxt)] if nxt else []
