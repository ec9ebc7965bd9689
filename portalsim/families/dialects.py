"""Unseen CMS dialects (issue 10 item 3): listing shapes real portals use that no crawler family
module names. Their seeds are published as platform ``auto``; the generic spider must find every
report on them (portals.md §2.A/§2.E/§2.D/§3.3, the real listing page l001).

- ``scriptvar``: pager drawn by a script from ``var totalPage = 3; var pagePre = "zfxxgklby_nb"``
  (page 1 ``zfxxgklby_nb.html``, page k ``zfxxgklby_nb_k.html``); no anchors in the HTML.
- ``pagecount``: ``var pageCount = 4; var pageIndex = 0; var pageName = "index"; var pageExt =
  "shtml"`` with the 共N页 text written by ``document.write`` (0-based: page 2 is ``index_1``).
- ``downward``: static pages numbered downward (Vsb style): ``list.htm``, ``list/9.htm`` …
  ``list/1.htm``, numbered anchors only; detail pages carry the report only as an attachment.
- ``pagen``: ``index.html``, ``page_2.html`` …, numbered anchors and 尾页, no 下一页.
- ``iframe``: the column page is a shell whose list sits in an ``<iframe>`` paged by ``?page=N``.
- ``jsonlist``: the column page is a shell whose list is loaded from a JSON endpoint named in a
  script (``data/nblist.json?page=N``).

Fault ``pager-opaque`` (on ``scriptvar``): the pager only posts a form (``javascript:goPage(n)``)
while the page says 共N页 — no crawler can reach page 2, the seed must not look plain OK.
"""

from __future__ import annotations

import html
import re

from portalsim import chrome
from portalsim.families.base import Family, Request, Response, encode_html, json_response, page_count
from portalsim.families.plain import listing_page, listing_rows
from portalsim.model import Document, Farm, Portal

COLUMN = "政府信息公开年报"


class Dialect(Family):
    """A paged listing: subclasses name page paths and draw the pager."""

    base = "/nb"
    container_open = '<div class="article-content">'

    def page_path(self, portal: Portal, page: int) -> str:
        raise NotImplementedError

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        raise NotImplementedError

    def column_path(self, portal: Portal) -> str:
        return self.page_path(portal, 1)

    def pages(self, portal: Portal) -> int:
        return page_count(len(portal.documents), portal.page_size)

    def chunk(self, portal: Portal, page: int) -> list[Document]:
        return portal.documents[(page - 1) * portal.page_size: page * portal.page_size]

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return self.requested_page(portal, req) is not None

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        raise NotImplementedError

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        page = self.requested_page(portal, req)
        pages = self.pages(portal)
        if page is None or page < 1 or page > pages:
            return None
        if self.fault_kind(portal) == "pager-opaque" and page > 1:
            return None
        rows = listing_rows(chrome.prefix(portal), self.chunk(portal, page), lambda d: self.detail_path(portal, d))
        return encode_html(portal, listing_page(portal, COLUMN, rows, self.pager(portal, page, pages)))

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.page_path(portal, n) for n in range(1, self.pages(portal) + 1)]

    def unreachable(self, portal: Portal) -> set[int]:
        if self.fault_kind(portal) == "pager-opaque":
            return {d.doc_id for d in portal.documents[portal.page_size:]}
        return set()

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{self.base}/content_{doc.doc_id}.html"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"{self.base}/files/P0{doc.doc_id}{k}.{ext}"


class ScriptVar(Dialect):
    name = "scriptvar"
    base = "/zwgk/zfxxgklby"
    pre = "zfxxgklby_nb"
    PAGE = re.compile(r"^/zwgk/zfxxgklby/zfxxgklby_nb(?:_(?P<n>\d+))?\.html$")

    def page_path(self, portal: Portal, page: int) -> str:
        return f"{self.base}/{self.pre}.html" if page == 1 else f"{self.base}/{self.pre}_{page}.html"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        m = self.PAGE.match(req.path)
        if not m:
            return None
        return int(m["n"]) if m["n"] and m["n"] != "1" else (1 if not m["n"] else None)

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        if self.fault_kind(portal) == "pager-opaque":
            return (f'<div class="page">共{pages}页 当前第{page}页 '
                    + " ".join(f'<a href="javascript:goPage({n})">{n}</a>' for n in range(1, pages + 1))
                    + '<form id="pf" method="post" action="/servlet/PageServlet"><input type="hidden" name="p"></form>'
                    "<script>function goPage(n){document.getElementById('pf').p.value=n;"
                    "document.getElementById('pf').submit();}</script></div>\n")
        return ('<div class="page" id="pageDiv"></div>\n<script type="text/javascript">\n'
                f'var totalPage = {pages}; var currentPage = {page}; var pagePre = "{self.pre}";\n'
                "function drawPager(){var s='';for(var i=1;i<=totalPage;i++){var h=(i==1?pagePre:pagePre+'_'+i)+'.html';"
                "s+=(i==currentPage?'<span>'+i+'</span>':'<a href=\"'+h+'\">'+i+'</a>');}"
                "document.getElementById('pageDiv').innerHTML=s;}\ndrawPager();\n</script>\n")


class PageCount(Dialect):
    name = "pagecount"
    base = "/xxgk/ndbg"
    PAGE = re.compile(r"^/xxgk/ndbg/index(?:_(?P<n>\d+))?\.shtml$")

    def page_path(self, portal: Portal, page: int) -> str:
        return f"{self.base}/index.shtml" if page == 1 else f"{self.base}/index_{page - 1}.shtml"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        m = self.PAGE.match(req.path)
        return None if not m else (int(m["n"]) + 1 if m["n"] else 1)

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{self.base}/art_{doc.doc_id}.shtml"

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        return ('<div class="fy"><script language="javascript">\n'
                f'var pageCount = {pages}; var pageIndex = {page - 1}; var pageName = "index"; var pageExt = "shtml";\n'
                "document.write('共'+pageCount+'页 ');\n"
                "for(var i=0;i<pageCount;i++){var u=(i==0?pageName:pageName+'_'+i)+'.'+pageExt;"
                "document.write(i==pageIndex?'<b>'+(i+1)+'</b> ':'<a href=\"'+u+'\">'+(i+1)+'</a> ');}\n"
                "</script></div>\n")


class Downward(Dialect):
    """Vsb-style static pages numbered downward; reports only as attachments of their pages."""

    name = "downward"
    base = "/xxgk/nb"
    PAGE = re.compile(r"^/xxgk/nb/list(?:/(?P<n>\d+))?\.htm$")

    def page_path(self, portal: Portal, page: int) -> str:
        pages = self.pages(portal)
        return f"{self.base}/list.htm" if page == 1 else f"{self.base}/list/{pages - page + 1}.htm"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        m = self.PAGE.match(req.path)
        if not m:
            return None
        if not m["n"]:
            return 1
        page = self.pages(portal) - int(m["n"]) + 1
        return page if page >= 2 else None

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"/info/{portal.column_id}/{doc.doc_id}.htm"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid={doc.doc_id}{k}.{ext}"

    def route_key(self, req: Request) -> str:
        if req.path == "/system/_content/download.jsp":
            return f"{req.path}?urltype={req.arg('urltype')}&wbfileid={req.arg('wbfileid')}"
        return req.path

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        p = chrome.prefix(portal)
        links = [f'<span class="p_no{"_d" if n == page else ""}"><a href="{p}{self.page_path(portal, n)}">{n}</a></span>'
                 for n in range(1, pages + 1)]
        return (f'<div class="pb_sys_common"><span class="p_t">共{len(portal.documents)}条</span> '
                f'<span class="p_pages">{page}/{pages}</span> {" ".join(links)}</div>\n')

    def render_detail(self, farm: Farm, portal: Portal, doc: Document, content: str | None = None,
                      extra_head: str = "", meta_table: str | None = None) -> Response:
        files = self.files(portal, doc)
        if not files:
            return super().render_detail(farm, portal, doc, content, extra_head, meta_table)
        p = chrome.prefix(portal)
        links = "\n".join(f'<li><a href="{html.escape(p + f.path)}">{html.escape(f.filename)}</a></li>' for f in files)
        page = (chrome.head(portal, "附件下载", "信息公开") + chrome.header(portal) + chrome.breadcrumb(portal, COLUMN)
                + f'<div class="main"><div class="v_news_content"><p>附件【{html.escape(files[0].filename)}】已下载次</p>\n'
                + f"<ul class=\"attach\">{links}</ul></div></div>\n" + chrome.footer(portal))
        return encode_html(portal, page)


class PageN(Dialect):
    name = "pagen"
    base = "/gk/nb"
    PAGE = re.compile(r"^/gk/nb/(?:index|page_(?P<n>\d+))\.html$")

    def page_path(self, portal: Portal, page: int) -> str:
        return f"{self.base}/index.html" if page == 1 else f"{self.base}/page_{page}.html"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        m = self.PAGE.match(req.path)
        if not m:
            return None
        return int(m["n"]) if m["n"] and m["n"] != "1" else (1 if not m["n"] else None)

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{self.base}/detail_{doc.doc_id}.html"

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        p = chrome.prefix(portal)
        cur = ' class="cur"'
        links = [f'<a href="{p}{self.page_path(portal, n)}"{cur if n == page else ""}>{n}</a>'
                 for n in range(1, pages + 1)]
        return (f'<div class="pagination"><a href="{p}{self.page_path(portal, 1)}">首页</a> {" ".join(links)} '
                f'<a href="{p}{self.page_path(portal, pages)}">尾页</a></div>\n')


class Iframe(Dialect):
    name = "iframe"
    base = "/zwgk/nb"

    def column_path(self, portal: Portal) -> str:
        return f"{self.base}/index.html"

    def page_path(self, portal: Portal, page: int) -> str:
        return f"{self.base}/nblist.html?page={page}"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        if req.path != f"{self.base}/nblist.html":
            return None
        value = req.arg("page", "1")
        return int(value) if value.isdigit() else None

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path == self.column_path(portal) or self.requested_page(portal, req) is not None

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{self.base}/show/{doc.doc_id}.html"

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        if req.path == self.column_path(portal):
            frame = (f'<div class="list-box"><h2>{COLUMN}</h2>\n<iframe id="listFrame" name="listFrame" '
                     f'src="nblist.html?page=1" width="100%" height="800" frameborder="0" scrolling="no"></iframe></div>\n')
            page = (chrome.head(portal, COLUMN, COLUMN) + chrome.header(portal) + chrome.breadcrumb(portal, COLUMN)
                    + f'<div class="main">{frame}</div>\n' + chrome.footer(portal))
            return encode_html(portal, page)
        return super().listing(farm, portal, req)

    def pager(self, portal: Portal, page: int, pages: int) -> str:
        links = " ".join(f'<a href="nblist.html?page={n}" target="_self">{n}</a>' for n in range(1, pages + 1))
        return f'<div class="page">共{pages}页 {links}</div>\n'

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.column_path(portal), *super().listing_urls(portal)]


class JsonList(Dialect):
    name = "jsonlist"
    base = "/zfxxgk/nbzl"

    def column_path(self, portal: Portal) -> str:
        return f"{self.base}/index.html"

    def page_path(self, portal: Portal, page: int) -> str:
        return f"{self.base}/data/nblist.json?page={page}"

    def requested_page(self, portal: Portal, req: Request) -> int | None:
        if req.path != f"{self.base}/data/nblist.json":
            return None
        value = req.arg("page", "1")
        return int(value) if value.isdigit() else None

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path == self.column_path(portal) or self.requested_page(portal, req) is not None

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"{self.base}/detail/{doc.doc_id}.html"

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        if req.path == self.column_path(portal):
            script = ('<script type="text/javascript">\nvar listApi = "data/nblist.json";\n'
                      "function load(p){$.getJSON(listApi+'?page='+p,function(r){var h='';"
                      "$.each(r.list,function(i,d){h+='<li><a href=\"'+d.url+'\" title=\"'+d.title+'\">'+d.title+'</a><span>'+d.pubDate+'</span></li>';});"
                      "$('#nbList').html(h);});}\n$(function(){load(1);});\n</script>\n")
            page = (chrome.head(portal, COLUMN, COLUMN) + chrome.header(portal) + chrome.breadcrumb(portal, COLUMN)
                    + f'<div class="main"><div class="list-box"><h2>{COLUMN}</h2><ul id="nbList"></ul>'
                    + '<div id="pager"></div></div></div>\n' + script + chrome.footer(portal))
            return encode_html(portal, page)
        page = self.requested_page(portal, req)
        if page is None:
            return None
        pages = self.pages(portal)
        if page < 1 or page > pages:
            return json_response({"code": 404, "msg": "no such page", "list": []}, status=200)
        p = chrome.prefix(portal)
        rows = [{"title": d.title, "url": p + self.detail_path(portal, d), "pubDate": d.pub_date[:10]}
                for d in self.chunk(portal, page)]
        return json_response({"code": 0, "totalPage": pages, "currentPage": page,
                              "totalCount": len(portal.documents), "list": rows})

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.column_path(portal), *super().listing_urls(portal)]


DIALECTS: dict[str, Family] = {d.name: d for d in (ScriptVar(), PageCount(), Downward(), PageN(), Iframe(), JsonList())}
