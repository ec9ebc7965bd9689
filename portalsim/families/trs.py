"""TRS WCM static publishing (portals.md §2.A).

Variants:
- ``classic``: ``createPageHTML(N, i, "index", "html")``, i 0-based; page k is ``index_{k-1}.html``.
- ``classic-vars``: the older inline ``var currentPage/countPage`` + ``document.write`` pager.
- ``ucap6``: ``createPageHTML('page_div', N, k, 'index', 'html', total)``, k 1-based;
  page k is ``index_{k}.html`` and ``index_1.html`` is a 404.
- ``pager``: ``Pager({size:N, current:C, prefix:'index', suffix:'htm'})``, C 0-based, ``.htm`` pages.
Rows link relatively (``./YYYYMM/tYYYYMMDD_ID.html``); attachments are ``./P0…`` files in the
article's directory; some articles span several pages (``t…_1.html``).
"""

from __future__ import annotations

import html

from portalsim import bodies, chrome, patterns
from portalsim.families.base import (Family, Request, Response, content_html, encode_html,
                                        page_count)
from portalsim.families.plain import listing_page, truncate
from portalsim.model import Document, Farm, Portal

BASE = "/zwgk/zfxxgknb"


def ymd(doc: Document) -> str:
    return doc.pub_date[:10].replace("-", "")


class Trs(Family):
    name = "trs"
    container_open = '<div class="TRS_Editor"><div class="Custom_UnionStyle">'
    container_close = "</div></div>"

    def ext(self, portal: Portal) -> str:
        return "htm" if portal.variant == "pager" else "html"

    def column_path(self, portal: Portal) -> str:
        return f"{BASE}/index.{self.ext(portal)}"

    def page_path(self, portal: Portal, page: int) -> str:
        ext = self.ext(portal)
        if page == 1:
            return f"{BASE}/index.{ext}"
        suffix = page if portal.variant == "ucap6" else page - 1
        return f"{BASE}/index_{suffix}.{ext}"

    def detail_path(self, portal: Portal, doc: Document, page: int = 0) -> str:
        tail = f"_{page}" if page else ""
        return f"{BASE}/{ymd(doc)[:6]}/t{ymd(doc)}_{doc.doc_id}{tail}.html"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"{BASE}/{ymd(doc)[:6]}/P0{ymd(doc)}{doc.doc_id:07d}{k}.{ext}"

    def href(self, portal: Portal, doc: Document, path: str) -> str:
        if path.startswith(f"{BASE}/{ymd(doc)[:6]}/"):
            return "./" + path.rsplit("/", 1)[1]
        return chrome.prefix(portal) + path

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        m = patterns.TRS_LISTING.match(req.path)
        if not m or m.group("ext") != self.ext(portal):
            return None
        if m.group("n") is None:
            return 1
        n = int(m.group("n"))
        if portal.variant == "ucap6":
            return n if n >= 2 else None
        return n + 1

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return self.requested_page(portal, req) is not None

    def pager(self, portal: Portal, pages: int, page: int, total: int) -> str:
        if portal.variant == "ucap6":
            return (f'<div id="page_div"></div><script>createPageHTML(\'page_div\',{pages},{page},'
                    f"'index','html',{total});</script>")
        if portal.variant == "pager":
            return (f"<div class=\"pager\"><script>Pager({{size:{pages}, current:{page - 1}, "
                    f"prefix:'index',suffix:'htm'}});</script></div>")
        if portal.variant == "classic-vars":
            return ("<div class=\"page\"><script>\n"
                    f"var currentPage = {page - 1}; //所在页从0开始\n"
                    "var prevPage = currentPage-1//上一页\n"
                    "var nextPage = currentPage+1//下一页\n"
                    f"var countPage = {pages} //共多少页\n"
                    "if(countPage>1&&currentPage!=0&&currentPage!=1)document.write(\"<a href=\\\"index_\" + prevPage + \".html\\\">[上一页]</a>\");\n"
                    "if(countPage>1&&currentPage==1)document.write(\"<a href=\\\"index.html\\\">[上一页]</a>\");\n"
                    "if(countPage>1&&nextPage<countPage)document.write(\"<a href=\\\"index_\" + nextPage + \".html\\\">[下一页]</a>\");\n"
                    "</script></div>")
        return f'<div class="page"><script>createPageHTML({pages}, {page - 1}, "index", "html");</script></div>'

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        page = self.requested_page(portal, req)
        if page is None:
            return None
        docs = portal.documents
        pages = page_count(len(docs), portal.page_size)
        if page > pages:
            return None
        chunk = docs[(page - 1) * portal.page_size: page * portal.page_size]
        announced = pages + 2 if self.fault_kind(portal) == "pager-lies" else pages
        rows = "\n".join(
            f'<li><a href="./{ymd(d)[:6]}/t{ymd(d)}_{d.doc_id}.html" title="{html.escape(d.title)}" '
            f'target="_blank">{html.escape(truncate(d.title))}</a><span>{d.pub_date[:10]}</span></li>'
            for d in chunk)
        # the page is served from the column dir, so "./YYYYMM/…" resolves under it
        return encode_html(portal, listing_page(portal, "政府信息公开年报", rows,
                                                self.pager(portal, announced, page, len(docs))))

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.page_path(portal, n) for n in range(1, page_count(len(portal.documents), portal.page_size) + 1)]

    def detail_pages(self, farm: Farm, portal: Portal, doc: Document):
        if doc.article_pages <= 1:
            return super().detail_pages(farm, portal, doc)
        return {self.detail_path(portal, doc, k): (lambda k=k: self.render_part(farm, portal, doc, k))
                for k in range(doc.article_pages)}

    def render_part(self, farm: Farm, portal: Portal, doc: Document, part: int) -> Response:
        """One page of a multi-page article: a slice of the body plus the article pager script."""
        files = self.files(portal, doc)
        full = content_html(farm, portal, doc, files, lambda path: self.href(portal, doc, path))
        chunk = bodies.split_pages(full, doc.article_pages)[part]
        name = f"t{ymd(doc)}_{doc.doc_id}"
        chunk += (f'\n<div id="pagination"><script>createPageHTML({doc.article_pages}, {part}, '
                  f'"{name}", "html");</script></div>')
        return self.render_detail(farm, portal, doc, content=chunk)



