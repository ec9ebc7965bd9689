"""Page chrome of simulated portals: head/meta block, header, nav, footer, detail-page widgets.

Strings follow portals.md §3.5 (QR boxes, share bars, font-size widgets, print/close links,
related links, footers with 版权所有/ICP备/网站标识码). Which variant a portal shows is chosen
deterministically from the portal id, so pages are stable across requests except for the chrome
that real portals change on every request: the visit counter, the header clock, the order of the
related-links list, the share bar's counter and the analytics script's nonce. None of it is report
content: two fetches of one page must clean to the same text and digest (issue 5).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import secrets
import time

from portalsim.data.boilerplate import (FONT_WIDGETS, PRINT_WIDGETS, QR_TEXTS, RELATED_TITLES,
                                           SHARE_TEXTS)
from portalsim.model import Document, Portal

_visit_counter = itertools.count(1000)
_fetch_counter = itertools.count(1)


def pick(portal: Portal, options: tuple, salt: str = ""):
    digest = hashlib.sha256(f"{portal.portal_id}:{salt}".encode()).digest()
    return options[digest[0] % len(options)]


def site_name(portal: Portal) -> str:
    return portal.agency


def domain(portal: Portal) -> str:
    return f"{portal.portal_id.split('_', 1)[1].replace('_', '')}.example.gov.cn"


def charset_meta(portal: Portal) -> str:
    if portal.encoding == "utf-8":
        return '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
    if portal.encoding in ("gbk", "mismatch"):
        return '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
    return ""  # gbk-undeclared


def head(portal: Portal, title: str, column: str, extra_meta: dict[str, str] | None = None,
         extra_head: str = "") -> str:
    metas = {
        "SiteName": site_name(portal),
        "SiteDomain": domain(portal),
        "SiteIDCode": portal.site_id_code,
        "ColumnName": column,
        "ColumnType": "政府信息公开年报",
    }
    metas.update(extra_meta or {})
    meta_html = "\n".join(f'<meta name="{k}" content="{html.escape(v)}">' for k, v in metas.items())
    return (f"<!DOCTYPE html>\n<html>\n<head>\n{charset_meta(portal)}\n"
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n{meta_html}\n'
            f"<title>{html.escape(title)}_{html.escape(column)}_{html.escape(site_name(portal))}</title>\n"
            f'<link rel="stylesheet" href="{prefix(portal)}/images/style.css">\n'
            "<style>img#imgConac { height: 55px; } .xxgk_xgxx a{ color:blue;}</style>\n"
            f"{extra_head}</head>\n")


def prefix(portal: Portal) -> str:
    return f"/p/{portal.portal_id}"


def header(portal: Portal) -> str:
    p = prefix(portal)
    return (f'<body>\n<div class="top-bar"><a href="javascript:;">是否打开信息无障碍浏览</a> '
            f'<a href="javascript:;">长者版</a> <a href="javascript:;">繁體版</a> <a href="javascript:;">ENGLISH</a> '
            f'<a href="javascript:;">登录</a> <a href="javascript:;">注册</a> '
            f'<span class="today">今天是{time.strftime("%Y年%m月%d日 %H:%M:%S")}</span></div>\n'
            f'<div class="header"><a href="{p}/"><img src="{p}/images/logo.png" alt="{html.escape(site_name(portal))}"></a>'
            f'<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>\n'
            f'<div class="nav"><ul><li><a href="{p}/">首页</a></li><li><a href="{p}/zwgk/">政务公开</a></li>'
            f'<li><a href="{p}/zfxxgk/">政府信息公开</a></li><li><a href="{p}/hdjl/">互动交流</a></li>'
            f'<li><a href="{p}/bsfw/">一网通办</a></li><li><a href="{p}/ztzl/">专题专栏</a></li></ul></div>\n')


def footer(portal: Portal) -> str:
    p = prefix(portal)
    return (f'<div class="footer"><div class="links">网站导航：<a href="javascript:;" data-href="https://www.gov.cn/" target="_blank">中国政府网</a> '
            f'<a href="{p}/wzdt/">网站地图</a> <a href="{p}/lxwm/">联系我们</a></div>\n'
            f"<p>版权所有：{html.escape(site_name(portal))} 主办单位：{html.escape(site_name(portal))}办公室 "
            f"承办单位：{html.escape(portal.city or portal.province)}大数据中心 技术支持：某某信息技术有限公司</p>\n"
            f"<p>ICP备05012345号-1 公网安备 {portal.adcode}02000123号 网站标识码：{portal.site_id_code} "
            f"邮编：{portal.adcode} 值班电话：0000-12345678 传真：0000-12345679</p>\n"
            f'<p><a href="javascript:;"><img id="imgConac" src="{p}/images/conac.png" alt="政府网站标识"></a> 国家级政府网站</p></div>\n'
            "</body>\n</html>\n")


def breadcrumb(portal: Portal, column: str) -> str:
    p = prefix(portal)
    return (f'<div class="breadcrumb">当前位置：<a href="{p}/">首页</a> &gt; <a href="{p}/zwgk/">政务公开</a> '
            f"&gt; <span>{html.escape(column)}</span></div>\n")


def visits() -> int:
    return next(_visit_counter)


def xxgk_table(portal: Portal, doc: Document, index_no: str) -> str:
    date = doc.pub_date[:10]
    rows = [("索引号", index_no), ("主题分类", "综合政务\\政务公开"), ("发文机关", portal.agency),
            ("成文日期", date), ("标题", doc.title), ("发文字号", ""), ("发布日期", date),
            ("公开属性", "主动公开")]
    cells = "".join(
        f"<tr><td class=\"lab\">{k}</td><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="xxgk_table" border="1" cellspacing="0">{cells}</table>\n'


def index_number(portal: Portal, doc: Document) -> str:
    year = doc.pub_date[:4]
    return f"11{portal.adcode}{portal.site_id_code[-6:]}X/{year}-{doc.doc_id % 100000:05d}"


def byline(portal: Portal, doc: Document) -> str:
    font = pick(portal, FONT_WIDGETS, "font")
    return (f'<div class="byline"><span>发布时间：{doc.pub_date}</span> '
            f'<span class="SourceName">来源：{html.escape(portal.agency)}</span> '
            f'<span>浏览次数：<em id="visits">{visits()}</em> 次</span> <span class="fontsize">{font}</span></div>\n')


def tail(portal: Portal, related: list[tuple[str, str]]) -> str:
    printer, closer = pick(portal, PRINT_WIDGETS, "print")
    qr = pick(portal, QR_TEXTS, "qr")
    share = pick(portal, SHARE_TEXTS, "share")
    rel_title = pick(portal, RELATED_TITLES, "related")
    fetch = next(_fetch_counter)
    if related:   # the CMS lists related documents in another order on every request
        turn = fetch % len(related)
        related = related[turn:] + related[:turn]
    rel = "".join(f'<li><a href="{html.escape(u)}" target="_blank">{html.escape(t)}</a></li>' for t, u in related)
    return (f'<div class="editor"><span><a href="javascript:;">【我要纠错】</a></span><span class="zrbj">责任编辑：王洋</span></div>\n'
            f'<div class="share">{share}<a href="javascript:;">微信</a> <a href="javascript:;">微博</a> '
            f'<a href="javascript:;">QQ空间</a> <span class="share-count">{fetch * 7 % 997}</span></div>\n'
            f'<div class="tools"><a href="javascript:window.print();">{printer}</a> '
            f'<a href="javascript:window.close();">{closer}</a> <a href="#top">【返回顶部】</a></div>\n'
            f'<div id="div_div" class="mhide"><div id="qr_container" class="sweep">{qr}</div></div>\n'
            "<!-- 用来校验该浏览器是否支持HTML5 --> <canvas id=\"Canvas\"></canvas>\n"
            f'<div class="xg-list related"><div class="pannel-title">{rel_title}</div><ul class="list01">{rel}</ul></div>\n'
            f'<script nonce="{secrets.token_hex(8)}">var _hmt = _hmt || []; _hmt.push(["_trackPageview", {fetch}]);</script>\n'
            "<script>$('#share-1').share();\n$('#share-2').share({ sites: ['wechat', 'weibo', 'qq', 'qzone'] });</script>\n")


def detail_meta(portal: Portal, doc: Document) -> dict[str, str]:
    return {"ArticleTitle": doc.title, "PubDate": doc.pub_date, "ContentSource": portal.agency,
            "Keywords": "政府信息公开;年度报告", "Description": doc.title}


def js_string(value: str) -> str:
    """A JSON string with ``<`` escaped the way gkmlpt pages escape their DETAIL content."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")


def js_string_obj(value: dict) -> str:
    """A JSON object literal safe inside ``<script>`` (``<``/``>`` as ``\\u003C``/``\\u003E``)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")
