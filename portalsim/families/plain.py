"""Plain pagers (portals.md §2.E): ``list.html?page=N``, ``/N.html``, ``index_N.shtml``; 下一页 links."""

from __future__ import annotations

import html

from portalsim import chrome, patterns
from portalsim.families.base import Family, Request, Response, encode_html, page_count
from portalsim.model import Document, Farm, Portal

BASE = "/zfxxgk/zfxxgknb"


def _variant(portal: Portal) -> str:
    return portal.variant if portal.variant in ("query", "numbered", "index_n") else "query"


def truncate(title: str, limit: int = 22) -> str:
    return title if len(title) <= limit else title[:limit] + "…"


def listing_rows(prefix: str, docs: list[Document], url_for) -> str:
    rows = []
    for doc in docs:
        rows.append(f'<li><a href="{prefix}{url_for(doc)}" title="{html.escape(doc.title)}" target="_blank">'
                    f"{html.escape(truncate(doc.title))}</a><span>{doc.pub_date[:10]}</span></li>")
    return "\n".join(rows)


def listing_page(portal: Portal, column: str, rows_html: str, pager_html: str, extra_head: str = "") -> str:
    return (chrome.head(portal, column, column, extra_head=extra_head) + chrome.header(portal)
            + chrome.breadcrumb(portal, column)
            + f'<div class="main"><div class="left-nav"><ul><li><a href="{chrome.prefix(portal)}/zfxxgk/zfxxgkzn/">'
            "政府信息公开指南</a></li><li><a href=\"#\">政府信息公开制度</a></li><li><a href=\"#\">法定主动公开内容</a></li>"
            f'<li class="on"><a href="#" title="政府信息公开年报">政府信息公开年报</a></li></ul></div>\n'
            f'<div class="list-box"><h2>{column}</h2>\n<ul class="list">\n{rows_html}\n</ul>\n{pager_html}</div></div>\n'
            + chrome.footer(portal))


class Plain(Family):
    name = "plain"
    container_open = '<div class="zw-content" id="zoom">'

    def column_path(self, portal: Portal) -> str:
        return {"query": f"{BASE}/list.html", "numbered": f"{BASE}/1.html",
                "index_n": f"{BASE}/index.shtml"}[_variant(portal)]

    def page_path(self, portal: Portal, page: int) -> str:
        if _variant(portal) == "query":
            return f"{BASE}/list.html" if page == 1 else f"{BASE}/list.html?page={page}"
        if _variant(portal) == "numbered":
            return f"{BASE}/{page}.html"
        return f"{BASE}/index.shtml" if page == 1 else f"{BASE}/index_{page}.shtml"

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{BASE}/content/post_{doc.doc_id}.html"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"{BASE}/files/{doc.doc_id}_{k}.{ext}"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        if _variant(portal) == "query" and patterns.PLAIN_LISTING_QUERY.match(req.path):
            value = req.arg("page", "1")
            return int(value) if value.isdigit() else None
        if _variant(portal) == "numbered":
            m = patterns.PLAIN_LISTING_NUMBERED.match(req.path)
            return int(m.group("n")) if m else None
        if _variant(portal) == "index_n":
            m = patterns.PLAIN_LISTING_INDEX.match(req.path)
            if m:
                return int(m.group("n")) if m.group("n") else 1
        return None

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return self.requested_page(portal, req) is not None

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        page = self.requested_page(portal, req)
        if page is None:
            return None
        docs = portal.documents
        pages = page_count(len(docs), portal.page_size)
        quirk = self.fault_kind(portal)
        if quirk == "empty-page" and page == pages + 1:
            return Response(200, [("Content-Type", "text/html")], b"")
        if page < 1 or page > pages or (_variant(portal) == "index_n" and page == 1 and req.path.endswith("_1.shtml")):
            return None
        chunk = docs[(page - 1) * portal.page_size: page * portal.page_size]
        p = chrome.prefix(portal)
        announced = pages + 1 if quirk == "empty-page" else pages
        links = [f'<a href="{p}{self.page_path(portal, 1)}">首页</a>']
        if page > 1:
            links.append(f'<a href="{p}{self.page_path(portal, page - 1)}">上一页</a>')
        if page < announced:
            links.append(f'<a href="{p}{self.page_path(portal, page + 1)}">下一页</a>')
        elif quirk == "pager-loop":
            links.append(f'<a href="{p}{self.page_path(portal, 1)}">下一页</a>')
        links.append(f'<a href="{p}{self.page_path(portal, announced)}">尾页</a>')
        pager = f'<div class="pager">共 {announced} 页 当前第 {page} 页 {" ".join(links)}</div>\n'
        rows = listing_rows(p, chunk, lambda d: self.detail_path(portal, d))
        return encode_html(portal, listing_page(portal, "政府信息公开年报", rows, pager))

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.page_path(portal, n) for n in range(1, page_count(len(portal.documents), portal.page_size) + 1)]
