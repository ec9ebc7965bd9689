"""Page metadata: title, publication date (and its source), 索引号, 发布机构, SiteIDCode, attachments."""

import datetime as dt
from urllib.parse import unquote, urljoin, urlsplit

from pipelines.cleaning import patterns as P
from pipelines.cleaning.text import squash


def iso_date(text: str | None) -> str | None:
    """First valid date in text as YYYY-MM-DD (2026-02-00018-style 索引号 never match)."""
    if not text:
        return None
    for m in P.DATE_ANY.finditer(text):
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def meta_values(doc) -> dict[str, str]:
    """<meta name=… content=…> (and property=…) by lower-cased name; the first occurrence wins."""
    out: dict[str, str] = {}
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        content = m.get("content")
        if name and content is not None and name not in out:
            out[name] = squash(content)
    return out


def page_title(doc, metas: dict[str, str]) -> str | None:
    for name in P.META_TITLE_NAMES:
        if metas.get(name):
            return metas[name]
    title_el = doc.find(".//title")
    if title_el is not None and title_el.text_content().strip():
        first = [s for s in P.TITLE_SEPARATORS.split(squash(title_el.text_content())) if s]
        if first:
            return first[0]
    for h in doc.iter("h1", "h2"):
        text = squash(h.text_content())
        if text:
            return text
    return None


def _value_after_label(el, label_rest: str) -> str | None:
    if label_rest.strip():
        return squash(label_rest)
    cell = el
    while cell is not None and cell.tag not in ("td", "th", "dt", "li") and cell.getnext() is None:
        cell = cell.getparent()
    if cell is None:
        return None
    nxt = cell.getnext()
    if nxt is None:
        return None
    value = squash(nxt.text_content())
    return value or None


def index_table(doc) -> dict[str, str]:
    """Values of the 信息公开 header table (索引号, 发布机构, 发布日期 …) wherever they are printed:
    ``<td>索引号：</td><td>value</td>`` or ``<span>索引号：value</span>``."""
    found: dict[str, str] = {}
    cond = " or ".join(f"contains(., '{label}')" for label in P.INDEX_LABELS)
    for node in doc.xpath(f"//body//text()[{cond}]"):
        el = node.getparent()
        if el is None or not isinstance(el.tag, str) or el.tag in ("script", "style", "a"):
            continue
        own = squash(el.text_content())
        if len(own) > 120:
            continue
        m = P.INDEX_LABEL_TEXT.match(own)
        if not m:
            continue
        field = P.INDEX_LABELS[m.group(1)]
        if field in found:
            continue
        value = _value_after_label(el, m.group(2))
        if not value or len(value) > 100:
            continue
        if field == "published":
            value = iso_date(value)
            if value is None:
                continue
        elif field == "index_no" and not P.INDEX_NO_SHAPE.search(value):
            continue
        found[field] = value
    return found


def byline_date(doc) -> str | None:
    for node in doc.xpath("//body//text()[contains(., '时间') or contains(., '日期')]"):
        el = node.getparent()
        if el is None or not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        text = squash(el.text_content())[:200]
        for m in P.BYLINE_DATE.finditer(text):
            if text[max(0, m.start() - 2): m.start()] in P.NOT_PUBDATE_PREFIXES:
                continue
            value = iso_date(m.group(0))
            if value:
                return value
    return None


def attachments(elements, base_url: str | None) -> tuple[tuple[str, str], ...]:
    """(absolute url, file name) of attachment links inside the given elements, in order."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for root in elements:
        for a in root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")) or not P.ATTACHMENT_HREF.search(href):
                continue
            url = urljoin(base_url, href) if base_url else href
            if url in seen:
                continue
            seen.add(url)
            name = squash(a.text_content()) or squash(a.get("title") or "")
            if not name:
                m = P.SHOWNAME_PARAM.search(href)
                name = unquote(m.group(1)) if m else unquote(urlsplit(url).path.rsplit("/", 1)[-1])
            out.append((url, name))
    return tuple(out)
