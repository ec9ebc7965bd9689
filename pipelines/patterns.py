"""Regexes and keyword lists of the top-level pipelines modules (report identity); one patterns module per package."""

import re

WHITESPACE = re.compile(r"\s+")

# A corrected re-issue of a report (更正版, 修订版, 更正后 ...): preferred over the original.
CORRECTION = re.compile(r"更正|修订|勘误|修正版")

# What an agency name may differ by and still be the same agency (spaces, quotes).
AGENCY_NOISE = re.compile(r"[\s\u3000\u00a0“”\"'「」]+")
