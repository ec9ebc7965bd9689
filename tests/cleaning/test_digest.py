"""Stable digest: two fetches differing only in chrome hash identically (one test per element);
a real content change (one number in a table) changes the digest."""

import pytest

from pipelines.cleaning import clean_page, digest_text
from portalsim.pages import Chrome, render, report_table, seed_page

URL = "http://jyj.example.gov.cn/zfxxgk/zfxxgknb/202501/t20250103_1.html"
FAMILIES = ("trs", "hanweb", "gkmlpt", "plain")


def _pair(family: str, **changes):
    base = seed_page(0, family=family)
    return clean_page(render(base), url=URL), clean_page(render(base.with_chrome(**changes)), url=URL), base


def _assert_same(a, b, raw_a: bytes, raw_b: bytes):
    assert raw_a != raw_b  # the fetches really differ
    assert a.normalized_text == b.normalized_text
    assert a.digest == b.digest
    assert a.normalized_text  # and the digest is not the digest of nothing


@pytest.mark.parametrize("family", FAMILIES)
def test_visit_counter(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(visits=98765)
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_clock(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(clock="2026-11-22 08:30:59")
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_related_links(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(related=("《关于开展2026年政务公开第三方评估的通知》", "《平潭综合实验区2024年报告》", "《第三条》"))
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_share_widgets(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(share="weibo,qzone,douban")
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_script_nonce(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(nonce="Zz9-other-nonce-771")
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_all_chrome_varying_at_once(family):
    base = seed_page(0, family=family)
    other = base.with_chrome(visits=5, clock="2030-01-01 00:00:00", related=(), share="", nonce="x")
    _assert_same(clean_page(render(base)), clean_page(render(other)), render(base), render(other))


@pytest.mark.parametrize("family", FAMILIES)
def test_one_number_in_a_table_changes_digest(family):
    base = seed_page(0, family=family)
    changed = seed_page(0, family=family, table=report_table(474))
    a, b = clean_page(render(base)), clean_page(render(changed))
    assert a.digest != b.digest
    assert "| 474 |" in b.content_text.replace("|  | 474", "| 474")


def test_digest_is_sha256_of_normalized_text_and_whitespace_insensitive():
    r = clean_page(render(seed_page(0)))
    import hashlib

    assert r.digest == hashlib.sha256(r.normalized_text.encode()).hexdigest()
    assert digest_text(r.content_text) == r.digest
    assert digest_text(r.content_text.replace("，", "，  ").replace("\n", "\n\n ")) == r.digest
    assert Chrome().visits == 87319
