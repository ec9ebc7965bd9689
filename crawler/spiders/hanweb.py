"""Listing parser and spider for portals on Hanweb (大汉) JCMS "jpage" (portals.md §2.B).

Platform key: hanweb
Listing: ``/col/col{cid}/index.html``; page 1 is inline ``<script type="text/xml"><datastore>``
  with one ``<record><![CDATA[<li><a …>]]></record>`` per row (the visible ``<ul>`` is empty);
  the jpage call carries ``totalRecord`` and ``perPage``, ``var param_N = {…}`` the AJAX params.
  Further rows come from ``dataproxy.jsp``: POST ``?startrecord=a&endrecord=b&perpage=n`` with the
  params as a form body, in groups of perPage×3 records; some servers repeat the previous group's
  last record first (one look-ahead record) — rows are de-duplicated by URL. GET ``?page=N&…``
  (the ``<nextgroup>`` href) is the fallback when no jpage call is found.
Detail: ``/art/Y/M/D/art_{cid}_{id}.html`` with ``#zoom``; attachments ``downfile.jsp`` → 302.
XML: parsed with lxml, ``resolve_entities=False, no_network=True, huge_tree=False`` (no entity
  expansion); a malformed answer is logged, counted and paging continues with the next group.
Portals: every seed with ``platform`` hanweb
History:
  - 2026-11-22: created from portals.md §2.B shapes and the farm's Hanweb portals
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urljoin

from lxml import etree
from scrapy.http import FormRequest, Request

from crawler import families
from crawler.spiders import links as L
from crawler.spiders import patterns
from crawler.spiders.base import PortalSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from crawler.seeds import Seed

GROUP_PAGES = 3  # the browser fetches perPage × 3 records per request


class MalformedXml(ValueError):
    """A dataproxy answer that is not a well-formed <datastore> document."""


@dataclass
class Datastore:
    records: list[str] = field(default_factory=list)  # CDATA HTML of each record
    total_record: int | None = None
    total_page: int | None = None
    next_group: str | None = None  # href inside <nextgroup>


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, recover=False)


def parse_datastore(xml: str | bytes) -> Datastore:
    """Parse one ``<datastore>`` document safely; raises :class:`MalformedXml` on bad input.

    Entities are never expanded (a DOCTYPE declaring entities is refused outright)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    data = patterns.XML_DECLARATION.sub(b"", data.strip())
    if patterns.XML_DTD.search(data[:4096]):
        raise MalformedXml("DOCTYPE/ENTITY declarations are not accepted in a datastore answer")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(f"not well-formed: {exc}") from None
    if root.tag.lower() != "datastore":
        raise MalformedXml(f"root element is <{root.tag}>, expected <datastore>")
    store = Datastore()
    for node in root.iter("record"):
        store.records.append(node.text or "")
    for tag, attr in (("totalrecord", "total_record"), ("totalpage", "total_page")):
        node = root.find(tag)
        number = (node.text or "").strip() if node is not None else ""
        if number.isdigit():
            setattr(store, attr, int(number))
    node = root.find("nextgroup")
    if node is not None and node.text:
        m = patterns.HREF_ATTR.search(node.text)
        store.next_group = m.group(1) if m else None
    return store


def records_links(records: list[str], base_url: str) -> list[L.ReportLink]:
    """Report links of datastore records (title attribute preferred; /module/ hrefs dropped)."""
    return L.links_from_html("".join(records), base_url)


@dataclass(frozen=True)
class JpageConfig:
    total_record: int
    per_page: int
    params: dict[str, str]
    proxy_url: str


def parse_jpage(html: str) -> JpageConfig | None:
    """The jpage call of a column page: totalRecord, perPage, AJAX params and proxy URL."""
    total = patterns.HANWEB_TOTAL_RECORD.search(html)
    per = patterns.HANWEB_PER_PAGE.search(html)
    param = patterns.HANWEB_PARAM.search(html)
    if not (total and per and param):
        return None
    params = {f["key"]: f["q"] if f["q"] is not None else f["dq"] if f["dq"] is not None else f["bare"]
              for f in patterns.HANWEB_PARAM_FIELD.finditer(param["body"])}
    proxy = patterns.HANWEB_PROXY_URL.search(html)
    return JpageConfig(int(total.group(1)), max(int(per.group(1)), 1), params,
                       proxy["url"] if proxy else patterns.HANWEB_DEFAULT_PROXY)


def inline_datastore(html: str) -> Datastore | None:
    """Page 1's inline ``<datastore>`` (None when the page has none or it is malformed)."""
    m = patterns.HANWEB_DATASTORE.search(html)
    if not m:
        return None
    try:
        return parse_datastore(m.group(0))
    except MalformedXml:
        return None


def parse_listing(html: str, base_url: str) -> list[L.ReportLink]:
    """Report links of a column page (inline datastore) or a dataproxy XML answer."""
    text = html.lstrip()
    if text.startswith("<?xml") or text.startswith("<datastore"):
        return records_links(parse_datastore(text).records, base_url)
    store = inline_datastore(html)
    if store is not None:
        return records_links(store.records, base_url)
    return L.links_from_html(html, base_url)


def group_request(config: JpageConfig, column_url: str, start: int) -> FormRequest:
    """POST request for the record group starting at ``start`` (portals.md §2.B request shape 1):
    perPage×3 records, range in the query string, column params as a form body."""
    end = start + config.per_page * GROUP_PAGES - 1
    proxy = urljoin(column_url, config.proxy_url)
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": config.per_page})
    return FormRequest(f"{proxy}?{query}", formdata=config.params,
                       headers={"X-Requested-With": "XMLHttpRequest", "Referer": column_url})


def record_range(url: str) -> tuple[int, int] | None:
    """(startrecord, endrecord) of a dataproxy POST URL."""
    start = patterns.HANWEB_START_RECORD.search(url)
    end = patterns.HANWEB_END_RECORD.search(url)
    return (int(start.group(1)), int(end.group(1))) if start and end else None


def next_group_start(config: JpageConfig, answer: Datastore, end: int) -> int | None:
    """Start record of the group after the one ending at ``end``, or None when paging is done:
    an empty group, or ``end`` at/after the total (the smaller of announced and answered totals,
    so a jpage call that lies about its count does not page past the real rows)."""
    if not answer.records:
        return None
    totals = [t for t in (config.total_record, answer.total_record) if t is not None]
    if totals and end >= min(totals):
        return None
    return end + 1


def next_page_get(url: str, answer: Datastore) -> str | None:
    """The GET ``dataproxy.jsp?page=N`` request after ``url`` (portals.md §2.B shape 2), from the
    answer's ``<nextgroup>`` href. The column page's own nextgroup may name page 1 again (the
    inline rows): the page asked for is then at least one more than the page just read. None when
    the answer has no rows or ``totalpage`` is reached."""
    if not answer.next_group:
        return None
    if answer.total_page is not None and not answer.records:
        return None
    current = patterns.HANWEB_PAGE_PARAM.search(url)
    current_page = int(current.group(2)) if current else 1  # the column page is page 1
    if answer.total_page is not None and current_page >= answer.total_page:
        return None
    href = urljoin(url, answer.next_group)
    named = patterns.HANWEB_PAGE_PARAM.search(href)
    if named and int(named.group(2)) <= current_page:
        href = patterns.HANWEB_PAGE_PARAM.sub(lambda m: f"{m.group(1)}{current_page + 1}", href, count=1)
    return href


class HanwebSpider(PortalSpider):
    name = "hanweb"
    family = families.HANWEB

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jpage: dict[str, tuple[JpageConfig, str]] = {}

    def listing_links(self, text: str, url: str, response: Response) -> list[L.ReportLink]:
        try:
            return parse_listing(text, url)
        except MalformedXml as exc:
            self._inc("harvest/hanweb/malformed_xml")
            self.logger.warning("malformed dataproxy answer from %s: %s", url, exc)
            return []

    def next_listing_requests(self, text: str, url: str, page: int, response: Response,
                              seed: Seed) -> list[Request]:
        if page == 1:
            config = parse_jpage(text)
            store = inline_datastore(text)
            if config is None:
                self._inc("harvest/hanweb/no_jpage_call")
                return self._next_group_get(text, url, store)
            self.jpage[seed.id] = (config, url)
            rows = len(store.records) if store else 0
            if config.total_record <= rows:
                return []
            return [group_request(config, url, 1)]
        request = response.request
        if request is not None and request.method == "GET":
            return self._next_group_get(text, url)
        rng = record_range(url)
        if rng is None or seed.id not in self.jpage:
            return []
        config, column_url = self.jpage[seed.id]
        try:
            answer = parse_datastore(text)
        except MalformedXml:
            # skip the bad group, try the next one (bounded by the announced total and the page cap)
            answer = Datastore(records=["?"], total_record=None)
        start = next_group_start(config, answer, rng[1])
        return [group_request(config, column_url, start)] if start else []

    def _next_group_get(self, text: str, url: str, store: Datastore | None = None) -> list[Request]:
        if store is None:
            try:
                stripped = text.lstrip()
                is_xml = stripped.startswith(("<?xml", "<datastore"))
                store = parse_datastore(text) if is_xml else inline_datastore(text)
            except MalformedXml:
                store = None
        if store is None or not store.next_group:
            return []
        nxt = next_page_get(url, store)
        return [Request(nxt)] if nxt else []
