"""Hanweb (大汉) JCMS "jpage" (portals.md §2.B).

- Column ``/col/col{cid}/index.html``: an empty visible ``<ul>``; page 1 inline as
  ``<script type="text/xml"><datastore>…</datastore></script>``; ``$('#unit').jpage({totalRecord…})``.
- ``/module/web/jpage/dataproxy.jsp``:
  * POST ``?startrecord=a&endrecord=b&perpage=n`` with the column params as a form body: records a..b
    (1-based, inclusive). Variant ``overlap``: every group after the first also repeats the previous
    group's last record first (one look-ahead boundary record).
  * GET ``?page=N&…&columnid=…``: page N of ``perpage`` records.
  Both answer XML with ``<totalrecord>``, ``<totalpage>``, ``<nextgroup>`` CDATA and ``<recordset>``.
- Articles ``/art/Y/M/D/art_{cid}_{id}.html`` with ``#zoom``; attachments
  ``/module/download/downfile.jsp?classid=0&filename=<hex>.pdf&showname=…`` → 302 ``/attach/0/<hex>.pdf``
  (with a ``Content-Disposition`` file name).
"""

from __future__ import annotations

import html
from urllib.parse import parse_qs, quote

from portalsim import chrome
from portalsim.families.base import (Attachment, Family, Request, Response, attachments, encode_html,
                                        file_response, hex_name, page_count)
from portalsim.families.plain import listing_page
from portalsim.model import Document, Farm, Portal

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"
# Entity expansion ("billion laughs"): a safe XML parser must refuse it, never expand it.
BOMB = ("<!DOCTYPE datastore [\n<!ENTITY a \"aaaaaaaaaaaaaaaaaaaa\">\n"
        + "".join(f"<!ENTITY {chr(98 + i)} \"{('&' + chr(97 + i) + ';') * 10}\">\n" for i in range(8))
        + "]>\n<datastore><totalrecord>&i;</totalrecord><recordset><record><![CDATA[&i;]]></record>"
        "</recordset></datastore>")


class Hanweb(Family):
    name = "hanweb"
    container_open = '<div id="zoom" class="article-body">'

    def column_path(self, portal: Portal) -> str:
        return f"/col/col{portal.column_id}/index.html"

    def detail_path(self, portal: Portal, doc: Document) -> str:
        y, m, d = (int(x) for x in doc.pub_date[:10].split("-"))
        return f"/art/{y}/{m}/{d}/art_{portal.column_id}_{doc.doc_id}.html"

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        return f"/attach/0/{hex_name(portal, doc, k)}.{ext}"

    def files(self, portal: Portal, doc: Document) -> list[Attachment]:
        result = []
        for att in attachments(portal, doc, lambda k, ext: self.file_path(portal, doc, k, ext)):
            name = att.path.rsplit("/", 1)[1]
            link = f"{DOWNFILE}?classid=0&filename={name}&showname={quote(att.filename)}"
            result.append(Attachment(link, att.filename, att.fmt, final_path=att.path, oversized=att.oversized,
                                     scan=att.scan))
        return result

    def route_key(self, req: Request) -> str:
        if req.path == DOWNFILE:
            return f"{DOWNFILE}?filename={req.arg('filename')}"
        return req.path

    def file_routes(self, farm: Farm, portal: Portal, doc: Document, att: Attachment):
        name = att.final_path.rsplit("/", 1)[1]
        location = chrome.prefix(portal) + att.final_path
        return {
            f"{DOWNFILE}?filename={name}": lambda: Response(302, [("Location", location)], b""),
            att.final_path: lambda: file_response(farm, portal, doc, att, disposition=True),
        }

    def webname(self, portal: Portal) -> str:
        return portal.agency

    def params(self, portal: Portal) -> str:
        return (f"appid=1&webid={portal.unit_id % 1000}&path=/&columnid={portal.column_id}"
                f"&unitid={portal.unit_id}&webname={quote(self.webname(portal))}&permissiontype=0")

    def record(self, portal: Portal, doc: Document) -> str:
        href = chrome.prefix(portal) + self.detail_path(portal, doc)
        title = html.escape(doc.title, quote=True).replace("'", "&#39;")
        date = doc.pub_date[:10]
        if portal.variant == "plain-groups":
            y, m, d = date.split("-")
            return (f"<li class=\"clearfix\"><a href='{href}' title='{title}' target='_blank'>{title}</a>"
                    f"<span class=\"time\">\n {y}-\n {m}-\n {d}\n</span></li>")
        return f"<li><a href='{href}' title='{title}' target='_blank'>{title}</a><span>{date}</span></li>"

    def datastore(self, portal: Portal, docs: list[Document], next_page: int, with_totals: bool) -> str:
        total = len(portal.documents)
        records = "\n".join(f"<record><![CDATA[{self.record(portal, d)}]]></record>" for d in docs)
        totals = (f"<totalrecord>{total}</totalrecord>\n<totalpage>{page_count(total, portal.page_size)}"
                  f"</totalpage>\n") if with_totals else ""
        nextgroup = (f"<nextgroup><![CDATA[<a href=\"{chrome.prefix(portal)}{DATAPROXY}?page={next_page}&"
                     f"{self.params(portal)}\"></a>]]></nextgroup>")
        return f"<datastore>\n{totals}{nextgroup}\n<recordset>\n{records}\n</recordset>\n</datastore>"

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path in (self.column_path(portal), DATAPROXY)

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        if req.path == self.column_path(portal):
            return self.column_page(portal)
        if req.path == DATAPROXY:
            return self.dataproxy(portal, req)
        return None

    def column_page(self, portal: Portal) -> Response:
        unit = portal.unit_id
        first = portal.documents[: portal.page_size]
        store = self.datastore(portal, first, 1, with_totals=False)
        rows = (f'</ul><div id="{unit}"><script type="text/xml">{store}</script></div>\n'
                f"<script>var param_{unit}={{col:1,appid:1,webid:{unit % 1000},path:'/',"
                f"columnid:{portal.column_id},sourceContentType:1,unitid:'{unit}',"
                f"webname:'{self.webname(portal)}',permissiontype:0}};\n"
                f"$('#{unit}').jpage({{dataStore:'',totalRecord:{len(portal.documents)},perPage:{portal.page_size},"
                f"groupSize:3,openCookies:false,barPosition:'bottom',"
                f"proxyUrl:'{chrome.prefix(portal)}{DATAPROXY}',"
                f"ajaxParam:param_{unit}}});</script><ul style=\"display:none\">")
        page = listing_page(portal, "政府信息公开年报", rows, "",
                            extra_head=f'<script src="{chrome.prefix(portal)}/module/jslib/jpage/jpage.js"></script>\n')
        return encode_html(portal, page)

    def dataproxy(self, portal: Portal, req: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()} if req.body else {}
        args = {k: v[0] for k, v in req.query.items()}
        merged = {**args, **form}
        if merged.get("columnid") != str(portal.column_id):
            return self.xml(portal, "<datastore>\n<totalrecord>0</totalrecord>\n<recordset>\n</recordset>\n</datastore>")
        docs = portal.documents
        size = portal.page_size
        if req.method == "POST" and "startrecord" in args:
            try:
                start = int(args["startrecord"])
                end = int(args.get("endrecord", start + size * 3 - 1))
            except ValueError:
                return Response(400, [("Content-Type", "text/plain")], b"bad record range")
            if start < 1 or end < start:
                return Response(400, [("Content-Type", "text/plain")], b"bad record range")
            lo = start - 1
            if portal.variant == "overlap" and start > 1:
                lo -= 1
            chunk = docs[lo:end]
            next_page = end // size + 1
            last = end
        else:
            page_text = merged.get("page", "1")
            page = int(page_text) if page_text.isdigit() and int(page_text) > 0 else 1
            chunk = docs[(page - 1) * size: page * size]
            next_page = page + 1
            last = page * size
        text = self.datastore(portal, chunk, next_page, with_totals=True)
        if last > size * 3 and self.fault_kind(portal) == "xml-malformed":
            return self.xml(portal, text[: len(text) // 2].replace("]]>", "]>", 1))
        if last > size * 3 and self.fault_kind(portal) == "xml-bomb":
            return self.xml(portal, BOMB)
        return self.xml(portal, text)

    def unreachable(self, portal: Portal) -> set[int]:
        if self.fault_kind(portal) in ("xml-malformed", "xml-bomb"):
            return {d.doc_id for d in portal.documents[portal.page_size * 3:]}
        return set()

    @staticmethod
    def xml(portal: Portal, text: str) -> Response:
        return Response(200, [("Content-Type", "text/xml;charset=UTF-8")],
                        ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8"))

    def listing_urls(self, portal: Portal) -> list[str]:
        return [self.column_path(portal)]



