"""What every CMS family shares: request/response values, encoding, detail content, file routes."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import quote

from portalsim import bodies, chrome
from portalsim.model import Document, Farm, Portal, report_key


@dataclass
class Request:
    method: str
    path: str                          # path inside the portal (after /p/<id>)
    query: dict[str, list[str]]
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None   # for large generated bodies
    length: int | None = None               # Content-Length when streaming


@dataclass(frozen=True)
class Attachment:
    path: str           # path inside the portal (what the detail page links to)
    filename: str       # human file name (link text / Content-Disposition)
    fmt: str            # pdf | docx | xlsx | zip
    final_path: str = ""  # where a redirecting download ends (Hanweb downfile.jsp)
    oversized: bool = False
    scan: bool = False    # image-only PDF without a text layer


def encode_html(portal: Portal, text: str) -> Response:
    """Encode an HTML page the way this portal does (portals.md §3.4)."""
    if portal.encoding == "utf-8":
        return Response(200, [("Content-Type", "text/html; charset=UTF-8")], text.encode("utf-8"))
    data = text.encode("gbk", errors="xmlcharrefreplace")
    if portal.encoding == "gbk":
        return Response(200, [("Content-Type", "text/html; charset=GBK")], data)
    if portal.encoding == "mismatch":
        return Response(200, [("Content-Type", "text/html; charset=UTF-8")], data)
    return Response(200, [("Content-Type", "text/html")], data)


def json_response(payload: object, status: int = 200) -> Response:
    import json
    return Response(status, [("Content-Type", "application/json;charset=UTF-8")],
                    json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def body_of(farm: Farm, portal: Portal, doc: Document) -> bodies.ReportBody:
    """The report body of ``doc`` (a cross-posted copy shares its origin's bytes)."""
    agency = portal.agency
    if doc.origin_portal:
        agency = farm.portal(doc.origin_portal).agency
    if not doc.is_report:
        return bodies.ReportBody(title=doc.title, paragraphs=non_report_text(portal, doc),
                                 source="non-report", source_id=doc.kind)
    return bodies.report_body(doc.text_id, agency, doc.year or 2020, doc.title,
                              doc.same_as or report_key(portal, doc), farm_seed=farm.seed,
                              variant=doc.body_variant)


def non_report_text(portal: Portal, doc: Document) -> tuple[str, ...]:
    if doc.kind == "guide":
        return ("为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。",
                "一、主动公开", "（一）公开范围", "（二）公开形式", "二、依申请公开", "三、监督方式",
                f"本指南由{portal.agency}负责解释。")
    if doc.kind == "website-report":
        return ("政府网站工作年度报表", f"填报单位：{portal.agency}", "一、网站基本信息",
                "网站名称", "首页网址", "二、网站发布信息数量", "独立用户访问总量（单位：个）",
                "网站总访问量（单位：次）")
    if doc.kind == "notice":
        return ("各有关单位：", "请按照《中华人民共和国政府信息公开工作年度报告格式》要求，"
                "于规定时间前完成年度报告的编制和发布工作。", "特此通知。", portal.agency)
    if doc.kind == "budget":
        return ("一、部门主要职责", "二、部门机构设置", "三、收支总体情况", "收入预算合计（单位：万元）",
                "支出预算合计（单位：万元）", "四、其他重要事项的情况说明")
    return ("第一条 为规范本单位政府信息公开工作，制定本制度。", "第二条 本制度自发布之日起施行。")


def attachments(portal: Portal, doc: Document, path_for: Callable[[int, str], str]) -> list[Attachment]:
    """Attachments of ``doc``; ``path_for(k, ext)`` gives the family's URL path of the k-th file."""
    result: list[Attachment] = []
    fmt = {"pdf": "pdf", "html+pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "scan-pdf": "pdf"}.get(doc.body_format)
    if fmt and doc.is_report:
        result.append(Attachment(path_for(0, fmt), f"{doc.title}.{fmt}", fmt, scan=doc.body_format == "scan-pdf"))
    if doc.oversized:
        result.append(Attachment(path_for(1, "zip"), f"附件2：{doc.year}年政府信息公开数据汇总（原始资料）.zip",
                                 "zip", oversized=True))
    return result


def picture_body(farm: Farm, portal: Portal, doc: Document) -> bodies.ReportBody:
    """What a 图片版 shows in its pictures: the report of its 文字版 (same year in the column), so
    the pictures read to the text version's cells; the page's own body when there is none."""
    text = next((d for d in portal.documents if d.edition == "文字版" and d.year == doc.year
                 and d.text_id == doc.text_id), None)
    return body_of(farm, portal, text or doc)


def image_paths(farm: Farm, portal: Portal, doc: Document) -> list[str]:
    """The pictures of a 图片版 page: one PNG per page of its report (see :func:`image_response`)."""
    pages = bodies.picture_pages(_picture_key(farm, portal, doc), picture_body(farm, portal, doc))
    return [f"/images/scan_{doc.doc_id}_{k}.png" for k in range(1, pages + 1)]


def _picture_key(farm: Farm, portal: Portal, doc: Document) -> str:
    return f"{farm.seed}:{portal.portal_id}:{doc.doc_id}:{doc.text_id}:{doc.year}"


def content_html(farm: Farm, portal: Portal, doc: Document, files: list[Attachment],
                 href: Callable[[str], str] | None = None) -> str:
    """The content-container HTML of a detail page (without the container element itself);
    ``href`` turns a portal path into the link written in the page (default: absolute path)."""
    p = chrome.prefix(portal)
    href = href or (lambda path: p + path)
    parts: list[str] = []
    if doc.body_format == "image":
        for k, path in enumerate(image_paths(farm, portal, doc), 1):
            parts.append(f'<p style="text-align:center;"><img src="{html.escape(href(path))}" OLDSRC="W0{doc.doc_id}{k}.png" '
                         f'alt="" width="600"></p>')
    elif doc.body_format in ("html", "html+pdf") or not doc.is_report:
        parts.append(bodies.body_html(body_of(farm, portal, doc)))
    else:
        parts.append(f"<p>{html.escape(doc.title)}全文详见附件。</p>")
    if files:
        parts.append("<p>相关附件：</p>")
        for k, att in enumerate(files, 1):
            parts.append(f'<p><a href="{html.escape(href(att.path))}" title="{html.escape(att.filename)}">'
                         f"附件{k}：{html.escape(att.filename)}</a></p>")
    if doc.is_report:
        parts.append(f'<p style="text-align:right;">{html.escape(portal.agency)}</p>')
        parts.append(f'<p style="text-align:right;">{doc.pub_date[:4]}年{int(doc.pub_date[5:7])}月'
                     f"{int(doc.pub_date[8:10])}日</p>")
    return "\n".join(parts)


def file_response(farm: Farm, portal: Portal, doc: Document, att: Attachment,
                  disposition: bool = False) -> Response:
    headers = [("Content-Type", bodies.CONTENT_TYPES[att.fmt] if att.fmt != "zip" else "application/octet-stream")]
    if disposition:
        headers.append(("Content-Disposition",
                        f"attachment; filename*=UTF-8''{quote(att.filename)}"))
    if att.oversized:
        size = farm.options.oversized_bytes
        return Response(200, headers, stream=bodies.oversized_stream(size), length=size)
    if att.scan:
        return Response(200, headers, bodies.scan_pdf(doc.doc_id))
    data = bodies.render_attachment(body_of(farm, portal, doc), att.fmt)
    return Response(200, headers, data)


def image_response(farm: Farm, portal: Portal, doc: Document, k: int) -> Response:
    """Picture ``k`` of a 图片版 page: page ``k`` of its report rendered to PNG (deterministic, cached)."""
    png = bodies.picture_png(_picture_key(farm, portal, doc), picture_body(farm, portal, doc), k)
    return Response(200, [("Content-Type", "image/png")], png)


def hex_name(portal: Portal, doc: Document, k: int) -> str:
    key = doc.same_as or report_key(portal, doc)
    return hashlib.md5(f"{key}:{k}".encode()).hexdigest()


def related_links(portal: Portal, docs: list[Document], current: Document,
                  url_for: Callable[[Document], str]) -> list[tuple[str, str]]:
    others = [d for d in docs if d.doc_id != current.doc_id][:3]
    return [(f"《{d.title}》", chrome.prefix(portal) + url_for(d)) for d in others]


class Family:
    """One CMS family: URL layout, listing answers and detail pages."""

    name = "base"
    container_open = '<div class="article-content">'
    container_close = "</div>"

    def column_path(self, portal: Portal) -> str:
        raise NotImplementedError

    def detail_path(self, portal: Portal, doc: Document) -> str:
        raise NotImplementedError

    def file_path(self, portal: Portal, doc: Document, k: int, ext: str) -> str:
        raise NotImplementedError

    def files(self, portal: Portal, doc: Document) -> list[Attachment]:
        return attachments(portal, doc, lambda k, ext: self.file_path(portal, doc, k, ext))

    def listing(self, farm: Farm, portal: Portal, req: Request) -> Response | None:
        """Answer a listing/API request, or None when ``req`` is not one."""
        raise NotImplementedError

    def detail_pages(self, farm: Farm, portal: Portal, doc: Document) -> dict[str, Callable[[], Response]]:
        """Paths of the detail page(s) of ``doc`` → page renderers."""
        return {self.detail_path(portal, doc): lambda: self.render_detail(farm, portal, doc)}

    def href(self, portal: Portal, doc: Document, path: str) -> str:
        """The link to ``path`` as written inside ``doc``'s detail page."""
        return chrome.prefix(portal) + path

    def render_detail(self, farm: Farm, portal: Portal, doc: Document, content: str | None = None,
                      extra_head: str = "", meta_table: str | None = None) -> Response:
        files = self.files(portal, doc)
        column = "政府信息公开年报"
        if content is None:
            content = content_html(farm, portal, doc, files, lambda path: self.href(portal, doc, path))
        related = related_links(portal, portal.documents, doc, lambda d: self.detail_path(portal, d))
        if meta_table is None:
            meta_table = chrome.xxgk_table(portal, doc, chrome.index_number(portal, doc))
        page = (chrome.head(portal, doc.title, column, chrome.detail_meta(portal, doc), extra_head)
                + chrome.header(portal) + chrome.breadcrumb(portal, column)
                + '<div class="main">\n' + meta_table
                + f'<h1 class="title">{html.escape(doc.title)}</h1>\n' + chrome.byline(portal, doc)
                + self.container_open + "\n" + content + "\n"
                + self.container_close + "\n" + chrome.tail(portal, related) + "</div>\n"
                + chrome.footer(portal))
        return encode_html(portal, page)

    def routes(self, farm: Farm, portal: Portal) -> dict[str, Callable[[], Response]]:
        """Every static path of the portal (detail pages, files, images) → renderer."""
        table: dict[str, Callable[[], Response]] = {}
        for doc in portal.documents:
            table.update(self.detail_pages(farm, portal, doc))
            for att in self.files(portal, doc):
                table.update(self.file_routes(farm, portal, doc, att))
            if doc.body_format == "image":
                for k, path in enumerate(image_paths(farm, portal, doc), 1):
                    table[path] = (lambda d=doc, k=k: image_response(farm, portal, d, k))
        return table

    def file_routes(self, farm: Farm, portal: Portal, doc: Document,
                    att: Attachment) -> dict[str, Callable[[], Response]]:
        return {att.path: lambda: file_response(farm, portal, doc, att)}

    def listing_urls(self, portal: Portal) -> list[str]:
        """Paths of every listing page a browser would visit (for the manifest)."""
        return [self.column_path(portal)]

    def unreachable(self, portal: Portal) -> set[int]:
        """Doc ids no listing answer exposes (bad-input faults), so no crawler can find them."""
        return set()

    def fault_kind(self, portal: Portal) -> str:
        return portal.fault.kind if portal.fault else ""

    def image_urls(self, farm: Farm, portal: Portal, doc: Document) -> list[str]:
        return image_paths(farm, portal, doc) if doc.body_format == "image" else []

    def column_fragment(self, portal: Portal) -> str:
        """URL fragment of the seed's column URL (gkmlpt: ``#<catId>``)."""
        return ""

    def column_dir(self, portal: Portal) -> str:
        path = self.column_path(portal)
        return path[: path.rindex("/") + 1]

    def is_listing(self, portal: Portal, req: Request) -> bool:
        return req.path == self.column_path(portal)

    def route_key(self, req: Request) -> str:
        return req.path

    def homepage(self, farm: Farm, portal: Portal) -> Response:
        p = chrome.prefix(portal)
        column = self.column_path(portal) + self.column_fragment(portal)
        page = (chrome.head(portal, "首页", "首页") + chrome.header(portal)
                + '<div class="main"><div class="news"><h2>要闻动态</h2><ul>'
                + f'<li><a href="{p}/zwyw/">{html.escape(portal.agency)}召开年度工作会议</a></li></ul></div>\n'
                + f'<div class="zwgk"><h2>政务公开</h2><ul><li><a href="{p}/zfxxgk/zfxxgkzn/">政府信息公开指南</a></li>'
                + f'<li><a href="{p}{column}" title="政府信息公开年报">政府信息公开年报</a></li></ul></div></div>\n'
                + chrome.footer(portal))
        return encode_html(portal, page)


def page_count(n_items: int, size: int) -> int:
    return max(1, -(-n_items // size))
