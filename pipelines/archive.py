"""First pipeline stage: archive the raw bytes before anything else touches them.

Settings: HARVEST_BLOB_DIR. Stats: harvest/archive/bytes, harvest/archive/documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from crawler.items import FetchedDocument
from pipelines.storage.blobs import BlobStore

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class RawArchivePipeline:
    def __init__(self, crawler: Crawler, blobs: BlobStore) -> None:
        self.crawler = crawler
        self.blobs = blobs

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, BlobStore(crawler.settings["HARVEST_BLOB_DIR"]))

    def process_item(self, item: object) -> object:
        if not isinstance(item, FetchedDocument):
            return item
        item.sha256 = self.blobs.put(item.body)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("harvest/archive/documents")
        stats.inc_value("harvest/archive/bytes", len(item.body))
        return item
