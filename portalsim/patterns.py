"""Every regular expression and keyword list of the farm package."""

from __future__ import annotations

import re

# Seed texts: the report year in the first title-like line, e.g. "2024年政府信息公开工作年度报告".
SEED_TITLE_YEAR = re.compile(r"(20\d{2})\s*年度?(?:政府)?信息公开工作(?:年度)?报告")
# A four-digit year token (not part of a longer number).
YEAR_TOKEN = re.compile(r"(?<![\d〔\[（(])20[0-2]\d(?![\d〕\]）)])")
# Issuing bodies named inside the seed texts; replaced by the simulated agency.
SEED_AGENCIES = ("白碱滩区教育局", "互助土族自治县教育局", "互助县教育局", "华龙区教育局",
                 "巨鹿县教育局", "牡丹江市教育局")
# Dedupe traps: the small numbers a next year's rewrite changes (not years, not long numbers),
# and the clause appended to an edited line that has none.
EDITABLE_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?![\d.])")
EDIT_CLAUSE = "（本年度较上年有所调整）"
# Seed texts were copied from portal pages together with the page chrome below the report; the
# line (by seed text number) where that chrome starts. The farm serves its own chrome instead.
SEED_TEXT_CHROME_FROM = {"000": "相关链接:", "004": "来源:"}
# Section headings of a report body (rendered bold).
SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")

# Request routing inside the farm (detail pages and files are looked up in a per-portal table).
PORTAL_PATH = re.compile(r"^/p/(?P<portal>[0-9]{6}_[a-z0-9_]+)(?P<rest>/.*)?$")
TRS_LISTING = re.compile(r"^/zwgk/zfxxgknb/index(?:_(?P<n>\d+))?\.(?P<ext>html|htm)$")
GKMLPT_API = re.compile(r"^/gkmlpt/api/all/(?P<cat>\d+)$")
PLAIN_LISTING_QUERY = re.compile(r"^/zfxxgk/zfxxgknb/list\.html$")
PLAIN_LISTING_NUMBERED = re.compile(r"^/zfxxgk/zfxxgknb/(?P<n>\d+)\.html$")
PLAIN_LISTING_INDEX = re.compile(r"^/zfxxgk/zfxxgknb/index(?:_(?P<n>\d+))?\.shtml$")
