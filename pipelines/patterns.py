"""Regexes and keyword lists of the top-level pipelines modules (report identity); one patterns module per package."""

import re

WHITESPACE = re.compile(r"\s+")

# A corrected re-issue of a report (更正版, 修订版, 更正后 ...): preferred over the original.
CORRECTION = re.compile(r"更正|修订|勘误|修正版")

# What an agency name may differ by and still be the same agency (spaces, quotes).
AGENCY_NOISE = re.compile(r"[\s\u3000\u00a0“”\"'「」]+")

# Pictures of a report published as images (图片版): what is not a page of the report. An <img>
# whose file name or alt/class says logo, QR code, icon, button … is never fetched as a page.
PICTURE_NOT_PAGE = re.compile(
    r"logo|qr|ewm|erweima|二维码|icon|ico_|btn|button|banner|share|weixin|wechat|weibo|wx_|print|close"
    r"|arrow|bg_|spacer|blank|loading|dot\.|line\.|微信|微博|分享|打印|关闭",
    re.IGNORECASE)
