"""Pure functions over listing and detail pages: decoding, report links, pagers, attachments.

Functions take decoded text plus the page URL (``html, base_url``), so they are tested on saved
fixtures without Scrapy; the ``*_response`` wrappers at the end keep the older Response-based API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from parsel import Selector

from crawler.spiders import patterns
from pipelines.decoding import decode
from pipelines.pictures import picture_urls

if TYPE_CHECKING:
    from scrapy.http import Response


@dataclass(frozen=True)
class ReportLink:
    url: str
    title: str
    year: int | None


@dataclass(frozen=True)
class Attachment:
    url: str
    name: str


# --- decoding ---------------------------------------------------------------------------------

def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode a page with the project's one body decoder (:mod:`pipelines.decoding`), so the spiders
    read a page exactly as the cleaner stores it (header and meta may disagree, portals.md §3.4)."""
    return decode(body, content_type).text


# --- titles -----------------------------------------------------------------------------------

def normalise_title(title: str) -> str:
    return patterns.WHITESPACE.sub("", title.replace("\u3000", " ")).strip()


def is_report_title(title: str) -> bool:
    title = normalise_title(title)
    return (bool(patterns.REPORT_TITLE.search(title)) and not patterns.NON_REPORT_TITLE.search(title)
            and not patterns.COLUMN_LABEL.match(title))


def guess_year(title: str) -> int | None:
    """The report year named in the title (never the publication date)."""
    match = patterns.YEAR_IN_TITLE.search(title)
    return int(match.group(1)) if match else None


def _text(node: Selector) -> str:
    return normalise_title("".join(node.css("::text").getall()))


def _usable_href(href: str) -> bool:
    return bool(href) and not href.startswith(("javascript:", "#", "mailto:"))


def anchor_title(a: Selector) -> str:
    """A listing anchor's title: the ``title`` attribute (full title) before the truncated text."""
    return normalise_title(a.attrib.get("title", "")) or _text(a)


def links_from_html(html: str, base_url: str, *, reports_only: bool = True,
                    scope: str | None = None) -> list[ReportLink]:
    """Links on an HTML page (or fragment) in page order, each URL once; ``reports_only`` keeps
    report titles; ``scope`` a CSS selector limiting the search (e.g. a list container)."""
    sel = Selector(text=html or "<html></html>")
    roots = sel.css(scope) if scope else [sel]
    seen: set[str] = set()
    out: list[ReportLink] = []
    for root in roots:
        for a in root.css("a"):
            title = anchor_title(a)
            href = (a.attrib.get("href") or "").strip()
            if not _usable_href(href):
                m = patterns.ONCLICK_URL.search(a.attrib.get("onclick", "") + " " + href)
                if not m:
                    continue
                href = m.group("url")
            if reports_only and not is_report_title(title):
                continue
            url = urljoin(base_url, href)
            if url in seen or patterns.HANWEB_MODULE_HREF.search(urlsplit(url).path):
                continue
            seen.add(url)
            out.append(ReportLink(url=url, title=title, year=guess_year(title)))
    return out


# --- detail pages -----------------------------------------------------------------------------

def content_container(html: str) -> Selector | None:
    """The report's content container (portals.md §3.1), or None when no known one is present."""
    sel = Selector(text=html or "<html></html>")
    for css in patterns.CONTENT_CONTAINERS:
        found = sel.css(css)
        if found:
            return found[0]
    return None


def attachments_from_html(html: str, base_url: str) -> list[Attachment]:
    """Attachments linked from a detail page, scoped to its content container (page footers also
    link files); the name is the link's title attribute or text, else the URL's file name."""
    root = content_container(html)
    if root is None:
        root = Selector(text=html or "<html></html>")
    out: list[Attachment] = []
    seen: set[str] = set()
    for a in root.css("a[href]"):
        href = a.attrib["href"].strip()
        if not _usable_href(href) or not patterns.ATTACHMENT_HREF.search(href):
            continue
        url = urljoin(base_url, href)
        if url in seen:
            continue
        seen.add(url)
        name = normalise_title(a.attrib.get("title", "")) or _text(a)
        name = patterns.ATTACHMENT_NAME_PREFIX.sub("", name) or filename_from_url(url)
        out.append(Attachment(url=url, name=name))
    return out


def scan_images(html: str, base_url: str, max_text: int = 200) -> list[str]:
    """Pictures of an image-only report page (图片版: little text in the container, the report as
    ``<img>``), in page order; logos, QR codes, icons and a runaway count are left out
    (:func:`pipelines.pictures.picture_urls`, which ``scrapy reparse`` uses to read them back)."""
    root = content_container(html)
    if root is None:
        return []
    text = normalise_title("".join(root.css("::text").getall()))
    if len(text) > max_text:
        return []
    return picture_urls(root.get(), base_url)


def is_report_page(html: str) -> bool:
    """A detail page really is a report: a report title in <title>/<h1>/ArticleTitle, or at
    least two of the national template's section markers in the text."""
    sel = Selector(text=html or "<html></html>")
    titles = sel.css("title::text, h1 ::text").getall() + sel.css('meta[name="ArticleTitle"]::attr(content)').getall()
    if any(is_report_title(t) for t in titles):
        return True
    text = "".join(sel.css("body ::text").getall())
    return sum(1 for m in patterns.REPORT_SECTION_MARKERS if m in text) >= 2


def filename_from_url(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def filename_from_disposition(value: str | None) -> str | None:
    """The file name of a Content-Disposition header (RFC 5987 or plain; GBK-encoded bytes tolerated)."""
    if not value:
        return None
    match = patterns.CONTENT_DISPOSITION_FILENAME.search(value)
    if not match:
        return None
    if match.group("star"):
        return unquote(match.group("star").strip())
    return unquote(match.group("plain").strip())


def is_document_response(content_type: str | None, url: str) -> bool:
    """Whether a response is a file attachment rather than an HTML page."""
    ctype = (content_type or "").lower()
    if any(ctype.startswith(t) for t in patterns.DOCUMENT_CONTENT_TYPES) or ctype.startswith("image/"):
        return True
    return urlsplit(url).path.lower().endswith(patterns.ATTACHMENT_EXTENSIONS)


def same_site(host_a: str, host_b: str) -> bool:
    """Sibling hosts of one site: equal, or sharing the registrable part (``*.x.gov.cn``)."""
    a, b = (h.lower().split(":")[0] for h in (host_a, host_b))
    if a == b:
        return True
    pa, pb = a.split("."), b.split(".")
    if len(pa) < 3 or len(pb) < 3 or a.replace(".", "").isdigit():
        return False
    keep = 3 if pa[-2] in ("gov", "com", "org", "edu", "net") else 2
    return pa[-keep:] == pb[-keep:]


# --- generic pagers ---------------------------------------------------------------------------

def next_page_link(html: str, base_url: str) -> str | None:
    """The listing's next page from a 下一页-style link, if any."""
    sel = Selector(text=html or "<html></html>")
    for a in sel.css("a[href]"):
        if _text(a).strip("[]【】") in patterns.NEXT_PAGE_TEXT:
            href = a.attrib["href"].strip()
            if _usable_href(href):
                return urljoin(base_url, href)
    return None


# --- Response wrappers (older API) --------------------------------------------------------------

def response_text(response: Response) -> str:
    ctype = response.headers.get("Content-Type")
    return decode_body(response.body, ctype.decode("latin-1") if ctype else None)


def report_links(response: Response) -> list[ReportLink]:
    return links_from_html(response_text(response), response.url)


def next_page_url(response: Response) -> str | None:
    return next_page_link(response_text(response), response.url)


def attachment_links(response: Response) -> list[tuple[str, str]]:
    return [(a.url, a.name) for a in attachments_from_html(response_text(response), response.url)]
