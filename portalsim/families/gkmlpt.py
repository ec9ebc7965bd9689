"""Guangdong 政府信息公开目录管理平台 "gkmlpt" (portals.md §2.C).

- ``/gkmlpt/index`` and ``/gkmlpt/annualreport`` (seed URL ``…/annualreport#<catId>``): a Vue shell
  with ``window._CONFIG = {SID: '…', TREE: […]}``.
- ``GET /gkmlpt/api/all/{catId}?page=n&sid=SID`` → JSON, ``page_size`` (100) articles per page;
  page 0 answers the same as page 1. A wrong ``sid`` or category answers 404 JSON.
- Variant ``escaped-titles``: titles in the API come back ``%uXXXX``-escaped.
- Variant ``single-page``: "single-page full mode" — page ≥ 2 answers 404.
- Detail ``/gkmlpt/content/{a}/{b}/post_{id}.html``: body in ``_CONFIG.DETAIL.content`` (``\\u003C``
  escaped) and an HTML copy, plus the 8-field metadata table; attachments
  ``/attachment/0/{b}/{id}_{k}.{ext}`` also listed in the API's ``attachment[]``.
"""

from __future__ import annotations

import html
import json

from portalsim import chrome, patterns
from portalsim.families.base import (Family, Request, Response, content_html, encode_html,
                                        json_response, page_count)
from portalsim.model import Document, Farm, Portal


def percent_u(text: str) -> str:
    return "".join(ch if ord(ch) < 128 else f"%u{ord(ch):04X}" for ch in text)


class Gkmlpt(Family):
    name = "gkmlpt"
    container_open = '<div class="article-content" id="content">'

    def sid(self, portal: Portal) -> str:
        return str(portal.unit_id)

    def column_path(self, portal: Portal) -> str:
        return "/gkmlpt/annualreport"

    def column_fragment(self, portal: Portal) -> str:
        return f"#{portal.column_id}"

    def column_dir(self, portal: Portal) -> str:
        return "/gkmlpt/"

    def api_path(self, portal: Portal) -> str:
        return f"/gkmlpt/api/all/{portal.column_id}"

    def detail_path(self, portal: Portal, doc: Document) -> str:
        return f"/gkmlpt/content/{doc.doc_id // 1000000}/{doc.doc_id // 1000}/post_{doc.doc_id}.html"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"/attachment/0/{doc.doc_id // 1000}/{doc.doc_id}_{k}.{ext}"

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path in ("/gkmlpt/index", "/gkmlpt/annualreport") or req.path.startswith("/gkmlpt/api/")

    def config(self, portal: Portal) -> dict:
        reports = sum(1 for _ in portal.documents)
        return {"SID": self.sid(portal), "SERVICE_AREA_ID": int(portal.adcode),
                "TREE": [{"id": portal.column_id - 7, "name": "政策文件", "children": [], "jump_url": "",
                          "post_count": 0},
                         {"id": portal.column_id, "name": "政府信息公开年报", "children": [],
                          "jump_url": f"/gkmlpt/annualreport#{portal.column_id}", "post_count": reports}]}

    def shell(self, portal: Portal, title: str) -> Response:
        cfg = json.dumps(self.config(portal), ensure_ascii=False)
        # a real shell quotes SID with single quotes; keep that shape
        cfg = cfg.replace(f'"SID": "{self.sid(portal)}"', f"SID: '{self.sid(portal)}'")
        page = (chrome.head(portal, title, "政府信息公开目录")
                + chrome.header(portal)
                + f'<div id="app"></div>\n<script>window._CONFIG = {cfg};</script>\n'
                + f'<script src="{chrome.prefix(portal)}/gkmlpt/static/js/chunk-common.3f2a.js"></script>\n'
                + chrome.footer(portal))
        return encode_html(portal, page)

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        if req.path == "/gkmlpt/index":
            return self.shell(portal, "政府信息公开目录")
        if req.path == "/gkmlpt/annualreport":
            return self.shell(portal, "政府信息公开年报")
        m = patterns.GKMLPT_API.match(req.path)
        if not m:
            return None
        if int(m.group("cat")) != portal.column_id or req.arg("sid") != self.sid(portal):
            return json_response({"error": "not found", "code": 404}, status=404)
        page_text = req.arg("page", "1")
        page = int(page_text) if page_text.isdigit() else 1
        page = max(page, 1)
        if page >= 2 and portal.variant == "single-page":
            return json_response({"error": "not found", "code": 404}, status=404)
        docs = portal.documents
        chunk = docs[(page - 1) * portal.page_size: page * portal.page_size]
        base = f"{portal.scheme}://{req.headers.get('Host', '127.0.0.1')}{chrome.prefix(portal)}"
        articles = [self.article(portal, d, base) for d in chunk]
        return json_response({"classify": {"id": portal.column_id, "name": "政府信息公开年报",
                                           "post_count": len(docs)},
                              "total": len(docs), "page": page,
                              "articles": articles})

    def article(self, portal: Portal, doc: Document, base: str) -> dict:
        title = percent_u(doc.title) if portal.variant == "escaped-titles" else doc.title
        url = base + self.detail_path(portal, doc)
        return {
            "id": doc.doc_id, "title": title, "url": url, "post_url": url,
            "created_at": doc.pub_date + ":00", "date": 0, "display_publish_time": 0,
            "identifier": chrome.index_number(portal, doc), "document_number": "",
            "publisher": portal.agency, "keywords": "", "abstract": "",
            "classify_main_name": "政府信息公开年报", "classify_genre_name": "报告",
            "classify_theme_name": "综合政务",
            "attachment": [{"id": doc.doc_id * 10 + k, "name": a.filename, "type": a.fmt, "mime": "",
                            "size": "", "url": base + a.path} for k, a in enumerate(self.files(portal, doc))],
            "is_expired": 0, "is_abolished": 0, "relation": "[]",
        }

    def meta_table(self, portal: Portal, doc: Document) -> str:
        date = doc.pub_date[:10]
        rows = [("索引号", chrome.index_number(portal, doc)), ("分类", "综合政务"), ("发布机构", portal.agency),
                ("成文日期", date), ("名称", doc.title), ("文号", ""), ("发布日期", date), ("主题词", "")]
        cells = "".join(f"<tr><th>{k}：</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f'<div class="introduce"><table class="classify">{cells}</table></div>\n'

    def render_detail(self, farm: Farm, portal: Portal, doc: Document, content: str | None = None,
                      extra_head: str = "", meta_table: str | None = None) -> Response:
        files = self.files(portal, doc)
        content = content_html(farm, portal, doc, files)
        detail = {"id": doc.doc_id, "title": doc.title, "content": content,
                  "publisher": portal.agency, "date": doc.pub_date}
        script = ("<script>window._CONFIG = {SID: '" + self.sid(portal) + "', DETAIL: "
                  + chrome.js_string_obj(detail) + "};</script>\n")
        return super().render_detail(farm, portal, doc, content=content, extra_head=script,
                                     meta_table=self.meta_table(portal, doc))

    def listing_urls(self, portal: Portal) -> list[str]:
        pages = page_count(len(portal.documents), portal.page_size)
        return [self.column_path(portal)] + [
            f"{self.api_path(portal)}?page={n}&sid={self.sid(portal)}" for n in range(1, pages + 1)]
