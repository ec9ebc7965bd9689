"""Helpers shared by the project's Scrapy commands."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from crawler.config import get_config
from pipelines.storage.db import check_connection, make_engine, upgrade_to_head
from pipelines.storage.store import ReportStore

if TYPE_CHECKING:
    from scrapy.settings import Settings


def open_store(url: str) -> ReportStore:
    """A store on ``url`` migrated to head; raises DatabaseUnavailable naming the redacted URL."""
    engine = make_engine(url, pool_size=get_config().db_pool_size)
    check_connection(engine)
    upgrade_to_head(url)
    return ReportStore(engine)


def quiet_unless_asked(settings: Settings, opts: argparse.Namespace) -> None:
    """Commands print their own answer: keep Scrapy's log (its start-up lines included) to warnings
    unless -L/--loglevel was given. Set at command-line priority, above the project's LOG_LEVEL."""
    if not getattr(opts, "loglevel", None):
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
