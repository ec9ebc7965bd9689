"""clean_page(): detail page bytes -> CleanedPage. Pure, never raises, bounded time.

Strategy: decode (encoding.py) -> parse with lxml -> read metadata from the whole page -> drop
script/style/... -> choose the content container (family selectors scored with report-marker
evidence; else the lowest element holding the most section headings; else trafilatura on the
whole page; else the page body) -> remove chrome blocks and the 信息公开 header table inside it ->
render lines (tables as rows) -> trim chrome lines and the tail -> normalise and hash.

FLAGS (CleanedPage.flags):
  too_large         input longer than patterns.MAX_INPUT_BYTES; only the head was parsed
  charset_mismatch  a declared charset (header or meta) was rejected because the bytes disagree
  decode_lossy      no codec decoded cleanly; replacement characters are in the text
  no_container      no family selector and no report headings: trafilatura or the body was used
  script_only       the page has no visible text, only <script>
  empty             the page has no visible text at all (or could not be parsed)
  all_chrome        the content is nothing but chrome; kept as it is (never emptied)
  no_report_markers none of the six section headings is in the content
  image_only        the content is (almost) only <img>: a 图片版/scan that needs OCR (portals.md §5.10)
  parse_error       lxml could not parse the page
  internal_error    an unexpected exception was caught (named in warnings)
"""

import copy
import hashlib
import json
from typing import TypedDict, cast

import lxml.html
from lxml import etree

from pipelines.cleaning import metadata as M
from pipelines.cleaning import patterns as P
from pipelines.cleaning.encoding import decode_body
from pipelines.cleaning.text import normalize_for_hash, render_lines, to_html, trim_html, trim_lines
from pipelines.cleaning.types import CleanedPage

# huge_tree: without it libxml2 silently drops everything below depth 256 (nested layout tables);
# the input size cap (patterns.MAX_INPUT_BYTES) bounds the work instead.
_PARSER = lxml.html.HTMLParser(huge_tree=True)


def _classes(el) -> frozenset[str]:
    cls = el.get("class")
    return frozenset(cls.split()) if cls else frozenset()


def _is_chrome(el) -> bool:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in P.CHROME_TAGS or el.get("id") in P.CHROME_IDS:
        return True
    cls = _classes(el)
    return bool(cls & P.CHROME_CLASSES or cls & P.INDEX_TABLE_CLASSES)


def _attachment_blocks(doc) -> list:
    return [el for el in doc.xpath("//*[@class or @id]")
            if el.get("id") in P.ATTACHMENT_BLOCK_IDS or _classes(el) & P.ATTACHMENT_BLOCK_CLASSES]


def digest_of(normalized_text: str) -> str:
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()


def _score(el, weight: int) -> tuple[int, str]:
    text = el.text_content()
    if len(text.strip()) < P.MIN_CONTAINER_CHARS and el.find(".//table") is None and el.find(".//img") is None:
        return -10_000, text
    score = weight
    if any(p in text for p in P.REPORT_TITLE_PHRASES):
        score += P.SCORE_TITLE_PHRASE
    score += P.SCORE_PER_SECTION * len({m.group(1) for m in P.SECTION_HEADING_ANY.finditer(text)})
    score += P.SCORE_PER_TABLE * min(len(el.xpath(".//table")), P.SCORE_TABLE_CAP)
    score += P.SCORE_PER_CHROME * sum(1 for m in P.TAIL_MARKERS if m in text)
    return score, text


def _by_selectors(doc):
    best = None  # (score, depth, name, element)
    for el in doc.xpath("//*[@class or @id] | //ucapcontent"):
        tag, el_id, cls = el.tag.lower(), el.get("id"), _classes(el)
        for name, r_tag, r_id, r_cls, weight in P.CONTAINER_RULES:
            if (r_tag and tag != r_tag) or (r_id and el_id != r_id) or (r_cls and not r_cls <= cls):
                continue
            if not (r_tag or r_id or r_cls):
                continue
            score, _ = _score(el, weight)
            if score > -10_000:
                depth = sum(1 for _ in el.iterancestors())
                if best is None or (score, depth) > best[:2]:
                    best = (score, depth, name, el)
            break
    return (best[2], best[3]) if best else (None, None)


def _by_markers(doc):
    """Lowest element containing the most distinct section headings."""
    counts: dict = {}
    depth_of: dict = {}
    used = 0
    for node in doc.xpath("//body//text()[contains(., '、') or contains(., '．') or contains(., '.')]"):
        m = P.SECTION_HEADING_ANY.search(node)
        if not m:
            continue
        used += 1
        if used > P.MAX_MARKER_NODES:
            break
        el = node.getparent()
        chain = [el, *el.iterancestors()]
        for depth, anc in enumerate(reversed(chain)):
            counts.setdefault(anc, set()).add(m.group(1))
            depth_of[anc] = depth
    if not counts:
        return None
    best = max(counts, key=lambda e: (len(counts[e]), depth_of[e]))
    while best.getparent() is not None and best.tag in P.INLINE_OR_PARAGRAPH_TAGS:
        best = best.getparent()  # a heading's own <p>/<span> is not the report container
    return best


def _trafilatura_html(text: str):
    try:
        import trafilatura

        out = trafilatura.extract(text, output_format="html", include_tables=True, favor_recall=True)
    except Exception:
        return None
    if not out:
        return None
    try:
        return lxml.html.fromstring(out)
    except (etree.ParserError, ValueError):
        return None


def _gkmlpt_detail(doc):
    """The report body gkmlpt writes into window._CONFIG.DETAIL.content, parsed, or None."""
    for script in doc.iter("script"):
        code = script.text or ""
        if "_CONFIG" not in code or "DETAIL" not in code:
            continue
        m = P.GKMLPT_DETAIL_CONTENT.search(code)
        if not m:
            continue
        try:
            fragment = json.loads(m.group(1))
            if fragment.strip():
                return lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (ValueError, etree.ParserError):
            return None
    return None


def _remove_keep_tail(el) -> None:
    """Remove el from its parent; text that followed it (its tail) stays in the parent."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _prune(el) -> None:
    """Drop chrome blocks and the 信息公开 header table inside el (never el itself)."""
    for bad in [d for d in el.iterdescendants() if isinstance(d.tag, str) and _is_chrome(d)]:
        if bad.getparent() is not None:
            _remove_keep_tail(bad)


class _PageMeta(TypedDict):
    """The metadata fields of CleanedPage, read before the content container is chosen."""

    title: str | None
    published: str | None
    published_source: str
    index_no: str | None
    publisher: str | None
    site_id_code: str | None


def _empty_result(encoding: str, flags: set[str], warnings: list[str], **meta) -> CleanedPage:
    return CleanedPage(
        encoding=encoding, content_html="", content_text="", normalized_text="", digest=digest_of(""),
        title=meta.get("title"), published=meta.get("published"),
        published_source=meta.get("published_source", "none"), index_no=meta.get("index_no"),
        publisher=meta.get("publisher"), site_id_code=meta.get("site_id_code"),
        attachments=meta.get("attachments", ()), container="none",
        flags=frozenset(flags), warnings=tuple(warnings),
    )


def clean_page(body: bytes, *, url: str | None = None, headers: dict[str, str] | None = None,
               listing_date: str | None = None) -> CleanedPage:
    """Clean one detail page. Never raises; see the module docstring for the flags.

    listing_date: the date printed next to the link on the listing page, used for `published`
    only when the page itself carries none (published_source "listing").
    """
    try:
        return _clean(body, url=url, headers=headers, listing_date=listing_date)
    except Exception as exc:  # the promise is "never raises": report, keep going
        return _empty_result("unknown", {"internal_error", "empty"},
                             [f"clean_page({url or 'page'}): unexpected {type(exc).__name__}: {exc}"])


def _clean(body, *, url, headers, listing_date) -> CleanedPage:
    flags: set[str] = set()
    warnings: list[str] = []
    where = url or "page"
    if not isinstance(body, (bytes, bytearray)):
        body = str(body).encode("utf-8") if body is not None else b""
        warnings.append(f"{where}: body was not bytes")
    if len(body) > P.MAX_INPUT_BYTES:
        flags.add("too_large")
        warnings.append(f"{where}: {len(body)} bytes, only the first {P.MAX_INPUT_BYTES} were parsed")
        body = bytes(body[: P.MAX_INPUT_BYTES])
    dec = decode_body(bytes(body), headers)
    warnings.extend(f"{where}: {w}" for w in dec.warnings)
    if dec.mismatch:
        flags.add("charset_mismatch")
    if dec.lossy:
        flags.add("decode_lossy")
    text = P.XML_DECLARATION.sub("", dec.text, count=1).replace("\x00", "")
    if not text.strip():
        flags.add("empty")
        warnings.append(f"{where}: empty body")
        return _empty_result(dec.encoding, flags, warnings)
    try:
        doc = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        flags.update({"parse_error", "empty"})
        warnings.append(f"{where}: lxml could not parse the page: {exc}")
        return _empty_result(dec.encoding, flags, warnings)

    # --- metadata from the whole page ---
    metas = M.meta_values(doc)
    title = M.page_title(doc, metas)
    site_id_code = next((metas[n] for n in P.META_SITEID_NAMES if metas.get(n)), None)
    n_scripts = sum(1 for _ in doc.iter("script"))
    gkmlpt_detail = _gkmlpt_detail(doc) if n_scripts else None
    for el in list(doc.iter(*P.DROP_TAGS)):
        _remove_keep_tail(el)
    for el in list(doc.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove_keep_tail(el)
    idx = M.index_table(doc)
    published, source = None, "none"
    for candidate, src in ((next((metas[n] for n in P.META_PUBDATE_NAMES if metas.get(n)), None), "meta"),
                           (idx.get("published"), "index_table")):
        value = M.iso_date(candidate)
        if value:
            published, source = value, src
            break
    if published is None:
        value = M.byline_date(doc)
        if value:
            published, source = value, "byline"
        elif M.iso_date(listing_date):
            published, source = M.iso_date(listing_date), "listing"
    publisher = idx.get("publisher") or next((metas[n] for n in P.META_PUBLISHER_NAMES if metas.get(n)), None)
    meta = _PageMeta(title=title, published=published, published_source=source, index_no=idx.get("index_no"),
                     publisher=publisher, site_id_code=site_id_code)

    # lxml-stubs type find() as returning _Element; on an lxml.html document it is an HtmlElement
    body_el = cast("lxml.html.HtmlElement | None", doc.find("body"))
    visible = body_el.text_content().strip() if body_el is not None else ""
    if not visible and gkmlpt_detail is None and body_el is not None and body_el.find(".//img") is not None:
        flags.update({"image_only", "no_report_markers"})
        warnings.append(f"{where}: no text, only images (needs OCR)")
        return _empty_result(dec.encoding, flags, warnings, **meta)
    if not visible and gkmlpt_detail is None:
        flags.add("script_only" if n_scripts else "empty")
        warnings.append(f"{where}: no visible text" + (f" ({n_scripts} <script> only)" if n_scripts else ""))
        return _empty_result(dec.encoding, flags, warnings, **meta)

    # --- container ---
    name, container = _by_selectors(doc)
    if container is None and gkmlpt_detail is not None:
        name, container = "gkmlpt:_CONFIG.DETAIL.content", gkmlpt_detail
        if body_el is not None:  # a page can be all <head>: the fragment then stays detached
            body_el.append(container)  # so attachments and pruning see it like any container
    if container is None:
        container = _by_markers(doc)
        name = "markers" if container is not None else None
    attach_roots = []
    if container is None:
        flags.add("no_container")
        if len(text) <= P.TRAFILATURA_MAX_CHARS:
            container = _trafilatura_html(text)
            name = "trafilatura" if container is not None else None
        if container is None:
            container, name = body_el, "body"
            _prune(container)
        warnings.append(f"{where}: no content container recognised; used {name}")
        attach_roots = [body_el]
    else:
        attach_roots = [container] + [b for b in _attachment_blocks(doc) if b is not container]
        container = copy.deepcopy(container)
        container.tail = None
        _prune(container)
    attachments = M.attachments(attach_roots, url)

    lines = render_lines(container)
    trim = trim_lines(lines)
    kept = trim.kept
    if trim.all_chrome:
        flags.add("all_chrome")
        warnings.append(f"{where}: the content is nothing but page chrome; kept unchanged")
    else:
        trim_html(container, trim)
    content_text = "\n".join(kept)
    if not content_text:
        flags.add("empty")
    normalized = normalize_for_hash(kept)
    n_images = sum(1 for _ in container.iter("img"))
    if n_images and len(normalized) < P.IMAGE_ONLY_MAX_CHARS:
        flags.add("image_only")
        warnings.append(f"{where}: {n_images} image(s) and {len(normalized)} characters of text (needs OCR)")
    if not P.SECTION_HEADING_ANY.search(content_text):
        flags.add("no_report_markers")
    return CleanedPage(
        encoding=dec.encoding, content_html=to_html(container), content_text=content_text,
        normalized_text=normalized, digest=digest_of(normalized), attachments=attachments,
        container=name, flags=frozenset(flags), warnings=tuple(warnings), **meta,
    )
