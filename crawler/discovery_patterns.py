"""Vocabulary of column discovery (``scrapy seeds discover``): the labels of a 年报 column, the hubs
above it, the decoy columns that must lose, and the shapes of script-built menus.

The one source of these words: :mod:`crawler.discovery` scores with them, the farm's homepages
(portalsim/homepage.py) are tested against them.
"""

from __future__ import annotations

import re

#: labels of the column that lists an agency's 政府信息公开(工作)年度报告, with their label score
#: (0-100); the longest matching label counts
COLUMN_LABELS: tuple[tuple[str, int], ...] = (
    ("政府信息公开工作年度报告", 100),
    ("政府信息公开年度报告", 100),
    ("政府信息公开工作年报", 95),
    ("政府信息公开年报", 95),
    ("政务公开年度报告", 85),
    ("信息公开工作年度报告", 90),
    ("信息公开年度报告", 85),
    ("信息公开年报", 85),
    ("年度报告", 60),
    ("年报", 50),
)
#: labels of the sections a 年报 column sits under (followed on the way, and a context bonus)
HUB_LABELS: tuple[str, ...] = ("政府信息公开", "政务公开", "信息公开", "法定主动公开内容", "主动公开",
                               "公开目录", "信息公开目录", "政府信息公开专栏")
#: score added when the link sits under (or was reached through) a hub
HUB_CONTEXT_BONUS = 10
#: decoy columns: (marker, reason). A label containing a marker is never a candidate.
DECOY_MARKERS: tuple[tuple[str, str], ...] = (
    ("政府工作报告", "government work report (政府工作报告), not the OGI annual report"),
    ("法治政府", "rule-of-law government report (法治政府建设年度报告)"),
    ("统计年报", "statistics (统计年报)"),
    ("统计公报", "statistics (统计公报)"),
    ("统计", "statistics column"),
    ("年鉴", "yearbook (年鉴)"),
    ("预决算", "budgets and final accounts (预决算公开)"),
    ("预算", "budget (预算)"),
    ("决算", "final accounts (决算)"),
    ("网站年度报表", "website annual statement (政府网站年度报表)"),
    ("网站工作年度报表", "website annual statement (政府网站工作年度报表)"),
    ("通知", "a notice, not a column"),
    ("关于", "a notice or document, not a column"),
    ("编制", "a notice about compiling reports"),
    ("指南", "the disclosure guide (公开指南)"),
)
#: another agency's 年报 column: a decoy when the seed is the government itself
OTHER_AGENCY_MARKERS: tuple[str, ...] = ("部门", "乡镇", "街道", "镇街", "区县", "县区", "县市区", "委办局",
                                         "各单位", "直属")
#: a label naming a year is one report (a news item), not a column
YEAR_IN_LABEL = re.compile(r"(?:19|20)\d\d")
#: a candidate label longer than this is a sentence, not a menu entry
MAX_LABEL_LEN = 30
#: the minimum label score of a column written to the seeds (after confirmation)
CONFIDENT_SCORE = 50
#: confirmation: at least this many report titles of this agency on the listing
MIN_OWN_REPORTS = 2
#: ... and at most this share of report titles naming another agency
MAX_FOREIGN_SHARE = 0.34

#: script-built menus: JSON objects with a label key and a URL key
SCRIPT_OBJECT = re.compile(r"\{[^{}]{0,600}\}")
SCRIPT_LABEL_KEY = re.compile(r"""["']?(?:name|title|text|label|menuName|colName)["']?\s*:\s*["']([^"']{1,80})["']""")
SCRIPT_URL_KEY = re.compile(r"""["']?(?:url|href|link|jump_url|linkUrl|path)["']?\s*:\s*["']([^"']{1,300})["']""")
#: punctuation and spacing dropped from labels before matching
LABEL_JUNK = re.compile(r"[\s\u3000>»›·•|/\\\-_:：,，.。、()（）\[\]【】<>《》\"'“”]+")
#: href values that are not pages
NON_PAGE_HREF = re.compile(r"^(?:javascript:|mailto:|tel:|#|data:)", re.I)
#: file links that are never a column
FILE_HREF = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|ofd|zip|rar|jpe?g|png|gif|css|js)(?:$|\?)", re.I)
#: agency names: parts ignored when comparing a title's agency with the seed's
AGENCY_NOISE = re.compile(r"人民|[省市县区州盟旗]")
#: what a government's name may add after its place (宿州市 ~ 宿州市人民政府)
GOVERNMENT_TAILS: tuple[str, ...] = ("政府", "政府办公室", "政府办公厅", "政府办")
#: characters of a label worth finding the block heading for (a 年报 column label has one)
CONTEXT_WORTH = "年报告"
#: links read per page: a page linking thousands of pages is read this far
MAX_LINKS_PER_PAGE = 600
