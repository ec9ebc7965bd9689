"""Homepages of simulated portals, so column discovery (``scrapy seeds discover``) runs end to end.

Every portal answers ``/`` (and ``/index.html``) with a homepage from which its 年报 column is at
most three clicks away, among decoy columns that a discoverer must not pick: 政府工作报告,
法治政府建设年度报告, 统计年报/统计公报, 预决算公开, 年鉴, a notice about compiling the reports, and
another agency's 年报 column (部门年报 and 乡镇年报 on a government's site; the superior
government's 政府信息公开年报 on a department's site, which only reading its titles tells apart).
Decoy columns answer listings of their own kind of titles.

The link to the column takes one of :data:`SHAPES` (by the portal's position in the farm): a
plain anchor on a 政务公开 hub, text split across spans, an image's alt text on the homepage, a
``<select>`` quick link with a relative URL, a menu a script builds from JSON under 法定主动公开内容
(three clicks), a relative URL on a hub. Pages are encoded the portal's way (GBK portals too).

Hostile homepages for the bad-input tests live under ``/hostile/`` of every portal: ``offsite``
(302 to another site), ``loop`` (redirects in a circle), ``links`` (thousands of links, each page
linking thousands more).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from portalsim import chrome
from portalsim.families import family_of
from portalsim.families.base import Request, Response, encode_html
from portalsim.model import OFFSITE_HOST, Farm, Portal

SHAPES = ("anchor", "spans", "img-alt", "select", "script", "relative")
#: the decoy columns: slug → (label, title template); {place}/{agency}/{year} filled in
DECOYS: dict[str, tuple[str, str]] = {
    "zfgzbg": ("政府工作报告", "{year}年{place}政府工作报告"),
    "fzzf": ("法治政府建设年度报告", "{agency}{year}年法治政府建设年度报告"),
    "tjnb": ("统计年报", "{place}{year}年统计年报"),
    "tjgb": ("统计公报", "{place}{year}年国民经济和社会发展统计公报"),
    "yjsgk": ("预决算公开", "{agency}{year}年度部门决算公开"),
    "nj": ("年鉴", "{place}年鉴（{year}）"),
}
HOSTILE_LINKS = 1200  # two links each: 2,400 links per page
PAGE_HEAD_YEARS = (2024, 2023, 2022, 2021)


@dataclass(frozen=True)
class Layout:
    """Where a portal's column and decoys are linked from."""

    shape: str
    column: str                 # the column path inside the portal (fragment included)
    decoys: tuple[str, ...]     # decoy column paths inside the portal


def place_of(portal: Portal) -> str:
    return portal.county or portal.city or portal.province


def is_government(portal: Portal) -> bool:
    return not portal.level.endswith("-dept")


def layout(farm: Farm, portal: Portal) -> Layout:
    family = family_of(portal.family)
    column = family.column_path(portal) + family.column_fragment(portal)
    shape = SHAPES[farm.portals.index(portal) % len(SHAPES)]
    return Layout(shape, column, tuple(_decoy_paths(portal)))


def _decoy_paths(portal: Portal) -> list[str]:
    paths = [f"/dc/{slug}/" for slug in DECOYS]
    paths += ["/dc/bmnb/", "/dc/xznb/"] if is_government(portal) else ["/dc/sjnb/"]
    return paths


def _other_agency_titles(portal: Portal, slug: str) -> list[str]:
    place = place_of(portal)
    if slug == "bmnb":
        names = [f"{place}{d}" for d in ("财政局", "教育局", "卫生健康委员会", "生态环境局")]
    elif slug == "xznb":
        names = [f"{place[:2]}{t}" for t in ("城关镇", "东城街道", "新华乡", "北关镇")]
    else:  # sjnb: the government above the department
        names = [f"{place}人民政府"]
    return [f"{name}{year}年政府信息公开工作年度报告" for year in PAGE_HEAD_YEARS for name in names]


def _decoy_labels(portal: Portal) -> dict[str, str]:
    labels = {f"/dc/{slug}/": label for slug, (label, _) in DECOYS.items()}
    if is_government(portal):
        labels["/dc/bmnb/"] = "部门政府信息公开年报"
        labels["/dc/xznb/"] = "乡镇政府信息公开年报"
    else:
        labels["/dc/sjnb/"] = f"{place_of(portal)}政府信息公开年报"
    return labels


def _page(portal: Portal, title: str, body: str) -> Response:
    return encode_html(portal, chrome.head(portal, title, title) + chrome.header(portal) + body
                       + chrome.footer(portal))


def _a(href: str, label: str) -> str:
    return f'<a href="{html.escape(href)}" target="_blank">{html.escape(label)}</a>'


def _decoy_list(portal: Portal, p: str, relative_from: str = "") -> str:
    items = "".join(f"<li>{_a(_rel(relative_from, path) if relative_from else p + path, label)}</li>"
                    for path, label in _decoy_labels(portal).items())
    notice = f"{p}/dc/tzgg/notice.html"
    items += ("<li>" + _a(notice, "关于做好2024年政府信息公开工作年度报告编制发布工作的通知") + "</li>")
    return items


def _rel(from_dir: str, path: str) -> str:
    """``path`` relative to the directory ``from_dir`` (both inside the portal, starting with /)."""
    ups = from_dir.strip("/").count("/") + (1 if from_dir.strip("/") else 0)
    return "../" * ups + path.lstrip("/")


def homepage(farm: Farm, portal: Portal) -> Response:
    lay, p = layout(farm, portal), chrome.prefix(portal)
    place = place_of(portal)
    news = ("<div class=\"news\"><h2>要闻动态</h2><ul>"
            f"<li>{_a(p + '/dc/zfgzbg/', '2024年' + place + '政府工作报告')}</li>"
            f"<li>{_a(p + '/dc/tzgg/notice.html', '关于做好2024年政府信息公开工作年度报告编制发布工作的通知')}</li>"
            f"<li>{_a(p + '/dc/tjgb/', place + '2023年国民经济和社会发展统计公报')}</li>"
            f"<li>{_a(p + '/zwyw/', html.escape(portal.agency) + '召开年度工作会议')}</li></ul></div>\n")
    special = ""
    if lay.shape == "img-alt":
        special = (f'<div class="banner"><a href="{p}{html.escape(lay.column)}"><img src="{p}/images/nb.png" '
                   'alt="政府信息公开年报"></a>'
                   f'<a href="{p}/dc/nj/"><img src="{p}/images/nj.png" alt="年鉴"></a>'
                   f'<a href="{p}/dc/fzzf/"><img src="{p}/images/fz.png" alt="法治政府建设年度报告"></a></div>\n')
    elif lay.shape == "select":
        options = [("", "快速通道"), ("dc/tjnb/", "统计年报"), ("dc/zfgzbg/", "政府工作报告"),
                   (html.escape(lay.column.lstrip("/")), "信息公开年报"), ("dc/yjsgk/", "预决算公开")]
        special = ('<div class="quick"><select onchange="if(this.value)window.open(this.value)">'
                   + "".join(f'<option value="{v}">{t}</option>' for v, t in options) + "</select></div>\n")
    hubs = (f'<div class="zwgk"><h2>政务公开</h2><ul><li>{_a(p + "/zwgk/", "政务公开")}</li>'
            f'<li>{_a(p + "/zfxxgk/", "政府信息公开")}</li>'
            f'<li>{_a(p + "/zfxxgk/zfxxgkzn/", "政府信息公开指南")}</li></ul></div>\n')
    return _page(portal, "首页", '<div class="main">' + news + special + hubs + "</div>\n")


def hub(farm: Farm, portal: Portal, path: str) -> Response:
    lay, p = layout(farm, portal), chrome.prefix(portal)
    if path == "/zwgk/":
        title = "政务公开"
        if lay.shape == "anchor":
            column = f'<li><a href="{p}{html.escape(lay.column)}" title="政府信息公开年报">政府信息公开年报</a></li>'
        elif lay.shape == "relative":
            column = f"<li>{_a(_rel(path, lay.column), '年报')}</li>"
        else:
            column = ""
        items = (_decoy_list(portal, p, path if lay.shape == "relative" else "") + column
                 + f"<li>{_a(p + '/zfxxgk/', '政府信息公开')}</li>")
    elif path == "/zfxxgk/":
        title = "政府信息公开"
        column = ""
        if lay.shape == "spans":
            column = (f'<li><a href="{p}{html.escape(lay.column)}"><span class="ico"></span>'
                      "<span>年度</span><span>报告</span></a></li>")
        items = (f"<li>{_a(p + '/zfxxgk/zfxxgkzn/', '政府信息公开指南')}</li>"
                 f"<li>{_a(p + '/zfxxgk/fdzdgknr/', '法定主动公开内容')}</li>" + column + _decoy_list(portal, p))
    else:  # /zfxxgk/fdzdgknr/: a menu built by a script from JSON
        title = "法定主动公开内容"
        entries = [{"name": label, "url": _rel(path, dpath)} for dpath, label in _decoy_labels(portal).items()]
        if lay.shape == "script":
            entries.insert(3, {"name": "政务公开年度报告", "url": _rel(path, lay.column)})
        import json
        menu = json.dumps(entries, ensure_ascii=False).replace("/", "\\/")
        return _page(portal, title, f'<div class="main"><h2>{title}</h2><ul id="menu"></ul>\n'
                     f"<script>var menuData = {menu};\nfor (var i = 0; i < menuData.length; i++) "
                     "{ $('#menu').append('<li><a href=\"' + menuData[i].url + '\">' + menuData[i].name "
                     "+ '</a></li>'); }</script></div>\n")
    return _page(portal, title, f'<div class="main"><div class="list-box"><h2>{title}</h2><ul>{items}</ul>'
                 "</div></div>\n")


def decoy(portal: Portal, slug: str) -> Response:
    place = place_of(portal)
    if slug in DECOYS:
        label, template = DECOYS[slug]
        titles = [template.format(place=place, agency=portal.agency, year=y) for y in PAGE_HEAD_YEARS]
    else:
        label = _decoy_labels(portal)[f"/dc/{slug}/"]
        titles = _other_agency_titles(portal, slug)
    items = "".join(f'<li><a href="./{k}.html" title="{html.escape(t)}">{html.escape(t)}</a>'
                    f"<span>2025-0{k % 9 + 1}-1{k % 9}</span></li>" for k, t in enumerate(titles, 1))
    return _page(portal, label, f'<div class="main"><div class="list-box"><h2>{html.escape(label)}</h2>'
                 f'<ul class="list">{items}</ul></div></div>\n')


def notice(portal: Portal) -> Response:
    title = "关于做好2024年政府信息公开工作年度报告编制发布工作的通知"
    return _page(portal, title, f'<div class="main"><h1>{title}</h1><p>各有关单位：请按要求完成年度报告的编制和发布工作。</p>'
                 f"<p>{html.escape(portal.agency)}</p></div>\n")


def hostile(portal: Portal, req: Request) -> Response | None:
    p = chrome.prefix(portal)
    rest = req.path[len("/hostile/"):]
    if rest.startswith("offsite"):
        port = req.headers.get("Host", "127.0.0.1").rpartition(":")[2]
        return Response(302, [("Location", f"http://{OFFSITE_HOST}:{port}{p}/")], b"")
    if rest.startswith("loop"):
        nxt = "loop-b" if rest.startswith("loop-a") else "loop-a"
        return Response(302, [("Location", f"{p}/hostile/{nxt}/")], b"")
    if rest.startswith("links"):
        level = rest.count("/")
        links = "".join(f'<li><a href="{p}/hostile/links/{level}-{k}/">政务公开{k}</a> '
                        f'<a href="{p}/hostile/links/nb{level}-{k}/">年报{k}</a></li>'
                        for k in range(HOSTILE_LINKS))
        return _page(portal, "首页", f"<ul>{links}</ul>")
    return None


def answer(farm: Farm, portal: Portal, req: Request) -> Response | None:
    """The homepage module's answer to ``req`` (None: not one of its pages)."""
    path = req.path
    if path in ("/", "/index.html"):
        return homepage(farm, portal)
    if path in ("/zwgk/", "/zfxxgk/", "/zfxxgk/fdzdgknr/"):
        return hub(farm, portal, path)
    if path == "/dc/tzgg/notice.html":
        return notice(portal)
    if path.startswith("/dc/") and path.endswith("/"):
        slug = path[len("/dc/"):-1]
        if f"/dc/{slug}/" in _decoy_labels(portal):
            return decoy(portal, slug)
    if path.startswith("/hostile/"):
        return hostile(portal, req)
    return None
