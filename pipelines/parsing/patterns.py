"""Every regular expression and keyword list of the report parser (semantic layer first, then the
format readers' section "# --- extraction ---", which must stay last)."""

import re

# --- semantic layer ---

# Whitespace of any kind inside labels (spaces, NBSP, ideographic space, tabs, newlines).
LABEL_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Quotes dropped before label matching.
LABEL_QUOTES = re.compile(r"[“”‘’「」『』\"'〝〞]")

# A numeric cell: sign, digits (optionally with thousands separators), decimals, a unit and a
# parenthesised annotation ("22（其中修订 16 件）", "251000元", "0件", "+1"). Linear: no nesting.
VALUE_NUMBER = re.compile(
    r"^(?P<sign>[+\-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?"
    r"(?P<unit>万元|元|件|个|项|条|次|人次|人)?(?P<ann>\(.*\))?$"
)
VALUE_ZERO_WORDS = frozenset({"零"})
# NA tokens (report-format §6.6 / §9.4), compared after whitespace removal and NFKC.
VALUE_NA = frozenset({"—", "–", "-", "--", "——", "―", "─", "/", "／", "无", "不适用", "空", "-—", "—-", "\\"})

# Table 2 row labels (normalised: NFKC, no whitespace, no quotes), exact match.
T2_ROWS = {
    "规章": "regulations",
    "规范性文件": "normative_docs",
    "行政规范性文件": "normative_docs",
    "行政许可": "admin_license",
    "其他对外管理服务事项": "other_services",
    "行政处罚": "admin_penalty",
    "行政强制": "admin_coercion",
    "行政事业性收费": "admin_fee",
    "政府集中采购": "gov_procurement",
}
T2_ANCHOR = "第二十条第"
T2_SIGNALS_2021 = ("本年制发件数", "本年废止", "现行有效件数", "本年收费金额")
T2_SIGNALS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
                   "其他对外管理服务事项", "第二十条第(九)项", "政府集中采购", "采购总金额")

# Table 3: anchors and row keyword sets, in canonical order. A label matches a row when it
# contains any of the keywords. Group labels (三)(四)(五)(六) carry no values except (六) in the
# single-row variant.
T3_ANCHORS = ("本列数据的勾稽关系", "本年新收政府信息公开申请数量")
T3_ROW_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("本年新收",)),
    ("carried_in", ("上年结转",)),
    ("granted", ("予以公开",)),
    ("partial", ("部分公开",)),
    ("deny.state_secret", ("国家秘密",)),
    ("deny.other_law", ("其他法律", "行政法规禁止", "法规禁止公开")),
    ("deny.security_stability", ("三安全", "一稳定")),
    ("deny.third_party", ("第三方",)),
    ("deny.internal_affairs", ("内部事务",)),
    ("deny.process_info", ("过程性",)),
    ("deny.enforcement_file", ("执法案卷",)),
    ("deny.admin_query", ("行政查询",)),
    ("unable.not_held", ("不掌握",)),
    ("unable.need_creation", ("另行制作", "没有现成")),
    ("unable.unclear", ("补正后", "仍不明确")),
    ("noproc.petition", ("信访",)),
    ("noproc.repeat", ("重复申请",)),
    ("noproc.publication", ("出版物",)),
    ("noproc.mass_repeat", ("大量反复",)),
    ("noproc.confirm", ("重新出具", "确认或重新")),
    ("other.group", ("其他处理",)),
    ("other.no_correction", ("逾期不补正", "不补正")),
    ("other.fee_unpaid", ("收费通知", "缴纳费用")),
    ("other.other", ()),  # bare "3.其他" inside the (六) group, decided in code
    ("results_total", ("(七)总计", "七)总计")),
    ("carried_out", ("结转下年度",)),
)
# Group labels that never carry values.
T3_GROUP_KEYWORDS = ("本年度办理结果", "不予公开", "无法提供", "无法提", "不予处理")
# Bare labels that mean 3.其他 inside the (六) group and (七)总计 right after it.
T3_OTHER_OTHER = frozenset({"3.其他", "3、其他", "3其他", "其他"})
T3_BARE_TOTAL = frozenset({"总计", "(七)总计", "七、总计"})
T3_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service",
              "other_org", "total")
T3_ROWS_2021 = ("new", "carried_in", "granted", "partial",
                "deny.state_secret", "deny.other_law", "deny.security_stability", "deny.third_party",
                "deny.internal_affairs", "deny.process_info", "deny.enforcement_file",
                "deny.admin_query", "unable.not_held", "unable.need_creation", "unable.unclear",
                "noproc.petition", "noproc.repeat", "noproc.publication", "noproc.mass_repeat",
                "noproc.confirm", "other.no_correction", "other.fee_unpaid", "other.other",
                "results_total", "carried_out")
# A numbered row label whose keywords were lost (wrapped/truncated cells, layout D): "5.属于三类".
T3_NUMBERED_LABEL = re.compile(r"^(?:\d[.．、]|\([一二三四五六七]\)|[一二三四]\.)\S")
# Longest label cell considered a row label (longer cells are narrative).
T3_LABEL_MAX = 60

# Table 4.
T4_BLOCKS = ("review", "lit_direct", "lit_after_review")
T4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
T4_ANCHOR_EXACT = frozenset({"行政复议"})

# Section headings: numeral + punctuation, then keywords (report-format §2.1).
HEADING_NUMBERED = re.compile(r"^#*\s*(?P<num>[一二三四五六七八九十]{1,2})\s*[、.．,，:：]\s*(?P<rest>\S.{0,60})$")
SECTION_KEYWORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("s1", "一", ("总体情况", "概述")),
    ("s2", "二", ("主动公开",)),
    ("s3", "三", ("收到和处理", "依申请公开", "申请情况")),
    ("s4", "四", ("行政复议", "行政诉讼", "行政法复议")),
    ("s5", "五", ("存在的主要问题", "存在问题", "主要问题", "改进情况")),
    ("s6", "六", ("其他需要报告", "其他事项", "需要报告的事项")),
)
# Pre-2019 headings (free form): any numbered heading is kept with a pre2019 key.
HEADING_MAX_LEN = 40

# Glued layout (third-party archiver text, report-format corpus r004–r008): table cells
# concatenated without separators on one long line.
GLUED_MIN_LEN = 300
GLUED_MARKERS = ("本年新收政府信息公开申请数量",)
GLUED_BREAKS = re.compile(r"(?=[一二三四五六七八九]、)|(?=[（(][一二三四五六七][）)])")
GLUED_LABEL_NUMBER = re.compile(r"(\d)([1-8])[.．、](?=[\u4e00-\u9fff])")
GLUED_PIECES = re.compile(r"\d[\d ]*|[^\d]+")
GLUED_PREFIX = "\x00glued:"
GLUED_MAX_DIGITS = 40
# Where a section heading starts inside a glued line ("…成效。二、主动公开政府信息情况 第二十条…").
GLUED_HEADING_START = re.compile(
    r"(?=(?:一、总体情况|二、主动公开政府信息|三、收到和处理政府信息公开申请|四、(?:政府信息公开|因政府信息公开)"
    r"[^。]{0,12}行政[法]?复议|五、(?:政府信息公开工作)?存在的?主要问题|六、其他需要报告))"
)

# Report recognition.
NOT_REPORT_TITLE = ("通知", "决算", "预算", "关于做好", "关于编制", "关于印发", "的函", "公开指南", "更正说明")
NOT_REPORT_BODY = ("部门决算", "决算报表", "收入支出决算", "财政拨款")
# A report printed as pictures (图片版): a report title, at least one image, and no more text than
# this many characters besides the title (an HTML page whose report is only <img> tags).
IMAGE_REPORT_MAX_CHARS = 200

# Metadata.
STAT_PERIOD = re.compile(r"((?:19|20)\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到|—|-|~)\s*((?:19|20)\d\d)\s*年\s*12\s*月\s*31\s*日")
DATE_CN = re.compile(r"^\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
DATE_META = re.compile(r"(?:发布日期|发布时间|日期|时间|成文日期|发文日期)\s*[:：]\s*((?:19|20)\d\d)[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})")
AGENCY_SUFFIX = re.compile(r"(?:局|委|委员会|办|办公室|政府|厅|院|中心|处|所|署|会|部|站|队|馆|管委会|实验区|集团|公司|街道|乡|镇)$")
AGENCY_SIGNOFF_MAX = 40
META_TITLE = re.compile(r"^(?:标题|题目|文章标题|名称)\s*[:：]\s*(?P<title>\S.{4,100})$")
# A place-name prefix printed before the title agency in the preamble ("淮安市" + "洪泽区人民政府").
PLACE_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,3}(?:省|市|州|盟)")
TITLE_LEAD_JUNK = "•·-—|>»● "
TITLE_MAX_LEN = 80
# Lines starting like a sentence are preambles that mention the report, not its title.
SENTENCE_STARTS = ("根据", "依据", "按照", "本")
# A report title anywhere in a line: [agency] YYYY 年[度] [agency] [政府]信息公开[工作][年度]报告.
TITLE_IN_TEXT = re.compile(
    r"(?P<pre>[^\s，,。；;:：《》“”!！?？/_]{0,40}?)\s*(?P<year>(?:19|20)\d\d)\s*年\s*(?:度)?\s*"
    r"(?P<mid>[^\s，,。；;:：《》“”!！?？]{0,30}?)\s*(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
)
# Leading words of a sentence that mentions the report ("现公布…", "特编制…").
TITLE_LEAD_WORDS = ("现公布", "特编制", "编制形成", "编制", "公布", "发布", "现将", "我单位", "我局", "本机关")

# --- extraction ---
# Owned by the format readers (pipelines/parsing/extract/). Append-only section; keep it last.
import re as _re_extract

# Magic bytes of the binary containers.
EXTRACT_MAGIC_PDF = b"%PDF-"
EXTRACT_MAGIC_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
EXTRACT_MAGIC_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Scanned report pages served as pictures (图片版): PNG, JPEG, GIF, TIFF, WebP.
EXTRACT_MAGIC_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a",
                        b"II*\x00", b"MM\x00*", b"RIFF")
# Markers of an HTML document near its start (lower-cased, searched in the first few KB).
EXTRACT_HTML_MARKERS = _re_extract.compile(
    r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s|<title[\s>]|<div[\s>]|<table[\s>]|<p[\s>]",
    _re_extract.IGNORECASE,
)
# A JavaScript string literal ("…" or '…' or `…`) — used to find HTML embedded in a JS file.
EXTRACT_JS_STRING = _re_extract.compile(
    r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`((?:[^`\\]|\\.)*)`', _re_extract.DOTALL
)
# An escaped HTML tag inside JS source, e.g. <p style=\"…\"> or <table ...>.
EXTRACT_JS_HTML_TAG = _re_extract.compile(r"<(?:p|table|tr|td|div|span|br|h[1-6])[\s>/]", _re_extract.IGNORECASE)
# Charset from a Content-Type header or <meta charset=…>.
EXTRACT_CHARSET = _re_extract.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", _re_extract.IGNORECASE)
# Whitespace (including NBSP, ideographic space is kept: it is meaningful in labels only as spacing).
EXTRACT_WS = _re_extract.compile(r"[ \t\r\f\v\u00a0\u2002\u2003\u2009\u200b\ufeff]+")
# HTML elements whose content is never report text.
EXTRACT_HTML_DROP = frozenset({"script", "style", "noscript", "head", "template", "iframe", "object",
                               "embed", "svg", "canvas", "select", "button", "input", "textarea"})
# HTML elements that start a new line of text.
EXTRACT_HTML_BLOCK = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "br", "hr",
    "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre", "address",
    "figure", "figcaption", "form", "fieldset", "center", "caption", "tr", "td", "th", "table",
    "tbody", "thead", "tfoot", "body", "html",
})
# Page-number lines in PDF text: "— 4 —", "- 4 -", "第4页", "第 4 页 共 5 页", "4/5", "4 / 5", bare "4".
EXTRACT_PAGE_NUMBER = _re_extract.compile(
    r"^\s*(?:[—–\-－~·]+\s*\d{1,4}\s*[—–\-－~·]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    _re_extract.IGNORECASE,
)
# Digits collapsed when comparing running headers/footers across pages.
EXTRACT_DIGITS = _re_extract.compile(r"\d+")
# Plain-text tables: a markdown rule row "|---|:---:|" (pipes optional at the ends).
EXTRACT_MD_RULE = _re_extract.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
# Plain-text tables: a row fenced by pipes at both ends "| a | b |".
EXTRACT_PIPE_ROW = _re_extract.compile(r"^\s*\|.*\|\s*$")
# A PDF table cell that holds a number (used to tell a row cut by a page break from a new row).
EXTRACT_PDF_NUMERIC_CELL = _re_extract.compile(r"^[+\-−]?\d[\d,，.]*\s*(?:[%‰]|万元|元|件|个)?$")
# Decimal places of a spreadsheet number format ("0.00", "#,##0.0", "0%"): group 1 = the zeros.
EXTRACT_NUMBER_FORMAT_DECIMALS = _re_extract.compile(r"[0#]\.([0#]+)")
# A spreadsheet number format with digit placeholders (fixed, not General).
EXTRACT_NUMBER_FORMAT_DIGITS = _re_extract.compile(r"[0#]")
# Start of a JavaScript source file (a report shipped as an HTML string inside JS, like r014).
EXTRACT_JS_START = _re_extract.compile(
    r"^\s*(?://|/\*|let\s|var\s|const\s|function[\s(]|import\s|export\s|\(function|window\.|document\.|\$\()"
)
# CJK unified ideographs (mixed-encoding detection).
EXTRACT_CJK = _re_extract.compile(r"[\u4e00-\u9fff]")
# Any whitespace run in HTML text (renders as one space), incl. newlines, NBSP and U+3000.
EXTRACT_HTML_WS = _re_extract.compile(r"\s+")
