"""Every selector, marker, keyword list and regular expression of the page cleaner.

Sources: ../shared/spec/portals.md §3.1 (containers), §3.2 (metadata), §3.3 (attachments),
§3.4 (encodings), §3.5 (boilerplate and the cleaning rules); report-format.md §9.5 and §11.
"""

import re

# --- input limits ---

# Bytes beyond this are not parsed (flag "too_large"); a 5 MB page is still parsed whole.
MAX_INPUT_BYTES = 8 * 1024 * 1024
# trafilatura is only tried on pages whose decoded text is at most this long (bounded time).
TRAFILATURA_MAX_CHARS = 1_500_000
# Caps on table spans when a table is expanded into rows (a hostile colspan cannot blow up).
MAX_COLSPAN = 64
MAX_ROWSPAN = 500
# --- encodings: charset names, aliases and sniffing live in pipelines/decoding.py ---

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)

# --- content containers (portals.md §3.1) ---
# (name shown in CleanedPage.container, tag or None, id or None, classes that must all be present,
#  weight). Matched in one pass over the page (XPath class tests were too slow on 5 MB pages).
CONTAINER_RULES: tuple[tuple[str, str | None, str | None, frozenset[str], int], ...] = (
    ("trs:.TRS_Editor", None, None, frozenset({"TRS_Editor"}), 100),
    ("trs:.trs_editor_view", None, None, frozenset({"trs_editor_view"}), 100),
    ("trs:.TRS_UEDITOR", None, None, frozenset({"TRS_UEDITOR"}), 100),
    ("trs:td#td_DocContent", "td", "td_DocContent", frozenset(), 95),
    ("ucap:#UCAP-CONTENT", None, "UCAP-CONTENT", frozenset(), 95),
    ("ucap:ucapcontent", "ucapcontent", None, frozenset(), 95),
    ("webeditor:#webeditorview", None, "webeditorview", frozenset(), 100),
    ("hanweb:#zoom", None, "zoom", frozenset(), 90),
    ("hanweb:#zoom", None, "Zoom", frozenset(), 90),
    ("hanweb:#zoom", None, "ZOOM", frozenset(), 90),
    ("hanweb:.bt_content", None, None, frozenset({"bt_content"}), 85),
    ("hanweb:.bt-box-main", None, None, frozenset({"bt-box-main"}), 80),
    ("hanweb:.artile_zw", None, None, frozenset({"artile_zw"}), 80),
    ("hanweb:.article-body", None, None, frozenset({"article-body"}), 75),
    ("gkmlpt:.article-content", None, None, frozenset({"article-content"}), 80),
    ("nfcms:.news_cont_d_wrap", None, None, frozenset({"news_cont_d_wrap"}), 80),
    ("nfcms:.articleBox", None, None, frozenset({"xl_main", "articleBox"}), 75),
    ("ucap:.pages_content", None, None, frozenset({"pages_content"}), 75),
    ("other:#fontzoom", None, "fontzoom", frozenset(), 80),
    ("other:#ivs_content", None, "ivs_content", frozenset(), 75),
    ("other:.article_content", None, None, frozenset({"article_content"}), 60),
    ("other:.detail-content", None, None, frozenset({"detail-content"}), 60),
    ("other:.xxgk_content", None, None, frozenset({"xxgk_content"}), 60),
    ("other:.zfxxgk_zw_content", None, None, frozenset({"zfxxgk_zw_content"}), 60),
    ("other:.zw-content", None, None, frozenset({"zw-content"}), 60),
    ("other:.view", None, None, frozenset({"view"}), 55),
    ("other:#printArea", None, "printArea", frozenset(), 50),
    ("other:#content", None, "content", frozenset(), 40),
)
# gkmlpt keeps the body in window._CONFIG.DETAIL.content (a JSON string, \u003C-escaped).
GKMLPT_DETAIL_CONTENT = re.compile(r'DETAIL\s*[:=][\s\S]{0,20000}?["\']?content["\']?\s*:\s*("(?:[^"\\]|\\.)*")')
# A container with images and less text than this is flagged image_only (图片版, scans).
IMAGE_ONLY_MAX_CHARS = 200
# At most this many heading text nodes are used by the marker strategy (bounded time).
MAX_MARKER_NODES = 60
# Elements the marker strategy climbs out of (a heading's own paragraph is not a container).
INLINE_OR_PARAGRAPH_TAGS = frozenset({"p", "span", "font", "strong", "b", "i", "em", "a", "h1", "h2", "h3", "h4",
                                      "h5", "h6", "li", "label", "u", "sup", "sub", "small", "big"})
# Weight of the report-marker strategy (no family selector matched; the lowest element holding
# the most section headings is taken).
MARKER_STRATEGY_WEIGHT = 30
# Scoring of a candidate (KIROGOVCOMPARE-style, portals.md §3.1).
SCORE_TITLE_PHRASE = 140
SCORE_PER_SECTION = 45
SCORE_PER_TABLE = 20
SCORE_PER_CHROME = -18
SCORE_TABLE_CAP = 10
# A candidate needs at least this much text (or a table) to be taken.
MIN_CONTAINER_CHARS = 40

# The report's own signals.
REPORT_TITLE_PHRASES = ("政府信息公开工作年度报告", "政府信息公开年度报告", "信息公开工作年度报告",
                        "政府信息公开年报", "信息公开工作报告")
_SECTION = (
    r"([一二三四五六])\s*[、.．]\s*(?:"
    r"总体情况|(?:主动)?公开政府信息(?:的)?情况|政府信息主动公开情况|"
    r"(?:行政机关)?收到和处理政府信息公开申请(?:的)?情况|"
    r"(?:因)?政府信息公开(?:工作)?(?:被申请)?行政复议|"
    r"(?:政府信息公开工作)?存在(?:的)?(?:主要)?问题|其他需要报告的事项)"
)
# A section heading at the start of a line, and anywhere in a text (for container scoring).
SECTION_HEADING = re.compile(r"^\s*#*\s*" + _SECTION)
SECTION_HEADING_ANY = re.compile(_SECTION)
# Lines that belong to the report's own attachment list (kept even after a tail marker).
ATTACHMENT_LINE = re.compile(r"^(?:相关)?附件|\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar)\s*$", re.I)

# --- elements dropped before any text is read ---

DROP_TAGS = ("script", "style", "noscript", "iframe", "canvas", "template", "svg", "object",
             "embed", "select", "button", "input", "textarea", "head")
# Chrome blocks removed inside the chosen container (and from the page body for the fallbacks).
CHROME_TAGS = frozenset({"header", "footer", "nav", "aside", "form"})
CHROME_CLASSES = frozenset({
    "share", "share_box", "bshare-custom", "bdsharebuttonbox", "breadcrumb", "crumb", "position", "location",
    "toolbar", "fontsize", "font-size", "print", "article_qrcode", "article_qrcode_area", "qrcode", "sweep",
    "xg-list", "related", "xgxx", "xxgk_xgxx", "links_con", "pageInfo", "editor", "article_btn_group",
})
CHROME_IDS = frozenset({"header", "footer", "qr_container", "div_div", "qrcode", "share", "pagination"})
# The 信息公开 header table: metadata, not report text (read first, then removed from the body).
INDEX_TABLE_CLASSES = frozenset(
    {"xxgk_table", "xxgk_table_wza", "xxgk-table", "content-table", "xxgk_top", "xxgk-info"}
)

# Blocks that end a line when text is rendered.
BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "blockquote", "pre", "hr", "center", "address", "figure", "figcaption",
    "caption", "tbody", "thead", "tfoot", "ucapcontent", "main", "body", "html",
})

# --- attachments (portals.md §3.3) ---

ATTACHMENT_HREF = re.compile(
    r"(\.(?:pdf|docx?|xlsx?|wps|et|rtf|zip|rar|7z|ofd|txt|csv)(?:$|[?#]))"
    r"|downfile\.jsp|/attachment/|/uploadfiles/|/jpolicy_file/",
    re.I,
)
# Attachment blocks next to the container (TRS puts them beside .TRS_Editor).
ATTACHMENT_BLOCK_CLASSES = frozenset({"article_attachment", "fjxz", "attachment", "fj", "xgfj"})
ATTACHMENT_BLOCK_IDS = frozenset({"file_xmb", "file_ul_fj", "fjxz"})
SHOWNAME_PARAM = re.compile(r"[?&]showname=([^&#]+)", re.I)

# --- metadata (portals.md §3.2) ---

META_TITLE_NAMES = ("articletitle", "og:title", "title")
META_PUBDATE_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "publishtime", "article:published_time",
                      "og:release_date")
META_SITEID_NAMES = ("siteidcode",)
META_PUBLISHER_NAMES = ("contentsource", "author")
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||-{1,2}|—|｜)\s*")
# Labels of the 信息公开 header table, mapped to CleanedPage fields.
INDEX_LABELS = {
    "索引号": "index_no",
    "发布机构": "publisher",
    "发文机关": "publisher",
    "公开主体": "publisher",
    "发布单位": "publisher",
    "发布日期": "published",
    "发文日期": "published",
    "公开日期": "published",
    "生成日期": "published",
}
INDEX_LABEL_TEXT = re.compile(
    r"^\s*(索引号|发布机构|发文机关|公开主体|发布单位|发布日期|发文日期|公开日期|生成日期)\s*[:：]?\s*(.*)$", re.S
)
INDEX_NO_SHAPE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/]{5,}")
# Dates. The negative look-ahead keeps 索引号 shapes like 2026-02-00018 out (portals.md §3.2).
DATE_ANY = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
)
# Byline date labels (publication) and labels that are NOT publication dates.
BYLINE_DATE = re.compile(r"(?:发布时间|发布日期|发表时间|时间|日期)\s*[:：]\s*" + DATE_ANY.pattern)
# Two characters before a matched 时间/日期 label that make it not a publication date.
NOT_PUBDATE_PREFIXES = frozenset({"更新", "修改", "成文", "打印", "访问", "截止"})

# --- boilerplate (portals.md §3.5, report-format.md §9.5) ---

# Markers that start the page tail; a tail is cut from the first of these (cleaning rule 1).
TAIL_MARKERS = (
    "扫一扫在手机打开当前页", "扫一扫在手机上查看当前页面", "扫码查看手机版", "分享到", "打印本页", "【打印】",
    "打印此页", "【打印页面】", "关闭窗口", "【关闭】", "【关闭页面】", "关闭本页", "【TOP】", "【返回顶部】",
    "返回顶部", "相关链接", "【相关信息】", "相关稿件", "相关文档", "相关解读", "【部门解读】", "相关阅读", "相关政策",
    "【我要纠错】", "我要纠错", "责任编辑", "上一篇", "下一篇", "浏览次数", "网站地图", "联系我们", "版权所有", "ICP备",
    "公网安备", "网站标识码", "政府网站标识", "国家级政府网站", "无障碍浏览", "智能问答机器人", "关联稿件", "撰稿:",
    "撰稿：", "校对:", "校对：", "一审:", "一审：",
)
# Not cut markers on purpose: 主办单位 / 联系我们 / 承办单位 occur in real report text (portals.md §3.5).
# Markers that make a short line a tail-marker line wherever they stand in it; the others
# (相关政策, 上一篇, 联系 …) count only at the start of a line ("（三）相关政策解读情况" is content).
TAIL_MARKERS_ANYWHERE = (
    "扫一扫在手机", "扫码查看手机版", "分享到", "打印本页", "【打印】", "关闭窗口", "【关闭】", "返回顶部",
    "【我要纠错】", "网站地图", "版权所有", "ICP备", "公网安备", "网站标识码", "政府网站标识", "无障碍浏览", "浏览次数",
)
# A line counts as a tail marker line only if short or starting with the marker (rule 2).
TAIL_MARKER_LINE_MAX = 40
# Lines allowed after the first tail marker for the cut to happen: short, not prose, no table row.
TAIL_NOISE_LINE_MAX = 120
PROSE_END = re.compile(r"[。！？；]\s*$")
TABLE_ROW_LINE = re.compile(r"^\|.*\|$")

# A line made only of chrome tokens is chrome wherever it stands (font size, print, share ...).
CHROME_TOKENS = frozenset({
    "字号", "字体", "字体大小", "文章字号", "大", "中", "小", "默认", "大中小", "小中大", "默认小大",
    "打印", "打印本页", "打印此页", "打印页面", "关闭", "关闭窗口", "关闭页面", "关闭本页", "TOP", "返回顶部",
    "保存", "收藏", "分享到", "分享", "微信", "微博", "QQ空间", "QQ", "新浪微博", "扫一扫在手机打开当前页",
    "扫一扫在手机打开当前页面", "扫一扫在手机上查看当前页面", "扫码查看手机版", "我要纠错", "相关链接",
    "登录", "注册", "无障碍", "长者版", "长者模式", "退出关怀版", "繁體版", "ENGLISH", "全真版", "文字版",
    "文件下载", "附件下载", "当前位置", "首页", "正文", "您的位置", "-", "—", "|", "/", ">", "»", "·",
})
CHROME_TOKEN_SPLIT = re.compile(r"[\s\[\]【】〖〗（）()：:，,、>»/|·]+")
# Byline / visit-counter lines (head of article). Removed from the text, read for metadata.
BYLINE_LINE = re.compile(
    r"^\s*(?:(?:发布)?(?:时间|日期)|发布时间|发布日期|来源|信息来源|文章来源|作者|浏览次数|访问次数|点击数|阅读次数|字号|"
    r"撰稿|校对|一审|二审|三审)\s*[:：]"
)
BYLINE_HAS_CHROME = re.compile(r"浏览次数|访问次数|点击数|阅读次数|字号|来源\s*[:：]|(?:时间|日期)\s*[:：]\s*\d{4}")
# Every boilerplate string of portals.md §3.5 and report-format.md §9.5. Tests require each one
# absent from cleaned text unless the report body itself prints it (邮编/传真/解读 occur in reports).
BOILERPLATE_MARKERS = (
    "扫一扫在手机打开当前页", "扫一扫在手机打开当前页面", "扫码查看手机版", "分享到：", "分享到:", "分享到 - 微信",
    "微博", "微信", "QQ空间", "$('#share-1').share();", "$('#share-2').share(", "打印本页", "【打印本页】", "【打印】",
    "打印此页", "【打印页面】", "关闭窗口", "【关闭窗口】", "【关闭】", "【关闭页面】", "【TOP】", "【返回顶部】",
    "返回顶部", "保存", "字号：大 中 小", "字号：[ 大 中 小 ]", "字号：[大 中 小]", "【字号：大 中 小 】",
    "【字体：大 中 小】", "【字体：大中小】", "【字体：小中大】", "字体：【大中小】", "字体大小：[大中小]",
    "字号：大中小", "字号:〖大 中 小〗", "【字体:  大  中  小】", "文章字号：大中小", "字号：默认 小 大", "字体：",
    "字号:", "字号：", "相关链接", "【相关信息】", "相关稿件", "相关文档", "相关附件", "相关解读", "【部门解读】",
    "相关阅读：", "相关政策", "解读", "【我要纠错】", "责任编辑：", "上一篇：", "下一篇：", "浏览次数：", "登录",
    "注册", "首页 > 正文", "您的位置: / 正文", "当前位置", "是否打开信息无障碍浏览", "无障碍", "长者版", "长者模式",
    "退出关怀版", "繁體版", "ENGLISH", "网站导航：", "中国政府网", "网站地图", "联系我们", "版权所有", "主办单位",
    "承办单位", "技术支持", "ICP备", "公网安备", "网站标识码", "政府网站标识", "国家级政府网站", "邮编", "值班电话",
    "传真", "一网通办", "专题专栏", "img#imgConac", ".xxgk_xgxx a{", ".bsClose span{", "createPageHTML(",
    "var $ = jQuery;", "用来校验该浏览器是否支持HTML5", "来源: 撰稿:", "智能问答机器人", "关闭本页",
    "[bookmark: _GoBack]",
)

# Word residue inside a line of text exported from a .docx ("[bookmark: _GoBack]（一）主动公开…"):
# removed from the line, the rest of the line is body text.
INLINE_RESIDUE = re.compile(r"\[bookmark:\s*_?[A-Za-z][\w]*\]\s*")

# --- normalisation for hashing (report-format.md §11) ---

HASH_WS = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff]+")
TEXT_WS = re.compile(r"(?:[^\S\n]|[\u200b\u200c\u200d\u2060\ufeff])+")
