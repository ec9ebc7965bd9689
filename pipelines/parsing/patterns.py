"""Every regular expression and keyword list of the report parser (semantic layer first, then the
format readers' section "# --- extraction ---", which must stay last).

The tables' cell vocabulary (row/column keys, labels, keywords, format signals) is not written
here: it is derived from the cell catalogue, :mod:`pipelines.parsing.schema`."""

import re
import re as _re_extract  # the name the extraction section below uses

from pipelines.parsing import schema as _schema

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

# Table 2 row labels (normalised: NFKC, no whitespace, no quotes), exact match. From the catalogue.
T2_ROWS = _schema.t2_row_labels()
T2_ANCHOR = "第二十条第"
# Header substrings that decide table 2's format (report-format §7). From the catalogue.
T2_SIGNALS_2021 = _schema.t2_signals("2021")
T2_SIGNALS_2019 = _schema.t2_signals("2019")

# Table 3: anchors and row keyword sets, in canonical order (from the catalogue). A label matches
# a row when it contains any of the keywords (and none of the row's exclusions). Group labels
# (三)(四)(五) carry no values; （六）其他处理 is the row other.single, or the group label of its
# sub-rows.
T3_ANCHORS = ("本列数据的勾稽关系", "本年新收政府信息公开申请数量")
T3_ROW_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (r.key, r.keywords) for r in _schema.T3.parts[0].rows)
T3_ROW_EXCLUDE: dict[str, tuple[str, ...]] = {r.key: r.exclude for r in _schema.T3.parts[0].rows if r.exclude}
# Group labels that never carry values.
T3_GROUP_KEYWORDS = tuple(k for g in _schema.T3.groups for k in g.keywords)
# Bare labels that mean 3.其他 inside the (六) group and (七)总计 right after it.
T3_OTHER_OTHER = _schema.t3_row("other.other").bare_labels
T3_BARE_TOTAL = _schema.t3_row("results_total").bare_labels
T3_COLUMNS = tuple(c.key for c in _schema.t3_columns())
T3_ROWS_2021 = tuple(r.key for r in _schema.t3_rows(single=False))
# （六）其他处理 printed as one row (2019 format, some 2021 reports).
T3_ROWS_SINGLE = tuple(r.key for r in _schema.t3_rows(single=True))
# A numbered row label whose keywords were lost (wrapped/truncated cells, layout D): "5.属于三类".
T3_NUMBERED_LABEL = re.compile(r"^(?:\d[.．、]|\([一二三四五六七]\)|[一二三四]\.)\S")
# Longest label cell considered a row label (longer cells are narrative).
T3_LABEL_MAX = 60

# Table 4 (from the catalogue).
T4_BLOCKS = tuple(r.key for r in _schema.t4_blocks())
T4_OUTCOMES = tuple(c.key for c in _schema.t4_outcomes())
T4_ANCHOR_EXACT = frozenset({"行政复议"})

# Section headings: numeral + punctuation, then keywords (report-format §2.1).
HEADING_NUMBERED = re.compile(r"^#*\s*(?P<num>[一二三四五六七八九十]{1,2})\s*[、.．,，:：]\s*(?P<rest>\S.{0,60})$")
SECTION_KEYWORDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("s1", "一", ("总体情况", "概述", "基本情况")),
    ("s2", "二", ("主动公开",)),
    ("s3", "三", ("收到和处理", "依申请公开", "申请情况", "申请的办理", "申请办理")),
    ("s4", "四", ("行政复议", "行政诉讼", "行政法复议")),
    ("s5", "五", ("存在的主要问题", "存在问题", "存在的问题", "主要问题", "存在的不足", "改进情况", "改进措施",
                  "工作计划")),
    ("s6", "六", ("其他需要报告", "其他需报告", "其他事项", "需要报告的事项", "需报告的事项", "需要说明的其他",
                  "其他需要说明")),
)
# Where a numbered heading ends inside a glued line: its last word (情况, 事项, 措施, 计划, 概述),
# a trailing "与附表", or "…及明年工作计划" after it ("五、存在的主要问题、改进措施及明年工作计划").
HEADING_PHRASE = re.compile(
    r"^[一二三四五六七八九十]{1,2}\s*[、.．]\s*[^。，,；;：:！？!?\d]{0,36}?"
    r"(?:情况|事项|措施|工作计划|计划|概述)(?:[与及和]附表)?(?:[及和与、][^。，,；;：:！？!?\d]{0,12}?(?:计划|措施|情况))?"
)
# The start of a numbered part inside a glued line (pre-2019 reports: any sequence 一、二、三…
# after a sentence end or a space).
NUMBERED_PART_START = re.compile(r"(?:^|(?<=[。！？；;!?\s]))(?P<num>[一二三四五六七八九十]{1,2})\s*、")
# Pre-2019 headings (free form): any numbered heading is kept with a pre2019 key.
HEADING_MAX_LEN = 40

# Glued layout (third-party archiver text, report-format corpus r004–r008): table cells
# concatenated without separators on one long line.
GLUED_MIN_LEN = 300
GLUED_MARKERS = ("本年新收政府信息公开申请数量",)
GLUED_BREAKS = re.compile(r"(?=[一二三四五六七八九]、)|(?=[（(][一二三四五六七][）)])")
# A row number glued to the digits before it, with or without spaces ("00000002.其他", "0 0 00 2.其他"):
# the number belongs to the next label, never to the previous row's values.
GLUED_LABEL_NUMBER = re.compile(r"(\d)\s*([1-8])[.．、](?=[\u4e00-\u9fff])")
# Pieces of a glued line: a digit run (inner spaces allowed, a sign and decimals kept), a lone sign,
# or text.
GLUED_PIECES = re.compile(r"[+\-]?\d[\d ]*(?:\.\d+)?|[+\-]|[^\d+\-]+")
# A short line is read as glued too when it holds one of these table labels followed by a digit
# (a table 2 sub-table or table 4 printed on a line of its own: "…尚未审结总计 0 00 00 0 …").
GLUED_LINE_MARKERS = ("本年新收政府信息公开申请数量", "第二十条第", "尚未审结")
# Syntax of one decoded glued cell by value type (schema.COUNT / SIGNED_COUNT / AMOUNT): no leading
# zeros, at most 9 digits; a lone "-" is a printed NA mark in a signed column.
GLUED_CELL_SYNTAX = {
    _schema.COUNT: re.compile(r"(?:0|[1-9]\d{0,8})"),
    _schema.SIGNED_COUNT: re.compile(r"[+\-]?(?:0|[1-9]\d{0,8})|-"),
    _schema.AMOUNT: re.compile(r"(?:0|[1-9]\d{0,8})(?:\.\d+)?"),
}
# Most candidate splits of one glued row (or combinations across rows) examined before giving up.
GLUED_MAX_CANDIDATES = 64
GLUED_MAX_COMBINATIONS = 20000
GLUED_PREFIX = "\x00glued:"
GLUED_MAX_DIGITS = 40
# Where a section heading starts inside a glued line ("…成效。二、主动公开政府信息情况 第二十条…").
GLUED_HEADING_START = re.compile(
    r"(?=(?:一、(?:总体情况|概述|基本情况)|二、主动公开政府信息|三、收到和处理政府信息公开申请|四、(?:政府信息公开|因政府信息公开)"
    r"[^。]{0,12}行政[法]?复议|五、(?:政府信息公开工作)?(?:存在的?(?:主要)?问题|存在的不足)"
    r"|六、(?:其他需要?报告|需要说明的其他|其他需要说明)))"
)

# Report recognition.
NOT_REPORT_TITLE = ("通知", "决算", "预算", "关于做好", "关于编制", "关于印发", "的函", "公开指南", "更正说明")
NOT_REPORT_BODY = ("部门决算", "决算报表", "收入支出决算", "财政拨款")
# A report printed as pictures (图片版): a report title, at least one image, and no more text than
# this many characters besides the title (an HTML page whose report is only <img> tags).
IMAGE_REPORT_MAX_CHARS = 200

# Metadata.
STAT_PERIOD = re.compile(
    r"((?:19|20)\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到|—|-|~)\s*"
    r"((?:19|20)\d\d)\s*年\s*12\s*月\s*31\s*日"
)
DATE_CN = re.compile(r"^\s*((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
DATE_META = re.compile(
    r"(?:发布日期|发布时间|日期|时间|成文日期|发文日期)\s*[:：]\s*"
    r"((?:19|20)\d\d)[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})"
)
AGENCY_SUFFIX = re.compile(
    r"(?:局|委|委员会|办|办公室|政府|厅|院|中心|处|所|署|会|部|站|队|馆|管委会|实验区|集团|公司|街道|乡|镇)$"
)
AGENCY_SIGNOFF_MAX = 40
META_TITLE = re.compile(r"^(?:标题|题目|文章标题|名称)\s*[:：]\s*(?P<title>\S.{4,100})$")
# A place-name prefix printed before the title agency in the preamble ("淮安市" + "洪泽区人民政府").
PLACE_PREFIX = re.compile(r"[\u4e00-\u9fff]{1,3}(?:省|市|州|盟)")
TITLE_LEAD_JUNK = "•·-—|>»● #＃*"
# Markdown emphasis/heading marks around a line ("# 巨鹿县教育局", "**巨鹿县教育局**"): never part of a name.
MARKDOWN_MARKS = "#＃*_> "
# Function words printed between the agency and the rest of the title ("…管理局关于2019年…").
AGENCY_TRAILING_WORDS = ("关于", "的")
# A place name inside an agency name; a name without one ("财金局", "公安局") is a short form
# that a fuller name of the same agency (sign-off, byline, seed) may replace.
AGENCY_PLACE = re.compile(r"[省市县区州旗盟乡镇]|街道|自治")
# The sign-off at the end of a one-line body: "…。某县财政金融局 2019年1月20日".
SIGNOFF_IN_LINE = re.compile(
    r"(?:^|[。！？；;\s])(?P<agency>[^\s。！？；;，,:：\d]{2,40}?)\s*"
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*$"
)
# The publishing agency named in a byline ("来源：某县财政金融局", "发布机构: …").
BYLINE_AGENCY = re.compile(
    r"(?:^|\s)(?:来源|信息来源|文章来源|发布机构|发文机关|发布单位|公开主体)\s*[:：]\s*(?P<agency>[^\s:：|｜]{2,40})"
)
TITLE_MAX_LEN = 80
# Lines starting like a sentence are preambles that mention the report, not its title.
SENTENCE_STARTS = ("根据", "依据", "按照", "本")
# A report title anywhere in a line: [agency] YYYY 年[度] [agency] [政府]信息公开[工作][年度]报告.
TITLE_IN_TEXT = re.compile(
    r"(?P<pre>[^\s，,。；;:：《》“”!！?？/_>»›]{0,40}?)\s*(?P<year>(?:19|20)\d\d)\s*年\s*(?:度)?\s*"
    r"(?P<mid>[^\s，,。；;:：《》“”!！?？]{0,30}?)\s*(?:政府)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
)
# Leading words of a sentence that mentions the report ("现公布…", "特编制…").
TITLE_LEAD_WORDS = ("正文", "现公布", "特编制", "编制形成", "编制", "公布", "发布", "现将", "我单位", "我局", "本机关")

# --- extraction ---
# Owned by the format readers (pipelines/parsing/extract/). Append-only section; keep it last.
# (it spells the re module _re_extract, imported at the top)

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

# Row labels read by OCR (a wrong or missing character): matched to the catalogue by edit
# distance, only for labels of at least FUZZY_LABEL_MIN_CHARS characters (numbering excluded),
# at most max(1, FUZZY_LABEL_RATIO × length) edits, and only when the best label is unique and at
# least FUZZY_LABEL_MARGIN edits better than the runner-up; otherwise the label stays unmatched.
FUZZY_LABEL_MIN_CHARS = 6
FUZZY_LABEL_RATIO = 0.1
FUZZY_LABEL_MARGIN = 2
# The numbering in front of a row label ("1." "(一)" "二.", or one OCR misread there: "l." "(口)")
# left out of the comparison.
LABEL_NUMBERING = re.compile(r"^(?:[^.()]{1,2}[.．、]|\([^()]{1,2}\))")
