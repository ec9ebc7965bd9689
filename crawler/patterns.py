"""Constants of the crawler package: platform keys, CMS fingerprints, provinces, seed-file rules.

Every regular expression and keyword list the crawler uses lives here (house style). Spider work
appends its own sections below; keep one section per concern and name constants in UPPER_CASE.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# ---------------------------------------------------------------------------------------------
# Platform (CMS family) keys. A seed's ``platform`` column holds the key of a registered family
# (each family spider declares its keys, fingerprints and detection priority: see
# crawler/spiders/__init__.py and crawler/spiders/registry.py) or ``auto``: "detect from the
# column page's fingerprint" (crawler/platforms.py).
# ---------------------------------------------------------------------------------------------
PLATFORM_AUTO = "auto"  # not known yet: detect on the next fetch of the column page

# A body that may be HTML at all (a page that is neither HTML nor JSON gives no detection).
HTML_BODY_HINT = re.compile(r"<(?:html|body|head|div|a)\b", re.I)

# ---------------------------------------------------------------------------------------------
# Provinces: 2-digit code, short name, full name, pinyin (file names use code + pinyin).
# 山西 and 陕西 are distinguished as shanxi / shaanxi, as in official romanisation.
# ---------------------------------------------------------------------------------------------


class Province(NamedTuple):
    code: str
    short: str
    full: str
    pinyin: str


PROVINCES: tuple[Province, ...] = (
    Province("11", "北京", "北京市", "beijing"),
    Province("12", "天津", "天津市", "tianjin"),
    Province("13", "河北", "河北省", "hebei"),
    Province("14", "山西", "山西省", "shanxi"),
    Province("15", "内蒙古", "内蒙古自治区", "neimenggu"),
    Province("21", "辽宁", "辽宁省", "liaoning"),
    Province("22", "吉林", "吉林省", "jilin"),
    Province("23", "黑龙江", "黑龙江省", "heilongjiang"),
    Province("31", "上海", "上海市", "shanghai"),
    Province("32", "江苏", "江苏省", "jiangsu"),
    Province("33", "浙江", "浙江省", "zhejiang"),
    Province("34", "安徽", "安徽省", "anhui"),
    Province("35", "福建", "福建省", "fujian"),
    Province("36", "江西", "江西省", "jiangxi"),
    Province("37", "山东", "山东省", "shandong"),
    Province("41", "河南", "河南省", "henan"),
    Province("42", "湖北", "湖北省", "hubei"),
    Province("43", "湖南", "湖南省", "hunan"),
    Province("44", "广东", "广东省", "guangdong"),
    Province("45", "广西", "广西壮族自治区", "guangxi"),
    Province("46", "海南", "海南省", "hainan"),
    Province("50", "重庆", "重庆市", "chongqing"),
    Province("51", "四川", "四川省", "sichuan"),
    Province("52", "贵州", "贵州省", "guizhou"),
    Province("53", "云南", "云南省", "yunnan"),
    Province("54", "西藏", "西藏自治区", "xizang"),
    Province("61", "陕西", "陕西省", "shaanxi"),
    Province("62", "甘肃", "甘肃省", "gansu"),
    Province("63", "青海", "青海省", "qinghai"),
    Province("64", "宁夏", "宁夏回族自治区", "ningxia"),
    Province("65", "新疆", "新疆维吾尔自治区", "xinjiang"),
    Province("71", "台湾", "台湾省", "taiwan"),
    Province("81", "香港", "香港特别行政区", "xianggang"),
    Province("82", "澳门", "澳门特别行政区", "aomen"),
)
PROVINCES_BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}
# Municipalities directly under the central government: districts have no prefecture layer.
MUNICIPALITY_CODES: frozenset[str] = frozenset({"11", "12", "31", "50"})

# ---------------------------------------------------------------------------------------------
# Seed files (seeds/<code>_<pinyin>.csv)
# ---------------------------------------------------------------------------------------------
SEED_COLUMNS: tuple[str, ...] = (
    "id",
    "province",
    "city",
    "county",
    "adcode",
    "level",
    "agency",
    "column_url",
    "platform",
    "active",
    "notes",
)
#: optional columns a seed file may add after SEED_COLUMNS, in any order: the government's homepage
#: (where column discovery starts) and one known report that helps find the column
SEED_HOMEPAGE = "homepage"
SEED_OPTIONAL_COLUMNS: tuple[str, ...] = (
    SEED_HOMEPAGE, "sample_report_url", "sample_report_year", "sample_report_title",
)
#: seed levels of a government itself (not one of its departments or a township)
GOVERNMENT_LEVELS: tuple[str, ...] = ("province", "prefecture", "county")
SEED_REQUIRED_VALUES: tuple[str, ...] = ("id", "province", "adcode", "level", "agency", "platform", "active")
SEED_FILE_NAME = re.compile(r"^(?P<code>\d{2})_(?P<pinyin>[a-z]+)\.csv$")
SEED_FILE_GLOB = "*.csv"
# Files a spreadsheet program leaves next to the real one (lock files, backups): not seed files.
SEED_FILE_IGNORED = re.compile(r"^(?:~\$|\.~lock|\.)")
SEED_ID = re.compile(r"^(?P<adcode>\d{6})_(?P<slug>[a-z0-9]+(?:[_-][a-z0-9]+)*)$")
ADCODE = re.compile(r"^\d{6}$")
ACTIVE_TRUE: frozenset[str] = frozenset({"true"})
ACTIVE_FALSE: frozenset[str] = frozenset({"false"})
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https"})

# Government levels (seed ``level`` column) and the adcode shape each needs:
#   "province"   = PP0000, "prefecture" = PPCC00 (CC != 00), "county" = PPCCXX (XX != 00).
LEVEL_TIER: dict[str, str] = {
    "province": "province",
    "province-dept": "province",
    "prefecture": "prefecture",
    "prefecture-dept": "prefecture",
    "county": "county",
    "county-dept": "county",
    "township": "county",
}
LEVELS: tuple[str, ...] = tuple(LEVEL_TIER)

# Column-URL normalisation for duplicate detection: trailing index pages that name the same column.
COLUMN_INDEX_PAGE = re.compile(r"/(?:index|default)\.(?:html?|shtml|jsp|php|aspx?)$", re.I)
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}

# Suffixes stripped from place names before comparing a seed's names with the national table.
PLACE_NAME_SUFFIXES: tuple[str, ...] = (
    "特别行政区",
    "维吾尔自治区",
    "回族自治区",
    "壮族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "新区",
    "省",
    "市",
    "州",
    "盟",
    "县",
    "区",
    "旗",
)
