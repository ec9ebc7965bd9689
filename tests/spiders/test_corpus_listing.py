"""A real 年报 column page from the shared corpus (skipped when the corpus is absent)."""

from pathlib import Path

import pytest

from crawler.spiders import generic

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
PAGE = CORPUS / "docs" / "l001_fujian_pingtan_nianbao_list_page1.html"


def test_pingtan_listing_page_reports_only():
    if not PAGE.exists():
        pytest.skip(f"corpus page not found: {PAGE}")
    text = PAGE.read_text(encoding="utf-8")
    links = generic.parse_listing(text, "http://www.pingtan.gov.cn/zwgk/zfxxgknb/index.htm")
    # the 10 static items (2016..2025); the menu link to the column itself is not a report
    assert sorted(link.year for link in links) == list(range(2016, 2026))
    assert all(link.url.startswith("http://www.pingtan.gov.cn/zwgk/zfxxgknb/20") for link in links)
    assert all("平潭综合实验区" in link.title for link in links)
