"""The pictures of a report published as images in an HTML page (图片版): which ``<img>`` of the
page's content container are pages of the report, in page order (one pure function shared by the
crawl, which fetches and archives them, and by ``scrapy reparse``, which reads them back from the
archive in the same order).

Bounded on purpose: only ``<img>`` inside the content container, no ``data:`` URLs, nothing
whose name says logo/QR code/icon/button (:data:`pipelines.patterns.PICTURE_NOT_PAGE`), nothing
declared smaller than :data:`MIN_SIDE_PX` on a side, at most :data:`MAX_PICTURES` pictures.
The reader checks the pictures' real sizes again (a QR code or an icon is never OCR'd).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from pipelines import patterns as P

#: a page of a report has more pictures than this only in a runaway page: the rest is not fetched
MAX_PICTURES = 60
#: an <img> declared (width/height attribute) smaller than this on a side is an icon, not a page
MIN_SIDE_PX = 200
#: one picture larger than this is not fetched (the crawl's per-picture download limit)
MAX_PICTURE_BYTES = 20 * 1024 * 1024

_SIZE = re.compile(r"^\s*(\d+)(?:px)?\s*$")
#: where lazy-loading scripts keep the real picture while ``src`` shows a placeholder (jQuery
#: lazyload's data-original, lazysizes' data-src); the first present wins over ``src``
LAZY_SRC_ATTRIBUTES = ("data-original", "data-src")


def _declared(value: str | None) -> int | None:
    found = _SIZE.match(value or "")
    return int(found.group(1)) if found else None


def picture_urls(container_html: str, base_url: str) -> list[str]:
    """Absolute URLs of the report pictures among the ``<img>`` of a content container, in
    document order, de-duplicated, at most :data:`MAX_PICTURES`."""
    from parsel import Selector

    root = Selector(text=container_html or "<html></html>")
    out: list[str] = []
    for img in root.css("img"):
        lazy = [img.attrib[a].strip() for a in LAZY_SRC_ATTRIBUTES if (img.attrib.get(a) or "").strip()]
        src = lazy[0] if lazy else (img.attrib.get("src") or "").strip()
        if not src or src.startswith(("data:", "javascript:")):
            continue
        url = urljoin(base_url, src)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        name = " ".join((urlsplit(url).path.rsplit("/", 1)[-1], img.attrib.get("alt", ""),
                         img.attrib.get("class", ""), img.attrib.get("id", "")))
        if P.PICTURE_NOT_PAGE.search(name):
            continue
        sides = [_declared(img.attrib.get(a)) for a in ("width", "height")]
        if any(s is not None and s < MIN_SIDE_PX for s in sides):
            continue
        if url not in out:
            out.append(url)
        if len(out) >= MAX_PICTURES:
            break
    return out
