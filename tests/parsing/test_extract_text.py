"""Plain-text reading and decoding (pipelines.parsing.extract.text)."""

from __future__ import annotations

import os
import time

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract
from tests.parsing.fixtures_extract import seed

SEEDS = ["seed_000_layout_a.txt", "seed_001_layout_b.txt", "seed_002_layout_b.txt",
         "seed_003_layout_c.txt", "seed_004_layout_d.txt"]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_layouts_stay_text_lines_verbatim(name):
    raw = seed(name)
    doc = extract(raw, filename=name)
    assert doc.source_format == "text"
    # Flattened layouts A–D are never rebuilt into grids here (the semantic layer reads them).
    assert [b.kind for b in doc.blocks] == ["text"] * len(doc.blocks)
    lines = raw.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    assert [b.text for b in doc.blocks] == [l.rstrip("\r") for l in lines]


def test_layout_c_keeps_tabs_and_blank_lines():
    doc = extract(seed("seed_003_layout_c.txt"))
    texts = [b.text for b in doc.blocks]
    assert "" in texts  # blank lines separate rows in layout C
    assert any(t.startswith("\t") and t.strip() for t in texts)  # tab-indented cell lines


def test_markdown_table_becomes_grid():
    text = "标题\n| 信息内容 | 本年制发件数 | 现行有效件数 |\n|---|:---:|---|\n| 规章 | 0 | 3 |\n| 规范性文件 |  | 12 |\n结尾\n"
    doc = extract(text.encode("utf-8"))
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["text", "table", "text"]
    assert doc.blocks[1].rows == (("信息内容", "本年制发件数", "现行有效件数"), ("规章", "0", "3"),
                                  ("规范性文件", "", "12"))


def test_ragged_pipe_lines_stay_text():
    # Layout like e002: "cell |" per line — not a table.
    text = "行政许可 |\n0 |\n|\n行政处罚 |\n3 |\n"
    doc = extract(text.encode("utf-8"))
    assert all(b.kind == "text" for b in doc.blocks)


def test_rectangular_tab_block_becomes_table_but_ragged_does_not():
    rect = "表\n名称\t本年\t上年\n规章\t1\t2\n文件\t3\t4\n完\n"
    doc = extract(rect.encode("utf-8"))
    assert [b.kind for b in doc.blocks] == ["text", "table", "text"]
    assert doc.blocks[1].rows[2] == ("文件", "3", "4")
    ragged = "名称\t本年\t上年\n\t规章\t1\t2\n文件\t3\n"
    doc = extract(ragged.encode("utf-8"))
    assert all(b.kind == "text" for b in doc.blocks)


def test_gb18030_bytes_labelled_utf8_decode_with_warning():
    text = "某某局2023年政府信息公开工作年度报告\n一、总体情况\n"
    doc = extract(text.encode("gbk"), content_type="text/plain; charset=utf-8")
    assert doc.blocks[0].text == "某某局2023年政府信息公开工作年度报告"
    assert any("not valid UTF-8" in w and "GB18030" in w for w in doc.warnings)


def test_gb2312_label_is_gb18030():
    text = "𠀀扩展字符与政府信息公开"  # outside GBK: only GB18030 encodes it
    doc = extract(text.encode("gb18030"), content_type="text/plain; charset=gb2312")
    assert doc.blocks[0].text == text
    assert doc.warnings == ()


def test_bom_utf16():
    doc = extract(b"\xff\xfe" + "年度报告\n第二行".encode("utf-16-le"))
    assert [b.text for b in doc.blocks] == ["年度报告", "第二行"]


def test_mixed_encodings_decoded_per_line_with_warning():
    body = "第一行是UTF-8编码的政府信息公开\n".encode("utf-8") + "第二行是GBK编码的年度报告".encode("gbk") + b"\n"
    doc = extract(body)
    assert [b.text for b in doc.blocks] == ["第一行是UTF-8编码的政府信息公开", "第二行是GBK编码的年度报告"]
    assert any("mixed encodings" in w for w in doc.warnings)


def test_empty_and_whitespace_inputs():
    with pytest.raises(ExtractionError) as err:
        extract(b"")
    assert err.value.code == "empty"
    with pytest.raises(ExtractionError) as err:
        extract(b"   \n\t\n")
    assert err.value.code == "empty"


def test_random_bytes_rejected_quickly():
    body = os.urandom(200_000)
    start = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract(body, filename="report.txt")
    assert time.monotonic() - start < 5
    assert err.value.code in ("binary", "corrupt", "encoding")
    assert err.value.reason


def test_size_limit_checked_before_parsing():
    body = b"x" * 2048
    with pytest.raises(ExtractionError) as err:
        extract(body, limits=Limits(max_bytes=1024))
    assert err.value.code == "too_large"
    assert "2048" in err.value.reason and "max_bytes=1024" in err.value.reason


@pytest.mark.parametrize("name", SEEDS)
def test_long_gb18030_text_is_not_mistaken_for_mixed(name):
    text = seed(name).decode("utf-8")
    doc = extract(text.encode("gb18030"))
    assert "\n".join(b.text for b in doc.blocks) == (text[:-1] if text.endswith("\n") else text)
    assert not any("mixed" in w for w in doc.warnings)


def test_declared_big5_is_honoured():
    text = "政府資訊公開年報"
    doc = extract(text.encode("big5"), content_type="text/plain; charset=big5")
    assert doc.blocks[0].text == text
