"""JSON search API, Wuxi "intertid" style (portals.md §2.D).

- Shell ``/info_open/index.html``: an empty list container and ``list.js``, which posts to
- ``POST /info_open/search`` (form ``siteId``, ``channelIds``, ``pageSize``, ``pageIndex``, …) →
  ``{"status": 0, "data": {"totalElements", "totalPages", "page", "data": [{title, writeTime, url…}]}}``;
  a wrong site/channel or a GET answers an error payload with ``status != 0``.
- Detail ``/doc/YYYY/MM/DD/<id>.shtml`` with ``div#Zoom`` and ``table.xxgk_table_wza``;
  attachments under ``/uploadfiles/YYYY/``.
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from portalsim import chrome
from portalsim.families.base import Family, Request, Response, encode_html, json_response, page_count
from portalsim.model import Document, Farm, Portal

SEARCH = "/info_open/search"


class JsonApi(Family):
    name = "jsonapi"
    container_open = '<div id="Zoom">'

    def column_path(self, portal: Portal) -> str:
        return "/info_open/index.html"

    def detail_path(self, portal: Portal, doc: Document) -> str:
        y, m, d = doc.pub_date[:10].split("-")
        return f"/doc/{y}/{m}/{d}/{doc.doc_id}.shtml"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"/uploadfiles/{doc.pub_date[:4]}/{doc.doc_id}_{k}.{ext}"

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path in (self.column_path(portal), SEARCH, "/info_open/list.js")

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        p = chrome.prefix(portal)
        if req.path == self.column_path(portal):
            page = (chrome.head(portal, "政府信息公开年报", "政府信息公开年报") + chrome.header(portal)
                    + chrome.breadcrumb(portal, "政府信息公开年报")
                    + '<div class="main"><div class="xxgk-list"><ul id="infoList"></ul>'
                    '<div id="pageBar"></div></div></div>\n'
                    f'<script src="{p}/info_open/list.js"></script>\n' + chrome.footer(portal))
            return encode_html(portal, page)
        if req.path == "/info_open/list.js":
            js = ("var listParams = {siteId: '%d', channelIds: '%d', pageSize: %d, searchType: 1, order: 1, "
                  "pageIndex: 1};\nfunction loadList(pageIndex){ listParams.pageIndex = pageIndex;\n"
                  "  $.post('%s%s', listParams, function(res){ if(res.status!==0){return;} render(res.data); });\n}\n"
                  "loadList(1);\n") % (portal.unit_id, portal.column_id, portal.page_size, p, SEARCH)
            return Response(200, [("Content-Type", "application/javascript; charset=UTF-8")], js.encode())
        if req.path != SEARCH:
            return None
        if req.method != "POST":
            return json_response({"status": 405, "msg": "请求方式不支持", "data": None})
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}
        if form.get("siteId") != str(portal.unit_id) or form.get("channelIds") != str(portal.column_id):
            return json_response({"status": 1, "msg": "站点或栏目不存在", "data": None})
        try:
            size = int(form.get("pageSize", portal.page_size))
            index = int(form.get("pageIndex", "1"))
        except ValueError:
            return json_response({"status": 2, "msg": "参数错误", "data": None})
        if size < 1 or size > 100 or index < 1:
            return json_response({"status": 2, "msg": "参数错误", "data": None})
        docs = portal.documents
        if self.fault_kind(portal) == "json-error" and index * size > portal.page_size:
            return json_response({"status": 500, "msg": "系统繁忙，请稍后再试", "data": None})
        chunk = docs[(index - 1) * size: index * size]
        base = f"{portal.scheme}://{req.headers.get('Host', '127.0.0.1')}{p}"
        rows = [{"title": d.title, "writeTime": d.pub_date[:10], "openTime": d.pub_date[:10],
                 "indexId": f"{portal.site_id_code[:9]}/{d.pub_date[:4]}-{d.doc_id % 100000:05d}",
                 "url": base + self.detail_path(portal, d), "effectStatus": "有效", "id": d.doc_id}
                for d in chunk]
        return json_response({"status": 0, "msg": "success",
                              "data": {"totalElements": len(docs), "totalPages": page_count(len(docs), size),
                                       "page": index, "data": rows}})

    def unreachable(self, portal: Portal) -> set[int]:
        if self.fault_kind(portal) == "json-error":
            return {d.doc_id for d in portal.documents[portal.page_size:]}
        return set()

    def meta_table(self, portal: Portal, doc: Document) -> str:
        date = doc.pub_date[:10]
        rows = [("索引号", f"{portal.site_id_code[:9]}/{doc.pub_date[:4]}-{doc.doc_id % 100000:05d}"),
                ("发布机构", portal.agency), ("生成日期", date), ("文号", ""), ("标题", doc.title),
                ("有效性", "有效")]
        cells = "".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f'<table class="xxgk_table_wza">{cells}</table>\n'

    def render_detail(self, farm: Farm, portal: Portal, doc: Document, content: str | None = None,
                      extra_head: str = "", meta_table: str | None = None) -> Response:
        return super().render_detail(farm, portal, doc, content=content, extra_head=extra_head,
                                     meta_table=self.meta_table(portal, doc))
