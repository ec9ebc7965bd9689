"""OFD reader (ZIP of XML): lines rebuilt from TextCode positions; hostile packages refused."""

from __future__ import annotations

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract
from tests.parsing.fixtures_extract import make_ofd

PAGES = [
    [  # runs deliberately out of order; the second line has two runs on the same baseline
        (60.0, 40.0, "行政事业性收费"), (20.0, 20.0, "某某局2024年政府信息公开工作年度报告"),
        (20.0, 40.0, "信息内容"), (120.0, 40.0, "62.55"), (100.0, 280.0, "1"),
    ],
    [(20.0, 20.0, "六、其他需要报告的事项"), (20.0, 30.0, "结转下年度继续办理")],
]


def test_ofd_lines_by_y_then_x_and_pages():
    doc = extract(make_ofd(PAGES), filename="r.ofd")
    assert doc.source_format == "ofd" and not doc.needs_ocr
    assert [(b.page, b.text) for b in doc.blocks] == [
        (1, "某某局2024年政府信息公开工作年度报告"),
        (1, "信息内容 行政事业性收费 62.55"),
        (2, "六、其他需要报告的事项"),
        (2, "结转下年度继续办理"),
    ]  # the bare "1" at the page bottom is a page number


def test_ofd_sniffed_despite_wrong_name():
    doc = extract(make_ofd(PAGES), filename="r.zip", content_type="application/octet-stream")
    assert doc.source_format == "ofd"


def test_ofd_entity_declarations_refused():
    with pytest.raises(ExtractionError) as err:
        extract(make_ofd(PAGES, doctype=True))
    assert err.value.code == "xml_entities"


def test_ofd_page_limit():
    with pytest.raises(ExtractionError) as err:
        extract(make_ofd(PAGES), limits=Limits(max_pages=1))
    assert err.value.code == "too_many_pages" and "2 pages" in err.value.reason


def test_ofd_without_text_needs_ocr():
    doc = extract(make_ofd([[]]))
    assert doc.needs_ocr and doc.blocks == ()
