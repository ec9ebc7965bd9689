"""``scrapy reparse [--province P] [--status S] [--below-version V]``: parse the archive again.

The current parser reads every stored document again from its archived bytes (no network; see
:mod:`pipelines.reparse`): versions and logical reports are recomputed, every version kept, and
the parser version recorded, so a second run (or a run after ``kill -9``) skips what is done.
``--below-version V`` reads the documents last read by a parser older than V (default: the
current parser's version); ``--status`` keeps documents of one parse status; ``--province`` one
province's seeds. A progress bar on a terminal, plain progress lines otherwise; the last line is
``documents= reparsed= changed= failed= duration_s=``. Exit code 1 when a document's archived
bytes are missing (reported by report id; the run goes on), 2 when the database is unavailable.
"""

from __future__ import annotations

import argparse
import sys
import time

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import fail, open_store, quiet_unless_asked
from pipelines.reparse import STATUSES, ReparseStats, reparse, select_documents
from pipelines.storage.blobs import blob_store_from_settings
from pipelines.storage.db import DatabaseUnavailable

BAR_WIDTH = 30
PLAIN_EVERY_S = 5.0


class Progress:
    """A redrawn bar on a terminal; a plain line every few seconds (and at the end) otherwise."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.last = 0.0

    def __call__(self, stats: ReparseStats) -> None:
        done = stats.reparsed + stats.failed
        figures = f"{done}/{stats.documents} changed={stats.changed} failed={stats.failed}"
        if self.tty:
            filled = BAR_WIDTH * done // max(stats.documents, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {figures}")
            if done == stats.documents:
                sys.stderr.write("\n")
            sys.stderr.flush()
            return
        now = time.monotonic()
        if now - self.last >= PLAIN_EVERY_S or done == stats.documents:
            self.last = now
            print(f"reparse: {figures}", file=sys.stderr, flush=True)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--province P] [--status S] [--below-version V]"

    def short_desc(self) -> str:
        return "Parse the archived documents again with the current parser (no network)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", help="only documents of this province's seeds (e.g. 北京)")
        parser.add_argument("--status", choices=STATUSES, help="only documents of this parse status")
        parser.add_argument("--below-version", dest="below_version",
                            help="documents last read by a parser older than this (default: the current one)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError("reparse takes no positional arguments")
        try:
            store = open_store(self.settings["HARVEST_DATABASE_URL"])
        except DatabaseUnavailable as exc:
            fail(str(exc))
            self.exitcode = 2
            return
        blobs = blob_store_from_settings(self.settings)
        ids = select_documents(store, province=opts.province, status=opts.status,
                               below_version=opts.below_version)
        stats = reparse(store, blobs, ids, progress=Progress(sys.stderr.isatty()),
                        problem=lambda message: print(f"reparse: {message}", file=sys.stderr))
        store.engine.dispose()
        print(stats.summary())
        if stats.failed:
            self.exitcode = 1
