"""Synthetic detail pages per CMS family (portals.md §3/§4) wrapping report text, with every
chrome element of §3.5 placed around (and partly inside) the content container. Each varying
element of a fetch (visit counter, clock, related links, share widget, script nonce) is a
parameter, so digest tests can vary exactly one of them.
Used by the cleaning tests and bench/clean.py."""

import html
from dataclasses import dataclass, field, replace

from portalsim.bodies import SEED_TEXT_DIR

FIXTURES = SEED_TEXT_DIR


def seed_lines(n: int) -> list[str]:
    path = sorted(FIXTURES.glob(f"{n:03d}_*.txt"))[0]
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


# Where each seed's own page chrome starts (the seeds were copied from portal pages).
SEED_TAIL_START = {0: "相关链接:", 4: "来源:"}
# Byline chrome printed at the head of a seed (report-format.md §9.5).
SEED_HEAD_CHROME = {4: {"日期:2020-01-31 来源:", "字号:"}}


def report_lines(n: int) -> list[str]:
    """The report body of seed n: the lines after the title, before the seed's own page chrome."""
    lines = seed_lines(n)[1:]
    tail = SEED_TAIL_START.get(n)
    lines = lines[: lines.index(tail)] if tail else lines
    return [ln for ln in lines if ln not in SEED_HEAD_CHROME.get(n, ())]


def report_table(licence_count: int = 473) -> str:
    """A table-2 fragment with colspan and rowspan, as portals print it."""
    return (
        '<table border="0" class="MsoTable"><tbody>'
        '<tr><td colspan="4">第二十条第（一）项</td></tr>'
        "<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>"
        "<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>"
        "<tr><td>行政规范性文件</td><td>12</td><td>3</td><td>45</td></tr>"
        '<tr><td colspan="4">第二十条第（五）项</td></tr>'
        '<tr><td rowspan="2">行政许可</td><td colspan="3">本年处理决定数量</td></tr>'
        f'<tr><td colspan="3">{licence_count}</td></tr>'
        "</tbody></table>"
    )


@dataclass(frozen=True)
class Chrome:
    visits: int = 87319
    clock: str = "2025-01-03 10:00:00"
    related: tuple[str, ...] = ("《关于印发2025年政务公开工作要点的通知》", "《某区2023年政府信息公开工作年度报告》")
    share: str = "wechat,weibo,qq"
    nonce: str = "n0nce-AAAA"


@dataclass(frozen=True)
class Page:
    family: str = "trs"  # trs | hanweb | gkmlpt | plain (no known container; layout tables)
    title: str = "白碱滩区教育局2024年政府信息公开工作年度报告"
    lines: tuple[str, ...] = ()
    tail_lines: tuple[str, ...] = ()  # chrome printed inside the container after the attachments
    table: str = field(default_factory=report_table)
    chrome: Chrome = Chrome()
    pubdate: str = "2025-01-03 10:00"
    index_no: str = "11650204MB1234567X/2025-00012"
    publisher: str = "白碱滩区教育局"
    site_id_code: str = "6502040001"
    attachments: tuple[tuple[str, str], ...] = (("./P020250103123456789012.pdf", "附件1：2024年度报告原文.pdf"),)
    charset: str = "utf-8"
    meta_charset: str | None = None  # defaults to charset
    with_meta_pubdate: bool = True

    def with_chrome(self, **kw) -> "Page":
        return replace(self, chrome=replace(self.chrome, **kw))


def _paras(lines) -> str:
    return "".join(f"<p>{html.escape(ln)}</p>" for ln in lines)


def _share(kinds: str) -> str:
    links = "".join(f'<a href="javascript:void(0)" class="s-{k}">{ {"wechat": "微信", "weibo": "微博", "qq": "QQ空间"}.get(k, k)}</a>'
                    for k in kinds.split(",") if k)
    return f'<div class="share">分享到：{links}</div><script>$(\'#share-1\').share({{sites:"{kinds}"}});</script>'


def _related(titles) -> str:
    items = "".join(f'<li><a href="/x/{i}.html">{html.escape(t)}</a></li>' for i, t in enumerate(titles))
    return f'<div class="xg-list related"><div class="pannel-title">相关链接</div><ul>{items}</ul></div>'


def _attach(atts) -> str:
    return "".join(f'<p><a href="{h}">{html.escape(n)}</a></p>' for h, n in atts)


def render(page: Page) -> bytes:
    c = page.chrome
    lines = list(page.lines)
    half = max(1, len(lines) // 2)
    body_inner = _paras(lines[:half]) + page.table + _paras(lines[half:]) + _attach(page.attachments) + _paras(page.tail_lines)
    head_meta = (
        f'<meta name="SiteIDCode" content="{page.site_id_code}">'
        f'<meta name="ArticleTitle" content="{html.escape(page.title)}">'
        + (f'<meta name="PubDate" content="{page.pubdate}">' if page.with_meta_pubdate else "")
        + '<meta name="ContentSource" content="区政府办公室">'
    )
    cs = page.meta_charset or page.charset
    header = (
        f'<div id="header"><span class="clock">今天是 {c.clock}</span><a href="/">首页</a> 无障碍 长者版 '
        '<a href="/en">ENGLISH</a> 网站导航：</div>'
        f'<div class="breadcrumb">当前位置：首页 &gt; 政府信息公开 &gt; 年报 &gt; 正文</div>'
        f'<script nonce="{c.nonce}">var _t="{c.clock}";var nonce="{c.nonce}";</script>'
    )
    footer = (
        '<div class="article_qrcode_area"><p>扫一扫在手机打开当前页</p></div>'
        '<div>【打印本页】 【关闭窗口】 【返回顶部】</div>'
        + _related(c.related)
        + '<div id="footer">主办单位：某区人民政府办公室 承办单位：某区大数据中心 版权所有 网站标识码：6502040001 '
        '新ICP备12345678号 新公网安备 65020402000123号 网站地图 联系我们</div>'
        '<style>img#imgConac { height: 55px; } .xxgk_xgxx a{ color:blue;}</style>'
        '<!-- 用来校验该浏览器是否支持HTML5 --><canvas id="Canvas"></canvas>'
    )
    byline = (f'<div class="info">发布时间：{page.pubdate} 来源：{page.publisher} 浏览次数：{c.visits} '
              '字号：[ 大 中 小 ]</div>')
    title = f"<h1>{html.escape(page.title)}</h1>"
    if page.family == "trs":
        article = (
            f'{title}{byline}<div class="article_content"><div class="TRS_Editor">'
            f'<script nonce="{c.nonce}">createPageHTML(1, 0, "t20250103_1", "html");</script>'
            f'{body_inner}</div></div>{_share(c.share)}'
        )
    elif page.family == "hanweb":
        article = (
            '<table class="xxgk_table"><tr><td>索引号：</td><td>' + page.index_no + '</td>'
            f'<td>发布机构：</td><td>{page.publisher}</td></tr><tr><td>发布日期：</td><td>{page.pubdate[:10]}</td>'
            '<td>文号：</td><td></td></tr></table>'
            f'{title}<div id="zoom">'
            f'<div class="bt_time">发布时间：{page.pubdate} 浏览次数：{c.visits} 字号：大 中 小</div>'
            f'{body_inner}{_share(c.share)}<p>相关链接：</p>'
            + "".join(f"<p>{html.escape(t)}</p>" for t in c.related)
            + f'<p>扫一扫在手机打开当前页</p><script nonce="{c.nonce}">var sid="{c.nonce}";</script></div>'
        )
    elif page.family == "gkmlpt":
        article = (
            f'<script>window._CONFIG = {{SID: "755041", NONCE: "{c.nonce}"}};</script>'
            '<div class="content-table"><table><tr><th>索引号</th><td>' + page.index_no + '</td>'
            f'<th>发布机构</th><td>{page.publisher}</td></tr><tr><th>发布日期</th><td>{page.pubdate}</td></tr></table></div>'
            f'{title}<div class="article-content">{body_inner}</div>'
            f'<div class="read">浏览次数：{c.visits}</div>{_share(c.share)}'
        )
    elif page.family == "plain":
        article = (
            '<table width="100%"><tr><td class="left"><table><tr><td><a href="/a">政府信息公开指南</a></td></tr>'
            '<tr><td><a href="/b">政府信息公开制度</a></td></tr></table></td>'
            f'<td class="main"><table><tr><td>{title}{byline}</td></tr><tr><td>{body_inner}</td></tr></table>{_share(c.share)}</td></tr></table>'
        )
    else:
        raise ValueError(page.family)
    doc = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
        f"{head_meta}<title>{html.escape(page.title)}_政府信息公开年报_某区人民政府</title></head>"
        f'<body>{header}<div class="main">{article}</div>{footer}</body></html>'
    )
    return doc.encode(page.charset)


def seed_page(n: int = 0, **kw) -> Page:
    """Seed n as a page: its head chrome stays among the lines, its tail chrome after the 附件 list."""
    lines = seed_lines(n)[1:]
    tail = SEED_TAIL_START.get(n)
    cut = lines.index(tail) if tail else len(lines)
    return Page(title=seed_lines(n)[0], lines=tuple(lines[:cut]), tail_lines=tuple(lines[cut:]), **kw)
