"""``scrapy export --out DIR [--format csv|parquet|sqlite] [--province P] [--since YEAR] [--force]``.

Writes the harvest as a Frictionless Data Package (:mod:`pipelines.export`): tables ``reports``,
``panel``, ``cells``, ``checks``, ``sections``, ``versions``, ``documents`` and
``datapackage.json``. A non-empty DIR is refused unless ``--force``; the export is written aside
and moved into place whole. Last line: ``tables=… rows=… duration_s=…``. Exit code 1 when DIR is
refused, 2 when the database is unavailable.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import fail, open_store, quiet_unless_asked
from pipelines.export import FORMATS, ExportRefused, export
from pipelines.export.tables import Filters
from pipelines.storage.blobs import blob_store_from_settings
from pipelines.storage.db import DatabaseUnavailable


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "--out DIR [--format csv|parquet|sqlite] [--province P] [--since YEAR] [--force]"

    def short_desc(self) -> str:
        return "Export the database as a documented data package (CSV, Parquet or SQLite)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--out", required=True, help="output directory")
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
        parser.add_argument("--province", help="only reports of this province's seeds (e.g. 北京)")
        parser.add_argument("--since", type=int, help="only reports of this year and later")
        parser.add_argument("--force", action="store_true", help="replace a non-empty output directory")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError("export takes no positional arguments")
        started = time.monotonic()
        try:
            store = open_store(self.settings["HARVEST_DATABASE_URL"])
        except DatabaseUnavailable as exc:
            fail(str(exc))
            self.exitcode = 2
            return
        try:
            counts = export(store.engine, Path(opts.out), fmt=opts.fmt, force=opts.force,
                            filters=Filters(province=opts.province, since=opts.since),
                            blobs=blob_store_from_settings(self.settings),
                            progress=lambda name, n: print(f"export: {name} {n} rows", file=sys.stderr))
        except ExportRefused as exc:
            fail(str(exc))
            self.exitcode = 1
            return
        finally:
            store.engine.dispose()
        print(f"tables={len(counts)} rows={sum(counts.values())} reports={counts.get('reports', 0)} "
              f"duration_s={time.monotonic() - started:.2f}")
