"""Failures to archive or store a document: one line naming it, counted, and the run stopped when
storing further is pointless (issue 15).

A pipeline stage that cannot archive or store a document calls :func:`reject`: it logs one line
``cannot store <url> (sha256=…, N bytes): <reason>`` (never the body), counts
``harvest/errors/<stage>``, remembers the first reason in the ``harvest/storage/failure`` stat
(the run command prints it as the run's one-line reason and exits 3) and, for failures that will
not go away by themselves (the database unwritable, full or gone, the blob store unusable), closes
the spider with reason :data:`STORAGE_FAILED`. The item is then dropped quietly.

:class:`DatabaseWatch` notices an SQLite file deleted or replaced under a running crawl (SQLite
keeps writing to the unlinked inode, so nothing else would).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from pipelines.storage.blobs import sha256_hex

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: reason the spider is closed with when storing cannot go on; crawl_runs.status ``failed``
STORAGE_FAILED = "storage_failed"
#: stat holding the first failure's one-line message
FAILURE_STAT = "harvest/storage/failure"
#: stat prefix of documents that could not be archived (``archive``) or stored (``store``)
ERROR_STATS = ("harvest/errors/archive", "harvest/errors/store")


class DatabaseGone(RuntimeError):
    """The database file was deleted or replaced while the crawl was writing to it."""


def describe(doc: Any) -> str:
    """``<url> (sha256=…, N bytes)``: the document named, without its body."""
    body = getattr(doc, "body", b"") or b""
    digest = getattr(doc, "sha256", None) or sha256_hex(body)
    return f"{getattr(doc, 'url', '?')} (sha256={digest}, {len(body)} bytes)"


def reason_of(exc: BaseException) -> str:
    """A one-line reason: the driver's message for database errors, strerror and file for OS errors."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig)
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    lines = text.strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def is_fatal(exc: BaseException) -> bool:
    """True when further documents would fail the same way: the database unwritable, full or gone
    (after the transient retries), or the blob store unusable (no space, read-only, not a directory)."""
    return isinstance(exc, OperationalError | DatabaseGone | OSError)


def reject(crawler: Crawler, stage: str, doc: Any, exc: BaseException) -> DropItem:
    """Log, count and (if fatal) stop the run for a document that could not be archived/stored.

    Returns the quiet DropItem to raise. After the first fatal failure of a crawler, later
    documents are dropped without another line: the run is closing.
    """
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(f"harvest/errors/{stage}")
    verb = "archive" if stage == "archive" else "store"
    message = f"cannot {verb} {describe(doc)}: {reason_of(exc)}"
    already = stats.get_value(FAILURE_STAT)
    if not (already and stopping(crawler)):
        logger.error(message)
    if not already:
        stats.set_value(FAILURE_STAT, message)
    if is_fatal(exc):
        stop(crawler)
    return DropItem(f"not {verb}d: {describe(doc)}", log_level="DEBUG")


def skip(crawler: Crawler, stage: str, doc: Any) -> DropItem:
    """Count a document left unstored because the run is closing on a fatal failure (no line)."""
    stats = crawler.stats
    assert stats is not None
    stats.inc_value(f"harvest/errors/{stage}")
    return DropItem(f"not stored, the run is closing: {describe(doc)}", log_level="DEBUG")


def stop(crawler: Crawler) -> None:
    """Close the crawler's spider with :data:`STORAGE_FAILED` (once)."""
    if getattr(crawler, "_harvest_storage_stopping", False) or crawler.engine is None:
        return
    crawler._harvest_storage_stopping = True  # type: ignore[attr-defined]
    deferred = deferred_from_coro(crawler.engine.close_spider_async(reason=STORAGE_FAILED))
    deferred.addErrback(lambda failure: logger.error("could not close the spider: %s",
                                                     failure.getErrorMessage()))


def stopping(crawler: Crawler) -> bool:
    """True once a fatal storage failure closes the crawler: drop further items without a word."""
    return bool(getattr(crawler, "_harvest_storage_stopping", False))


class DatabaseWatch:
    """The SQLite file a crawl opened, by device and inode (nothing to watch for other backends)."""

    def __init__(self, url: str) -> None:
        self.path: Path | None = None
        self.identity: tuple[int, int] | None = None
        try:
            parsed = make_url(url)
        except ArgumentError:
            return
        if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:" \
                and not parsed.database.startswith("file:"):
            self.path = Path(parsed.database)
            self.identity = self._identity()

    def _identity(self) -> tuple[int, int] | None:
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def check(self) -> None:
        """Raise :class:`DatabaseGone` if the file is no longer the one opened."""
        if self.path is None:
            return
        now = self._identity()
        if self.identity is None:  # created by the first connection after this watch began
            self.identity = now
            return
        if now != self.identity:
            state = "deleted" if now is None else "replaced"
            raise DatabaseGone(f"database file {self.path} was {state} during the run")
