"""The four places that turn page bytes into text — the spiders, platform detection, the cleaner
and the document extractor — decode a tricky body identically (pipelines.decoding)."""

from __future__ import annotations

import codecs

import pytest

from crawler.platforms import _text_of
from crawler.spiders.links import decode_body as spider_decode
from pipelines.cleaning.encoding import decode_body as cleaner_decode
from pipelines.decoding import CHARSET_ALIASES, GB_ALIASES, canonical_charset, decode
from pipelines.parsing.extract.text import charset_from_content_type, decode_text

# U+20000 and U+9FA6 exist in GB18030 only (not in GB2312 or GBK)
GB18030_ONLY = "𠀀䶮鿦"
REPORT = "某区2023年政府信息公开工作年度报告：一、总体情况"


def _page(meta: str, text: str) -> str:
    return f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={meta}"></head>' \
           f"<body><p>{text}</p></body></html>"


CASES = [
    # (id, body, Content-Type header or None, expected text)
    ("meta gb2312, GB18030-only characters",
     _page("gb2312", GB18030_ONLY + REPORT).encode("gb18030"), None, _page("gb2312", GB18030_ONLY + REPORT)),
    ("header gbk, GB18030-only characters",
     _page("gbk", GB18030_ONLY + REPORT).encode("gb18030"), "text/html; charset=GBK",
     _page("gbk", GB18030_ONLY + REPORT)),
    ("UTF-8 BOM, header says gbk",
     codecs.BOM_UTF8 + _page("utf-8", REPORT).encode("utf-8"), "text/html; charset=gbk", _page("utf-8", REPORT)),
    ("UTF-16 BOM, header says utf-8",
     codecs.BOM_UTF16_LE + _page("utf-16", REPORT).encode("utf-16-le"), "text/html; charset=utf-8",
     _page("utf-16", REPORT)),
    ("header says utf-8, bytes are GBK",
     _page("gbk", REPORT).encode("gbk"), "text/html; charset=UTF-8", _page("gbk", REPORT)),
    ("meta says utf-8, bytes are GBK",
     _page("utf-8", REPORT).encode("gbk"), None, _page("utf-8", REPORT)),
    ("meta says gb2312, bytes are UTF-8",
     _page("gb2312", REPORT).encode("utf-8"), "text/html", _page("gb2312", REPORT)),
    ("header latin-1, bytes are GB18030",
     _page("iso-8859-1", REPORT).encode("gb18030"), "text/html; charset=ISO-8859-1", _page("iso-8859-1", REPORT)),
]


@pytest.mark.parametrize(("body", "content_type", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_four_callers_decode_identically(body: bytes, content_type: str | None, expected: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    got = {
        "spider": spider_decode(body, content_type),
        "cleaner": cleaner_decode(body, headers).text,
        "extractor": decode_text(body, charset_from_content_type(content_type), "html")[0],
        "one decoder": decode(body, content_type).text,
        # platform detection reads the body alone: in every case here the header either agrees with
        # the body or is overruled by it (BOM, bytes that contradict it)
        "platform detection": _text_of(body),
    }
    assert got == {name: expected for name in got}


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "GB18030", "euc-cn"])
def test_gb_aliases_are_gb18030(label: str) -> None:
    assert canonical_charset(label) == "gb18030"
    assert charset_from_content_type(f"text/plain; charset={label}") == "gb18030"


def test_one_alias_table() -> None:
    assert all(CHARSET_ALIASES[name] == "gb18030" for name in GB_ALIASES)
