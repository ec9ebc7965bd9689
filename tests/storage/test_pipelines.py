"""The archive → parse → store stages, built from a crawler as Scrapy builds them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

import pipelines.report as report_stage
from crawler.items import FetchedDocument
from pipelines.archive import RawArchivePipeline
from pipelines.storage.blobs import FileBlobStore
from pipelines.storage.pipeline import StoragePipeline


def _crawler(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    return get_crawler(settings_dict={
        "HARVEST_DATABASE_URL": db_url,
        "HARVEST_BLOB_DIR": str(tmp_path / "blobs"),
    })


def test_parser_crash_is_stored_as_failure_and_bytes_kept(tmp_path: Path, db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def exploding(body, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("table grid out of range")

    monkeypatch.setattr(report_stage, "parse_document", exploding)
    crawler = _crawler(tmp_path, db_url)
    body = "<html><body>一、总体情况</body></html>".encode()
    item = FetchedDocument(url="http://127.0.0.1/r.html", final_url="http://127.0.0.1/r.html",
                           status=200, body=body, fetched_at=datetime.now(UTC),
                           content_type="text/html; charset=utf-8")
    archive = build_from_crawler(RawArchivePipeline, crawler)
    archive.process_item(item)
    item.parse_result = report_stage.parse_to_json(item.body, item.content_type, item.filename)
    assert item.parse_result["status"] == "failed"
    assert "RuntimeError: table grid out of range" in item.parse_result["reason"]

    storage = build_from_crawler(StoragePipeline, crawler)
    storage.process_item(item)
    counts = storage.store.counts()
    assert counts["reports_failed"] == 1 and counts["documents"] == 1
    assert FileBlobStore(tmp_path / "blobs").get(item.sha256 or "") == body

