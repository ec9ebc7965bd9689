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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request

from crawler import families
from crawler.items import PARTIAL_PAGER, PortalOutcome
from crawler.patterns import PLATFORM_AUTO
from crawler.platforms import Detection, new_detection, record_detections
from crawler.spiders import links as L
from crawler.spiders import patterns, trs
from crawler.spiders.base import ENTRY, PortalSpider

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
    sel = Selector(text=html or "<html></html>", type="html")
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


def script_pager(html: str, url: str) -> tuple[int, str, str, int | None] | None:
    """A pager drawn by a script from variables (``var totalPage = 3; var pagePre = "zfxxgklby_nb"``,
    ``pageCount``/``pageName``/``pageExt``): (total pages, page-name prefix, extension, the script's
    current-page value or None). None without both a total and a page-name prefix."""
    total = patterns.SCRIPT_PAGER_TOTAL.search(html)
    prefix = patterns.SCRIPT_PAGER_PREFIX.search(html)
    if total is None or prefix is None:
        return None
    path_name = urlsplit(url).path.rsplit("/", 1)[-1]
    ext_m = patterns.SCRIPT_PAGER_EXT.search(html)
    ext = ext_m["ext"] if ext_m else (path_name.rsplit(".", 1)[-1] if "." in path_name else "html")
    current = patterns.SCRIPT_PAGER_CURRENT.search(html)
    return int(total.group(1)), prefix["name"], ext, int(current.group(1)) if current else None


def script_pager_url(html: str, url: str, page: int) -> str | None:
    """The URL of listing page ``page + 1`` (1-based) from a script-drawn pager, bounded by its total.

    Page 1 is ``<prefix>.<ext>``; later pages ``<prefix>_<k>`` (1-based) or ``<prefix>_<k-1>``
    (0-based). Page 1 tells which by its current-page value (0: 0-based); a later page by its own
    suffix (``page - 1``: 0-based). Without either, 1-based (a wrong guess answers 404 and stops)."""
    pager = script_pager(html, url)
    if pager is None:
        return None
    total, name, ext, current = pager
    if page + 1 > min(total, patterns.GENERIC_MAX_GUESSED_PAGES):
        return None
    here = re.fullmatch(rf"{re.escape(name)}(?:_(\d+))?\.\w+", urlsplit(url).path.rsplit("/", 1)[-1])
    suffix = here.group(1) if here is not None else None
    zero_based = int(suffix) == page - 1 if suffix is not None else current == 0
    return urljoin(url, f"{name}_{page if zero_based else page + 1}.{ext}")


def frame_listings(html: str, url: str) -> list[str]:
    """Same-site ``<iframe>``/``<frame>`` sources of a page (a listing drawn inside a frame)."""
    sel = Selector(text=html or "<html></html>", type="html")
    host = urlsplit(url).hostname or ""
    out: list[str] = []
    for src in sel.css("iframe::attr(src), frame::attr(src)").getall():
        src = src.strip()
        if not src or src.startswith(("javascript:", "about:", "data:")):
            continue
        target = urljoin(url, src)
        if L.same_site(urlsplit(target).hostname or "", host) and target not in out:
            out.append(target)
    return out


def json_listing_url(html: str, url: str) -> str | None:
    """The JSON endpoint a listing's script loads its rows from (first ``*.json`` literal)."""
    sel = Selector(text=html or "<html></html>", type="html")
    for script in sel.css("script:not([src])::text").getall():
        if m := patterns.SCRIPT_JSON_URL.search(script):
            return urljoin(url, m["url"])
    return None


def _json_rows(data: Any) -> list[dict[str, Any]]:
    """The first list of objects with a title-like and a URL-like key, anywhere in ``data``."""
    if isinstance(data, list):
        rows = [r for r in data if isinstance(r, dict)]
        if rows and any(any(k in r for k in patterns.JSON_TITLE_KEYS) and any(k in r for k in patterns.JSON_URL_KEYS)
                        for r in rows):
            return rows
        for item in data:
            if found := _json_rows(item):
                return found
    elif isinstance(data, dict):
        for value in data.values():
            if isinstance(value, (list, dict)) and (found := _json_rows(value)):
                return found
    return []


def _json_value(data: Any, keys: tuple[str, ...]) -> int | None:
    """The first integer under one of ``keys`` in ``data`` or its nested objects."""
    if isinstance(data, dict):
        for key in keys:
            value = data.get(key)
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                return int(value)
        for value in data.values():
            if isinstance(value, dict) and (found := _json_value(value, keys)) is not None:
                return found
    return None


def _load_json(text: str) -> Any:
    if not patterns.JSON_BODY_START.match(text or ""):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _row_links(rows: list[dict[str, Any]], url: str) -> list[L.ReportLink]:
    """Report links of a JSON listing's rows (those with a report title and a URL)."""
    out: list[L.ReportLink] = []
    seen: set[str] = set()
    for row in rows:
        title = next((str(row[k]) for k in patterns.JSON_TITLE_KEYS if row.get(k)), "")
        href = next((str(row[k]) for k in patterns.JSON_URL_KEYS if row.get(k)), "")
        title = L.normalise_title(title)
        if not href or not L.is_report_title(title):
            continue
        target = urljoin(url, href)
        if target not in seen:
            seen.add(target)
            out.append(L.ReportLink(url=target, title=title, year=L.guess_year(title)))
    return out


def _json_next_page(data: Any, url: str) -> str | None:
    """The next page of a parsed JSON listing paged by a query parameter, bounded by its total."""
    if not _json_rows(data):
        return None
    total = _json_value(data, patterns.JSON_TOTAL_KEYS)
    here = _number_of(url)
    current = _json_value(data, patterns.JSON_PAGE_KEYS) or (here[1] if here else 1)
    if total is None or current >= min(total, patterns.GENERIC_MAX_GUESSED_PAGES):
        return None
    if here is not None:
        return here[2].replace("{n}", str(current + 1))
    return url + ("&" if urlsplit(url).query else "?") + f"page={current + 1}"


def pager_evidence(html: str, url: str, page: int) -> str | None:
    """Evidence on a listing page that pages after ``page`` exist: a script pager total, 共N页
    text, script-only page links or a next link (what a spider that stops here misses)."""
    sel = Selector(text=html or "<html></html>", type="html")
    text = "".join(sel.css("body ::text").getall())
    if (m := patterns.TOTAL_PAGES_TEXT.search(text)) and int(m.group(1)) > page:
        return f"共{m.group(1)}页 on page {page}"
    if (m := patterns.SCRIPT_PAGER_TOTAL.search(html)) and int(m.group(1)) > page:
        return f"script pager total {m.group(0)!r} on page {page}"
    for a in sel.css("a[href]"):
        href = a.attrib["href"].strip()
        label = L.normalise_title("".join(a.css("::text").getall())).strip("[]【】")
        if (m := patterns.SCRIPT_ONLY_PAGE_LINK.match(href)) and int(m.group(1)) > page:
            return f"script-only page link {href!r} on page {page}"
        if label in patterns.NEXT_PAGE_TEXT and href.startswith("javascript:"):
            return f"next link {href!r} on page {page}"
    return None


def numbered_anchor(html: str, url: str, number: int) -> str | None:
    """The href of the pager anchor whose text is ``number`` (the page's own numbering)."""
    for a in Selector(text=html or "<html></html>", type="html").css("a[href]"):
        href = a.attrib["href"].strip()
        text = L.normalise_title("".join(a.css("::text").getall())).strip("[]【】")
        if text == str(number) and href and not href.startswith(("javascript:", "#")):
            return urljoin(url, href)
    return None


def numbered_labels(html: str) -> list[int]:
    """The page numbers a pager's usable anchors show (``2``, ``[3]``)."""
    out = []
    for a in Selector(text=html or "<html></html>", type="html").css("a[href]"):
        text = L.normalise_title("".join(a.css("::text").getall())).strip("[]【】")
        if text.isdigit() and not a.attrib["href"].strip().startswith(("javascript:", "#")):
            out.append(int(text))
    return out


def next_page(html: str, url: str, page: int = 1) -> str | None:
    """The next listing page after 1-based page ``page``: a 下一页 anchor; a TRS pager script;
    the anchor numbered ``page + 1``; else the detected pager's next number."""
    if nxt := L.next_page_link(html, url):
        return nxt
    if trs.parse_pager(html) is not None:
        return trs.next_page(html, url)
    if script_pager(html, url) is not None:
        return script_pager_url(html, url, page)
    if nxt := numbered_anchor(html, url, page + 1):
        return nxt
    if (shown := numbered_labels(html)) and max(shown) <= page:
        return None  # a numbered pager whose highest page is this one (pages numbered downward too)
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
    """Report links of a listing answer: an HTML page, or the JSON a listing script loads."""
    if (data := _load_json(html)) is not None:
        return _row_links(_json_rows(data), base_url)
    return L.links_from_html(html, base_url)


def listing_entries(html: str, url: str) -> list[str]:
    """Where the rows of a listing page without report links really are: a same-site frame, or
    the JSON endpoint its script loads."""
    if parse_listing(html, url):
        return []
    if frames := frame_listings(html, url):
        return frames
    json_url = json_listing_url(html, url)
    return [json_url] if json_url else []


def next_listing_url(html: str, url: str, page: int) -> str | None:
    """The next listing page after (1-based, within this listing) page ``page``."""
    if (data := _load_json(html)) is not None:
        return _json_next_page(data, url)
    return next_page(html, url, page)


#: request meta: the page's number within its own listing (a frame or JSON listing restarts at 1)
LIST_PAGE = "generic_list_page"


class GenericSpider(PortalSpider):
    name = "generic"
    family = families.PLAIN

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_detections: list[Detection] = []  # detected this run, not yet written
        #: seed id -> (listing URL, evidence) of pages announced but not followed
        self.unfollowed: dict[str, tuple[str, str]] = {}

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
        list_page = int(response.meta.get(LIST_PAGE, page)) if response.request is not None else page
        if entries := listing_entries(text, url):
            self._inc("harvest/listing/generic_entry", len(entries))
            return [Request(entry, meta={ENTRY: True, LIST_PAGE: 1}) for entry in entries]
        nxt = next_listing_url(text, url, list_page)
        if nxt:
            return [Request(nxt, meta={LIST_PAGE: list_page + 1})]
        if evidence := pager_evidence(text, url, list_page):
            self.unfollowed.setdefault(seed.id, (url, evidence))
        return []

    def listing_finished(self, seed: Seed, url: str) -> Iterator[PortalOutcome]:
        """More pages announced than followed: the seed is PARTIAL:pager, not plain OK."""
        found = self.unfollowed.get(seed.id)
        if found is not None:
            self.logger.warning("seed %s: listing shows more pages than followed (%s at %s)",
                                seed.id, found[1], found[0])
            yield from self.record(seed, PARTIAL_PAGER, found[0], detail=found[1])
