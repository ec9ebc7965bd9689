"""Every regex and keyword list used by the spiders (link selection, paging, file names).

Each CMS family has one section here holding its pager patterns *and* its platform fingerprints
(portals.md §2), which its spider class declares as ``fingerprints`` and
:func:`crawler.platforms.detect_platform` tries in the families' declared detection priority.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: one piece of platform evidence: (label shown in the detection's evidence, compiled pattern)
Fingerprint = tuple[str, re.Pattern[str]]


class Fingerprints(NamedTuple):
    """How :func:`crawler.platforms.detect_platform` recognises a family's column page.

    Families are tried in detection priority; within the checks below, body evidence beats URL
    evidence and the first match wins.
    """

    #: patterns on the decoded page text
    body: tuple[Fingerprint, ...] = ()
    #: patterns on the column URL, tried right after this family's body patterns
    url: tuple[Fingerprint, ...] = ()
    #: a body that is a whole JSON document belongs to this family (tried once no family's
    #: body or URL patterns matched)
    json_document: bool = False
    #: weak patterns on the column URL, tried only after every body check of every family
    late_url: tuple[Fingerprint, ...] = ()
    #: shown after a late-URL label: why the body did not already decide
    late_url_note: str = ""
    #: the family of any HTML page no other family claims; its ``body`` patterns only name the
    #: evidence (a pager), they are not needed to pick it
    fallback: bool = False


# A listing link is a report candidate when its title (text or title attribute) matches.
REPORT_TITLE = re.compile(r"(政府)?信息公开.{0,12}(工作)?(年度)?(报告|年报)|政务公开.{0,6}年度报告")
# Columns mix in other documents whose titles look alike.
NON_REPORT_TITLE = re.compile(
    r"指南|目录|网站(工作)?年度报表|网站年度报表|通知|关于(做好|印发|报送|开展)|编制|统计表|意见|征求|解读"
)
YEAR_IN_TITLE = re.compile(r"(20[0-4]\d|19\d\d)\s*年")

NEXT_PAGE_TEXT = ("下一页", "下页", "后一页", ">", "›")

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd", ".et")
ATTACHMENT_HREF = re.compile(r"(\.(pdf|docx?|wps|xlsx?|ofd|et)(\?|$))|downfile|download|fileDown", re.I)
DOCUMENT_CONTENT_TYPES = (
    "application/pdf", "application/msword", "application/vnd.openxmlformats",
    "application/vnd.ms-excel", "application/ofd", "application/octet-stream",
    "application/x-download", "application/force-download",
)
CONTENT_DISPOSITION_FILENAME = re.compile(
    r"filename\*\s*=\s*(?:UTF-8|utf-8)''(?P<star>[^;]+)|filename\s*=\s*\"?(?P<plain>[^\";]+)\"?"
)

# --- pagers and fingerprints per family (portals.md §2) --------------------------------------
# TRS: platform fingerprints (portals.md §2)
TRS_BODY_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("createPageHTML() pager", re.compile(r"createPageHTML\s*\(", re.I)),
    ("Pager({size,current}) pager", re.compile(r"\bPager\s*\(\s*\{[^}]*\bsize\s*:", re.I)),
    ("countPage pager variable", re.compile(r"\bcountPage\s*=\s*\d+")),
    ("TRS trsapi list module", re.compile(r"trsapi", re.I)),
    ("TRS_Editor container", re.compile(r"class=['\"][^'\"]*\bTRS_(?:Editor|UEDITOR)\b")),
    ("TRS t-date document links", re.compile(r"href=['\"][^'\"]*/\d{6}/t\d{8}_\d+\.s?html?['\"]", re.I)),
)
TRS_FINGERPRINTS = Fingerprints(body=TRS_BODY_FINGERPRINTS)

# TRS classic: createPageHTML(pageCount, currentIndex0, "index", "html")
TRS_CREATE_PAGE_4 = re.compile(
    r"createPageHTML\s*\(\s*(?P<count>\d+)\s*,\s*(?P<current>\d+)\s*,\s*[\"'](?P<name>[\w.-]+)[\"']\s*,"
    r"\s*[\"'](?P<ext>\w+)[\"']\s*\)")
# UCAP-style 6-argument, 1-based: createPageHTML('page_div', count, current1, 'index', 'html', total)
TRS_CREATE_PAGE_6 = re.compile(
    r"createPageHTML\s*\(\s*[\"'][\w-]+[\"']\s*,\s*(?P<count>\d+)\s*,\s*(?P<current>\d+)\s*,"
    r"\s*[\"'](?P<name>[\w.-]+)[\"']\s*,\s*[\"'](?P<ext>\w+)[\"']\s*(?:,\s*\d+\s*)?\)")
TRS_PAGER_OBJECT = re.compile(r"\bPager\s*\(\s*\{(?P<body>[^}]*)\}\s*\)")
TRS_PAGER_FIELD = re.compile(r"(?P<key>size|current|prefix|suffix)\s*:\s*[\"']?(?P<value>[\w.-]+)[\"']?")
TRS_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
TRS_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*(\d+)")
TRS_CLASSIC_NAME = re.compile(r"\\?[\"'](?P<name>[\w.-]+?)_\\?[\"']\s*\+\s*nextPage\s*\+\s*\\?[\"']\.(?P<ext>\w+)")

# Hanweb jpage
HANWEB_DATASTORE = re.compile(r"<datastore>.*?</datastore>", re.S | re.I)
HANWEB_TOTAL_RECORD = re.compile(r"totalRecord\s*:\s*(\d+)")
HANWEB_PER_PAGE = re.compile(r"perPage\s*:\s*(\d+)")
HANWEB_PARAM = re.compile(r"var\s+param_\d+\s*=\s*\{(?P<body>[^}]*)\}")
HANWEB_PARAM_FIELD = re.compile(r"(?P<key>\w+)\s*:\s*(?:'(?P<q>[^']*)'|\"(?P<dq>[^\"]*)\"|(?P<bare>[\w/.-]+))")
HANWEB_PROXY_URL = re.compile(r"proxyUrl\s*:\s*[\"'](?P<url>[^\"']+)[\"']")
HANWEB_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
HANWEB_MODULE_HREF = re.compile(r"/module/", re.I)

# Hanweb: platform fingerprints
HANWEB_BODY_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("<datastore> XML record set", re.compile(r"<datastore>.{0,2000}?<record", re.S | re.I)),
    ("dataproxy.jsp endpoint", re.compile(r"/module/(?:web/)?jpage/dataproxy\.jsp|dataproxy\.jsp", re.I)),
    ("jpage() pager call", re.compile(r"\.jpage\s*\(\s*\{", re.I)),
)
HANWEB_URL_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("Hanweb /col/colN/ column URL", re.compile(r"/col/col\d+/(?:index\.html?)?$", re.I)),
    ("Hanweb jcms column URL", re.compile(r"/jcms_files/.+/col/col\d+/", re.I)),
)
HANWEB_FINGERPRINTS = Fingerprints(body=HANWEB_BODY_FINGERPRINTS, late_url=HANWEB_URL_FINGERPRINTS,
                                   late_url_note="body has no jpage fingerprint")

# gkmlpt
GKMLPT_SID = re.compile(r"\bSID\s*:\s*[\"']?(?P<sid>\d+)")
GKMLPT_CATEGORY_FRAGMENT = re.compile(r"#(?P<cat>\d+)$")
GKMLPT_PERCENT_U = re.compile(r"%u([0-9A-Fa-f]{4})")

# gkmlpt: platform fingerprints
GKMLPT_BODY_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("window._CONFIG with SID", re.compile(r"_CONFIG\s*=\s*\{[^<]{0,400}?\bSID\s*:\s*['\"]?\d+", re.S)),
    ("/gkmlpt/ path in page", re.compile(r"/gkmlpt/(?:index|api|annualreport|policy|content)", re.I)),
)
GKMLPT_URL_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("/gkmlpt/ in URL", re.compile(r"/gkmlpt/", re.I)),
)
GKMLPT_FINGERPRINTS = Fingerprints(body=GKMLPT_BODY_FINGERPRINTS, url=GKMLPT_URL_FINGERPRINTS)

# JSON search API (intertid /info_open/search)
JSONAPI_PARAMS = re.compile(r"listParams\s*=\s*\{(?P<body>[^}]*)\}")
JSONAPI_FIELD = re.compile(r"(?P<key>\w+)\s*:\s*(?:'(?P<q>[^']*)'|\"(?P<dq>[^\"]*)\"|(?P<bare>[\w/.-]+))")
JSONAPI_POST_URL = re.compile(r"\$\.post\(\s*[\"'](?P<url>[^\"']+)[\"']")
JSONAPI_SCRIPT_SRC = re.compile(r"list\w*\.js", re.I)
JSONAPI_DEFAULT_SEARCH = "/info_open/search"

# JSON APIs: platform fingerprints (a whole JSON document is one too)
JSONAPI_BODY_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("intertid /info_open/search API", re.compile(r"/info_open/search\b", re.I)),
    ("TRS IRS /irs/front/list API", re.compile(r"/irs/front/list\b", re.I)),
    # the shell page of an intertid column: an empty list and the script that posts to the API
    ("intertid /info_open/ list script", re.compile(r"<script[^>]+src=['\"][^'\"]*/info_open/list\w*\.js", re.I)),
)
JSON_BODY_START = re.compile(r"^\s*[\[{]")
JSONAPI_FINGERPRINTS = Fingerprints(body=JSONAPI_BODY_FINGERPRINTS, json_document=True)

# Generic pager detection (portals.md §2.E), in the order checked.
LAST_PAGE_TEXT = re.compile(r"尾页|末页|最后一页")
TOTAL_PAGES_TEXT = re.compile(r"共\s*(\d+)\s*页")
PAGE_IN_QUERY = re.compile(r"[?&](?P<key>page|PageIndex|pageIndex|pageNo|pageNum|currPage|pn|p)=(?P<n>\d+)")
PAGE_INDEX_N = re.compile(r"(?P<stem>index|list|column-index|t|page)[_-](?P<n>\d+)\.(?P<ext>s?html?)$")
PAGE_NUMBERED = re.compile(r"/(?P<n>\d+)\.(?P<ext>s?html?)$")
JS_PAGE_COUNT = re.compile(r"\b(?:contenpage|totalPage|pageCount|countPage|pages)\s*[=:]\s*(\d+)")
# pagers drawn by a script from variables (issue 10; names from portals.md §2.A and the issue's
# `var totalPage = 3; var pagePre = ...`): the page count, the page-name prefix (page 1
# is ``<prefix>.<ext>``, page k ``<prefix>_<k>`` or, 0-based, ``<prefix>_<k-1>``), its extension
# and the current page (0 on page 1 means 0-based numbering)
SCRIPT_PAGER_TOTAL = re.compile(r"\b(?:totalPages?|pageCount|countPage)\s*=\s*(\d+)")
SCRIPT_PAGER_PREFIX = re.compile(r"\b(?:pagePre|pageName)\s*=\s*[\"'](?P<name>[\w.-]+)[\"']")
SCRIPT_PAGER_EXT = re.compile(r"\b(?:pageExt)\s*=\s*[\"']\.?(?P<ext>\w+)[\"']")
SCRIPT_PAGER_CURRENT = re.compile(r"\b(?:currentPage|pageIndex|currPage)\s*=\s*(\d+)")
# a pager whose page links only run a script (a form post): evidence of pages nobody can follow
SCRIPT_ONLY_PAGE_LINK = re.compile(r"^javascript:\s*[\w.]*(?:page|Page|go|Go)\w*\(\s*['\"]?(\d+)")
# a listing loaded from a JSON endpoint named in a script
SCRIPT_JSON_URL = re.compile(r"[\"'](?P<url>[^\"'\s<>()+]+?\.json(?:\?[^\"'\s<>()+]*)?)[\"']")
# keys seen in real JSON listings (portals.md §2.D: fgw.hubei gfxwj.json, the intertid answer)
JSON_TITLE_KEYS = ("title", "name", "FILENAME")
JSON_URL_KEYS = ("url", "link", "URL", "href")
JSON_TOTAL_KEYS = ("totalPage", "totalPages", "pageCount", "pages", "countPage")
JSON_PAGE_KEYS = ("currentPage", "page", "pageNo", "pageIndex")
#: at most this many pages are guessed for one listing from script variables or JSON totals
GENERIC_MAX_GUESSED_PAGES = 200
ONCLICK_URL = re.compile(r"(?:jumpToDetail|openUrl|window\.open)\(\s*[\"'](?P<url>[^\"']+)[\"']")

# plain (generic): fingerprints naming the pager of a page no CMS family claims
PLAIN_BODY_FINGERPRINTS: tuple[Fingerprint, ...] = (
    ("last-page anchor (尾页/末页)", re.compile(r">\s*(?:尾页|末页|最后一页)\s*<")),
    ("next-page anchor (下一页)", re.compile(r">\s*下一页\s*<")),
    ("page-count text (共 N 页)", re.compile(r"共\s*\d+\s*页")),
    ("page query parameter", re.compile(r"href=['\"][^'\"]*[?&](?:page|pageNo|pageIndex|pageNum|currPage)=\d+", re.I)),
)
PLAIN_FINGERPRINTS = Fingerprints(body=PLAIN_BODY_FINGERPRINTS, fallback=True)

# --- detail pages (portals.md §3.1): content containers, most specific first -----------------
CONTENT_CONTAINERS = (
    ".TRS_Editor", ".trs_editor_view", ".TRS_UEDITOR", "#UCAP-CONTENT", "ucapcontent", ".pages_content",
    "#zoom", "#Zoom", ".article-body", "div.artile_zw", "div.bt-box-main", "div.news_cont_d_wrap",
    "#fontzoom", "#ivs_content", "#webeditorview", ".article-content", ".article_content",
    ".detail-content", ".xxgk_content", ".zfxxgk_zw_content", ".zw-content", "#printArea", "#content",
)
# a 年报 page carries some of the national template's section markers (portals.md §0)
REPORT_SECTION_MARKERS = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                          "行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项")

# --- faults and obstacles (portals.md §5) -----------------------------------------------------
CHALLENGE_RUISHU = re.compile(r"\$_ts\s*[.=\[]|if\s*\(\s*!\s*\$_ts\s*\)|\$_ts\.cd")
CHALLENGE_JSL = re.compile(r"document\.cookie\s*=|__jsl_clearance|__jsluid")
SOFT_404_TEXT = re.compile(
    r"页面不存在|您访问的页面不存在|访问的页面不存在|找不到(?:该|您要访问的)?页面|页面找不到|页面未找到|错误页面|"
    r"已被删除|404\s*Not\s*Found|\b404\b.{0,20}(?:页面|错误)|(?:页面|错误).{0,20}\b404\b",
    re.I | re.S)
# a page shorter than this (in characters of visible text) may be a soft-404; longer pages that
# merely mention 页面不存在 in passing are content
SOFT_404_MAX_TEXT = 600
HOME_INDEX_NAMES = re.compile(r"(?:index|default|main)\.(?:s?html?|jsp|aspx?|php)$", re.I)
TLS_ERROR_TEXT = re.compile(r"SSL|TLS|certificate|handshake|wrong version number", re.I)

# a bare column label (menu/breadcrumb link to the 年报 column itself), never a report
COLUMN_LABEL = re.compile(r"^(?:政府|政务)?(?:信息)?(?:公开)?(?:工作)?(?:年度报告|年报)(?:专栏|栏目)?$")

# --- helpers' regexes (text, URLs; decoding is pipelines/decoding.py) --------------------------
WHITESPACE = re.compile(r"\s+")
ATTACHMENT_NAME_PREFIX = re.compile(r"^附件\d*[:：]")
SCRIPT_OR_STYLE = re.compile(r"(?is)<(script|style)\b.*?</\1>")
HTML_TAG = re.compile(r"(?s)<[^>]+>")
XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
XML_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
HREF_ATTR = re.compile(r"href=[\"']([^\"']+)[\"']")
HANWEB_START_RECORD = re.compile(r"[?&]startrecord=(\d+)")
HANWEB_END_RECORD = re.compile(r"[?&]endrecord=(\d+)")
GKMLPT_TREE_NODE = re.compile(r"\{\s*\"id\"\s*:\s*(\d+)\s*,\s*\"name\"\s*:\s*\"([^\"]*)\"")
GKMLPT_TREE_REPORT_NAMES = ("年报", "年度报告")
GKMLPT_PAGE_PARAM = re.compile(r"([?&]page=)(\d+)")


def page_param(key: str) -> re.Pattern[str]:
    """The ``key=N`` query parameter of a detected plain pager (key from PAGE_IN_QUERY)."""
    return re.compile(rf"([?&]{re.escape(key)}=)\d+")
HANWEB_PAGE_PARAM = re.compile(r"([?&]page=)(\d+)")
