"""Reports published as pictures in an HTML page (图片版, issue 13): which pictures are pages, the
crawl's deferral, and bad pictures (logos, QR codes, corrupt, huge) that never yield cells.
The whole path over the farm (crawl → archive → reparse → cells) is tests/crawl/test_picture_pages.py."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from pipelines import parsing
from pipelines.parsing import parse_document
from pipelines.parsing.extract import ocr
from pipelines.parsing.types import Block, Cell, ExtractedDocument
from pipelines.pictures import MAX_PICTURES, picture_urls
from pipelines.report import parse_to_json
from portalsim.bodies import png_header

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "picture_page_2021" / "body.html"
HTML = "text/html; charset=utf-8"
needs_ocr_extra = pytest.mark.skipif(not ocr.available(), reason=ocr.missing_reason())


def _png(width: int, height: int, grey: int = 255) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), grey).save(out, format="PNG")
    return out.getvalue()


def _pictures(*bodies: bytes) -> list[tuple[str, bytes]]:
    return [(hashlib.sha256(b).hexdigest(), b) for b in bodies]


def test_picture_urls_keep_page_pictures_in_order_and_skip_logos_qr_codes_and_icons() -> None:
    html = """<div id="zoom">
      <img src="logo.png"><img src="/upload/W0201.png" width="600"><img src="data:image/png;base64,AAAA">
      <img src="ewm.jpg"><img src="/upload/x.jpg" alt="二维码"><img src="/i/icon_print.gif">
      <img src="/upload/tiny.png" width="32" height="32"><img src="/upload/W0202.jpg">
      <img src="/upload/W0201.png"><img src="javascript:void(0)"><img class="qrcode" src="/a.png"></div>"""
    assert picture_urls(html, "http://gov.example/art/1.html") == [
        "http://gov.example/upload/W0201.png", "http://gov.example/upload/W0202.jpg"]
    many = "".join(f'<img src="/p/{k}.png">' for k in range(MAX_PICTURES + 20))
    assert len(picture_urls(many, "http://gov.example/")) == MAX_PICTURES


def test_picture_urls_take_a_lazy_loaded_picture_not_its_placeholder() -> None:
    html = ('<div><img src="/images/loading.gif" data-original="p1.png">'
            '<img src="data:image/gif;base64,R0lGOD" data-src="p2.jpg"><img src="p3.png"></div>')
    assert picture_urls(html, "http://127.0.0.1/art/2022/") == [
        "http://127.0.0.1/art/2022/p1.png", "http://127.0.0.1/art/2022/p2.jpg", "http://127.0.0.1/art/2022/p3.png"]


def test_the_crawl_reads_a_picture_page_without_its_pictures_and_defers_it() -> None:
    crawl = parse_to_json(PAGE.read_bytes(), HTML, "picture.html", None, False)
    assert crawl["status"] == "needs_ocr" and "图片版" in crawl["reason"]
    assert "scrapy reparse --status needs_ocr" in crawl["reason"]
    # the version without OCR: `scrapy reparse --status needs_ocr` selects it
    assert crawl["parser_version"] == parsing.BASE_PARSER_VERSION
    assert not crawl["cells"]


def test_without_the_extra_a_picture_page_names_it(monkeypatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    result = parse_document(PAGE.read_bytes(), content_type=HTML, filename="picture.html",
                            pictures=_pictures(_png(1240, 1750)))
    assert result.status == "needs_ocr" and "pip install -e '.[ocr]'" in result.reason


def test_a_page_with_no_archived_pictures_stays_needs_ocr_and_says_so() -> None:
    result = parse_document(PAGE.read_bytes(), content_type=HTML, filename="picture.html", pictures=[])
    assert result.status == "needs_ocr"
    assert "none archived" in " ".join(result.warnings)
    assert result.parser_version == parsing.PARSER_VERSION  # read as it can be: not selected again


@needs_ocr_extra
def test_logos_qr_codes_corrupt_and_huge_pictures_yield_no_cells_and_say_why() -> None:
    pictures = _pictures(_png(180, 60), _png(430, 430), b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 40,
                         png_header(20_000, 20_000), b"<html>not a picture</html>")
    result = parse_document(PAGE.read_bytes(), content_type=HTML, filename="picture.html", pictures=pictures)
    assert result.status == "needs_ocr"
    assert not getattr(result, "cells", None)
    said = " ".join(result.warnings)
    assert "picture 1: 180×60 pixels is no page of a report" in said
    assert "picture 2: 430×430 pixels is no page of a report" in said
    assert "picture 3: corrupt" in said
    assert "picture 4: 20000×20000 pixels exceeds max_image_pixels" in said
    assert f"picture 5 (sha256 {pictures[4][0]}): not an image" in said
    assert "OCR read nothing" in result.reason


@needs_ocr_extra
def test_a_blank_page_sized_picture_is_read_and_invents_nothing() -> None:
    result = parse_document(PAGE.read_bytes(), content_type=HTML, filename="picture.html",
                            pictures=_pictures(_png(620, 877, grey=250)))
    assert result.status == "needs_ocr" and not getattr(result, "cells", None)
    assert "no text recognised in the pictures" in " ".join(result.warnings)


def test_a_cell_read_from_a_picture_names_the_picture_in_its_provenance() -> None:
    doc = ExtractedDocument(
        blocks=(Block(kind="text", text="标题"),
                Block(kind="table", rows=(("a", "5"),), page=2, scores=((0.99, 0.97),))),
        source_format="html", ocr=True, picture_sources=("aa" * 32, "bb" * 32))
    cells = {"x.n": Cell(raw="5", value=5, semantic="NUMERIC",
                         provenance={"block": 1, "table": 0, "row": 0, "col": 1, "page": 2})}
    out = ocr.with_confidence(doc, cells)["x.n"]
    assert out.provenance == {"block": 1, "table": 0, "row": 0, "col": 1, "page": 2, "picture": "bb" * 32}
    assert out.confidence == 0.97
