"""``scrapy browse [FILE] [--port N]``: browse the database (or an exported SQLite file) with Datasette.

Serves on 127.0.0.1 only, until interrupted (Ctrl-C). Titles, descriptions and the canned
queries (panel of one province, reports with failed checks, overdue agencies) come from
:mod:`pipelines.storage.browse`. Datasette reads SQLite: a PostgreSQL database is browsed through
``scrapy export --format sqlite`` first. Exit code 2 when there is nothing to serve.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy.engine import make_url

from crawler.commands._common import fail, quiet_unless_asked
from pipelines.storage.browse import metadata


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, else None."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def datasette_argv(path: Path, metadata_file: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", str(path), "--host", "127.0.0.1", "--port", str(port),
            "--metadata", str(metadata_file), "--setting", "sql_time_limit_ms", "10000"]


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[FILE] [--port N]"

    def short_desc(self) -> str:
        return "Browse the database or an exported SQLite file with Datasette on 127.0.0.1"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default 8001)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if len(args) > 1:
            raise UsageError("give at most one FILE")
        path = Path(args[0]) if args else sqlite_path(self.settings["HARVEST_DATABASE_URL"])
        if path is None:
            fail("the database is not SQLite: export it with `scrapy export --format sqlite` and browse that file")
            self.exitcode = 2
            return
        if not path.is_file():
            fail(f"no SQLite file at {path}")
            self.exitcode = 2
            return
        with tempfile.TemporaryDirectory(prefix="ogi-browse-") as tmp:
            meta = Path(tmp) / "metadata.json"
            meta.write_text(json.dumps(metadata(path.stem), ensure_ascii=False), encoding="utf-8")
            print(f"browse: http://127.0.0.1:{opts.port}/{path.stem}  (Ctrl-C stops)", flush=True)
            proc = subprocess.Popen(datasette_argv(path, meta, opts.port))
            try:
                self.exitcode = proc.wait()
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait(timeout=10)
