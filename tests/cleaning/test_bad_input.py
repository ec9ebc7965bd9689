"""Bad input: a clear flag with the reason, bounded time, never an exception."""

import time

import pytest

from pipelines.cleaning import clean_page
from pipelines.cleaning import patterns as P
from portalsim.pages import render, seed_page


def test_no_container_falls_back_and_is_flagged():
    prose = "".join(f"<div><div>第{i}段：本单位认真做好各项工作，持续推进信息发布和解读回应工作，取得积极成效。</div></div>"
                    for i in range(12))
    html = f"<html><body><div class='nav'>首页 机构概况</div><div class='wrap'>{prose}</div></body></html>"
    r = clean_page(html.encode(), url="http://x.gov.cn/a.html")
    assert "no_container" in r.flags and r.container in ("trafilatura", "body")
    assert "第3段：本单位认真做好各项工作" in r.content_text
    assert any("no content container" in w and "http://x.gov.cn/a.html" in w for w in r.warnings)


def _nested_tables(target_bytes: int) -> bytes:
    cell = "<p>一、总体情况</p><p>" + "数据" * 40 + "</p>"
    depth, chunks = 200, []
    block = "<table><tr><td>" * depth + cell + "</td></tr></table>" * depth
    while sum(map(len, chunks)) < target_bytes:
        chunks.append(block)
    return ("<html><body>" + "".join(chunks) + "</body></html>").encode()


def test_five_megabyte_nested_tables_bounded_time():
    body = _nested_tables(5 * 1024 * 1024)
    assert len(body) >= 5 * 1024 * 1024
    t0 = time.perf_counter()
    r = clean_page(body)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed
    assert "too_large" not in r.flags and r.content_text


def test_over_cap_is_flagged_too_large():
    body = b"<html><body><div id='zoom'><p>" + b"x" * (P.MAX_INPUT_BYTES + 10) + b"</p></div></body></html>"
    r = clean_page(body)
    assert "too_large" in r.flags
    assert any("bytes, only the first" in w for w in r.warnings)
    # only the first MAX_INPUT_BYTES were read: what comes out cannot be longer (speed is bench/clean.py's job)
    assert 0 < len(r.content_text) <= P.MAX_INPUT_BYTES


def test_header_says_utf8_bytes_are_gbk():
    r = clean_page(render(seed_page(0, charset="gbk", meta_charset="utf-8")),
                   headers={"Content-Type": "text/html; charset=utf-8"})
    assert r.encoding == "gb18030" and "charset_mismatch" in r.flags
    assert "一、总体情况" in r.content_text
    assert any("does not match the bytes" in w for w in r.warnings)


def test_meta_says_gbk_bytes_are_utf8():
    r = clean_page(render(seed_page(0, charset="utf-8", meta_charset="gbk")))
    assert r.encoding == "utf-8" and "charset_mismatch" in r.flags and "一、总体情况" in r.content_text


def test_header_latin1_bytes_gbk():
    r = clean_page(render(seed_page(0, charset="gb18030", meta_charset="iso-8859-1")),
                   headers={"content-type": "text/html; charset=ISO-8859-1"})
    assert r.encoding == "gb18030" and "charset_mismatch" in r.flags and "一、总体情况" in r.content_text


def test_header_and_meta_disagree_bytes_decide():
    r = clean_page(render(seed_page(0, charset="utf-8", meta_charset="utf-8")),
                   headers={"Content-Type": "text/html; charset=gb2312"})
    assert r.encoding == "utf-8" and any("disagree" in w for w in r.warnings)


def test_script_only_body():
    body = b"<html><head><title>x</title></head><body><script>var $_ts={};$_ts.cd='abc';</script></body></html>"
    r = clean_page(body, url="http://x.gov.cn/t.html")
    assert "script_only" in r.flags and r.content_text == "" and r.container == "none"
    assert any("<script> only" in w for w in r.warnings)


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\xff\xfe\x00garbage\x81", b"<", b"<html></html>",
                                  "<p>not bytes</p>", None, b"<?xml version='1.0' encoding='gbk'?><a>b</a>",
                                  b"<html><body><table><tr><td rowspan='999999999' colspan='9999'>x</td></tr></table></body></html>"])
def test_garbage_never_raises(body):
    r = clean_page(body)
    assert r.digest and isinstance(r.flags, frozenset)
    if not r.content_text:
        assert r.flags & {"empty", "script_only", "parse_error", "no_container"}


def test_image_only_report_is_flagged():
    imgs = "".join(f'<p><img src="./W02025010312345{i}.jpg" OLDSRC="W0.jpg"></p>' for i in range(6))
    html = f"<html><body><h1>某区2024年政府信息公开工作年度报告（图片版）</h1><div class='TRS_Editor'>{imgs}</div></body></html>"
    r = clean_page(html.encode())
    assert "image_only" in r.flags and any("needs OCR" in w for w in r.warnings)
    r = clean_page(b"<html><body><img src='a.png'></body></html>")
    assert "image_only" in r.flags and "script_only" not in r.flags
