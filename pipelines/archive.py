"""First pipeline stage: archive the raw bytes before anything else touches them.

A multi-page article's first page carries its other pages (``article_pages``), each also yielded
as an item of its own: a page is archived by whichever item reaches this stage first.

A document whose bytes cannot be written (disk full, blob directory unusable, the S3 endpoint
refusing or unreachable after the retries) is not passed on, so it is never parsed or stored:
one line names it, ``harvest/errors/archive`` counts it and the run is closed as failed
(:mod:`pipelines.storage.faults`).

Settings: HARVEST_BLOB_URL or HARVEST_BLOB_DIR (:func:`pipelines.storage.blobs.blob_store_from_settings`).
Stats: harvest/archive/bytes, harvest/archive/documents, harvest/errors/archive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from crawler.items import FetchedDocument
from pipelines.storage import faults
from pipelines.storage.blobs import BlobStore, blob_store_from_settings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RawArchivePipeline:
    def __init__(self, crawler: Crawler, blobs: BlobStore) -> None:
        self.crawler = crawler
        self.blobs = blobs

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, blob_store_from_settings(crawler.settings))

    def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedDocument):
            return item
        stats = self.crawler.stats
        assert stats is not None
        if faults.stopping(self.crawler):
            raise faults.skip(self.crawler, "archive", item)
        # a multi-page article's other pages are yielded as parts of their own too: whichever
        # item reaches this stage first archives a page (the other finds its sha256 set)
        for doc in (item, *item.article_pages):
            if doc.sha256:
                continue
            try:
                doc.sha256 = self.blobs.put(doc.body)
            except OSError as exc:
                raise faults.reject(self.crawler, "archive", doc, exc) from exc
            stats.inc_value("harvest/archive/documents")
            stats.inc_value("harvest/archive/bytes", len(doc.body))
        return item
