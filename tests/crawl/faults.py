"""A Scrapy extension that injects a storage fault into a real crawl after N stored documents.

Enabled by the fault tests with ``-s EXTENSIONS={"tests.crawl.faults.FaultInjector": 0}
-s TEST_FAULT=<kind> -s TEST_FAULT_AFTER=<n>``. Kinds:

- ``db_readonly``: every connection of the process becomes ``PRAGMA query_only`` (SQLite then
  answers writes with "attempt to write a readonly database", as for a read-only file);
- ``db_full``: ``PRAGMA max_page_count`` pinned to the current size (SQLite's own SQLITE_FULL,
  "database or disk is full");
- ``db_deleted``: the database file (and its WAL) unlinked under the running crawl;
- ``blob_full``: every blob write fails with ENOSPC;
- ``blob_unusable``: the blob directory moved aside and a plain file put in its place.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

from scrapy import signals
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from pipelines.storage.blobs import FileBlobStore


def _every_write(pragma: str) -> None:
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        dbapi = cursor.connection
        if pragma == "full":
            pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
            dbapi.execute(f"PRAGMA max_page_count={pages}")
        else:
            dbapi.execute("PRAGMA query_only=1")
    event.listen(Engine, "before_cursor_execute", before)


class FaultInjector:
    def __init__(self, crawler: Any) -> None:
        self.settings = crawler.settings
        self.kind = crawler.settings["TEST_FAULT"]
        self.after = crawler.settings.getint("TEST_FAULT_AFTER", 0)
        self.count = 0
        self.done = False
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FaultInjector:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        if self.after == 0:
            self.inject()

    def item_scraped(self, item: Any, spider: Any) -> None:
        if getattr(item, "sha256", None) is None:
            return
        self.count += 1
        if self.count >= self.after:
            self.inject()

    def inject(self) -> None:
        if self.done:
            return
        self.done = True
        database = Path(make_url(self.settings["HARVEST_DATABASE_URL"]).database or "")
        blobs = Path(self.settings["HARVEST_BLOB_DIR"])
        if self.kind == "db_readonly":
            _every_write("readonly")
        elif self.kind == "db_full":
            _every_write("full")
        elif self.kind == "db_deleted":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        elif self.kind == "blob_full":
            def full(store: FileBlobStore, data: bytes) -> str:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(store.root))
            FileBlobStore.put = full  # type: ignore[method-assign]
        elif self.kind == "blob_unusable":
            if blobs.is_file():  # done by another crawler of the same run
                return
            blobs.mkdir(parents=True, exist_ok=True)
            blobs.rename(blobs.with_name(blobs.name + ".aside"))
            blobs.write_text("not a directory\n")
        else:
            raise ValueError(f"unknown fault {self.kind!r}")
