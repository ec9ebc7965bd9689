"""Run the real ``scrapy`` CLI against a simulated portal farm served by the test process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from pipelines.storage.db import make_engine
from pipelines.storage.models import Document, Report
from pipelines.storage.store import ReportStore

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRAPY = str(Path(sys.executable).parent / "scrapy")


@dataclass
class Workspace:
    root: Path
    database: str | None = None  # a database URL (conftest's db_url); default: SQLite under var/

    @property
    def var(self) -> Path:
        return self.root / "var"

    @property
    def seeds(self) -> Path:
        return self.root / "farm" / "seeds.csv"

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.var / 'harvest.sqlite3'}"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
        env.update({"HARVEST_VAR_DIR": str(self.var), "HARVEST_DATABASE_URL": self.database_url,
                    "HARVEST_SEEDS": str(self.seeds), "HARVEST_DOWNLOAD_DELAY": "0", **extra})
        return env

    def scrapy(self, *args: str, timeout: float = 240, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SCRAPY, *args, *FAST], cwd=REPO_ROOT, env=self.env(**extra),
                              capture_output=True, text=True, timeout=timeout)

    def popen(self, *args: str, log: Path | None = None, **extra: str) -> subprocess.Popen[str]:
        """Start ``scrapy ARGS``; its output goes to ``log`` when given (a pipe nobody reads while the
        process runs would block it once full), else to a pipe for ``communicate()``."""
        command = [SCRAPY, *args, *FAST]
        if log is None:
            return subprocess.Popen(command, cwd=REPO_ROOT, env=self.env(**extra),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        with log.open("w", encoding="utf-8") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(command, cwd=REPO_ROOT, env=self.env(**extra),
                                    stdout=out, stderr=subprocess.STDOUT, text=True)

    def store(self) -> ReportStore:
        return ReportStore(make_engine(self.database_url))

    def stored_urls(self) -> list[str]:
        """Requested URLs stored so far ([] while the crawl has not created its tables yet)."""
        try:
            with self.store().sessions() as session:
                return list(session.scalars(select(Document.requested_url)))
        except OperationalError:
            return []

    def reports(self) -> list[Report]:
        with self.store().sessions() as session:
            return list(session.scalars(select(Report)))


# The farm is our own loopback server: no politeness delay, no AutoThrottle.
FAST = ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")


def summary_line(output: str) -> dict[str, float]:
    """The last ``key=value …`` line of a nightly/backfill run."""
    for line in reversed(output.strip().splitlines()):
        if line.startswith("seeds="):
            return {k: float(v) for k, v in (part.split("=", 1) for part in line.split())}
    raise AssertionError(f"no summary line in output:\n{output[-3000:]}")


def manifest_report_urls(manifest: dict) -> set[str]:
    """Every URL the farm says carries a report (detail pages and attachments)."""
    urls: set[str] = set()
    for report in manifest["reports"]:
        urls.update(report.get("detail_urls") or [])
        urls.update(a["url"] for a in report.get("attachments") or [])
    return urls
