"""``scrapy worker [--workers N]``: crawl the run that ``nightly``/``backfill`` put into the shared
frontier (HARVEST_REDIS_URL; see :mod:`crawler.frontier`).

Start it on any number of machines that share the Redis, the database (HARVEST_DATABASE_URL) and
the blob store (HARVEST_BLOB_URL). It waits for a run (``--wait`` seconds, default: as long as it
takes), crawls with every family spider of the run, and exits when the frontier is drained.
``--workers N`` starts N such processes here and waits for them. Last line of each process:
``worker= requests= stored= new_reports= errors= reaped= peak_rss_mb= duration_s=``.

Exit codes: 0 the frontier was drained; 2 configuration error (no HARVEST_REDIS_URL, Redis or the
database unreachable at start); 3 stopped before the frontier was drained (Redis lost, shutdown, a
document not stored): run it again, it resumes; 75 no run appeared within ``--wait``.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
import time
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import fail, quiet_unless_asked
from crawler.commands.runs import EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_LOCKED, EXIT_OK, key_values, summarize

WORKER_SETTINGS = {
    "SCHEDULER": "crawler.frontier.scheduler.FrontierScheduler",
    # JSON, never pickle (scrapy-redis's default)
    "SCHEDULER_SERIALIZER": "crawler.frontier.serializer",
    "SCHEDULER_PERSIST": True,
    # a dropped kept-alive connection is retried through the host lease, not silently at once
    "DOWNLOAD_HANDLERS": {"http": "crawler.frontier.politeness.NoSilentRetryHTTP11DownloadHandler",
                          "https": "crawler.frontier.politeness.NoSilentRetryHTTP11DownloadHandler"},
}
WORKER_SPIDER_MIDDLEWARES = {"crawler.frontier.scheduler.FrontierTokenMiddleware": 10}
WORKER_DOWNLOADER_MIDDLEWARES = {"crawler.frontier.politeness.SharedPolitenessMiddleware": 950}


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--workers N] [--wait SECONDS]"

    def short_desc(self) -> str:
        return "Crawl the run queued in the shared Redis frontier (HARVEST_REDIS_URL)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--workers", type=int, default=1, help="worker processes to start here (default 1)")
        parser.add_argument("--wait", type=float, default=None,
                            help="seconds to wait for a run to appear (default: no limit)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        if opts.workers < 1:
            raise UsageError(f"--workers must be 1 or more, got {opts.workers}")
        quiet_unless_asked(self.settings, opts)
        for name, value in WORKER_SETTINGS.items():
            self.settings.set(name, value, priority="cmdline")
        for name, extra in (("SPIDER_MIDDLEWARES", WORKER_SPIDER_MIDDLEWARES),
                            ("DOWNLOADER_MIDDLEWARES", WORKER_DOWNLOADER_MIDDLEWARES)):
            self.settings.set(name, {**self.settings.getdict(name), **extra}, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        from crawler.frontier import Frontier, FrontierUnavailable, connect

        url = self.settings.get("HARVEST_REDIS_URL")
        if not url:
            fail("scrapy worker needs the shared frontier: set HARVEST_REDIS_URL (redis://host:6379/0)")
            self.exitcode = EXIT_CONFIG
            return
        importlib.import_module(self.settings["SCHEDULER_SERIALIZER"])
        try:
            frontier = Frontier(connect(url), self.settings["HARVEST_REDIS_PREFIX"])
        except FrontierUnavailable as exc:
            fail(str(exc))
            self.exitcode = EXIT_CONFIG
            return
        if opts.workers > 1:
            self.exitcode = run_children(opts.workers, self.settings.getint("HARVEST_PARSE_WORKERS"))
            return
        started = time.monotonic()
        try:
            run = wait_for_run(frontier, opts.wait)
        except FrontierUnavailable as exc:
            fail(str(exc))
            self.exitcode = EXIT_INCOMPLETE
            return
        if run is None:
            fail(f"no run appeared in the frontier within {opts.wait:g} s")
            self.exitcode = EXIT_LOCKED
            return
        self.exitcode = self.crawl(frontier, run, started)

    def crawl(self, frontier: Any, run: dict[str, Any], started: float) -> int:
        from crawler.commands._common import open_store
        from crawler.frontier.scheduler import LOST_STAT
        from crawler.spiders.registry import FAMILY_SPIDERS
        from pipelines.parsing.extract.limits import peak_rss_mb
        from pipelines.storage.db import DatabaseUnavailable

        assert self.settings is not None and self.crawler_process is not None
        try:
            open_store(self.settings["HARVEST_DATABASE_URL"]).engine.dispose()
        except DatabaseUnavailable as exc:
            fail(str(exc))
            return EXIT_CONFIG
        wanted = set(run.get("spiders") or [])
        args = {"mode": run.get("mode") or "full", **({"since": str(run["since"])} if run.get("since") else {})}
        process = self.crawler_process
        crawlers = []
        for spider_cls in FAMILY_SPIDERS:
            if wanted and spider_cls.name not in wanted:
                continue
            crawler = process.create_crawler(spider_cls)
            crawler.settings.set("HARVEST_RUN_MODE", run.get("run_mode") or "crawl", priority="cmdline")
            crawler.settings.set("HARVEST_RUN_FILTERS", run.get("filters") or {}, priority="cmdline")
            process.crawl(crawler, selected_seeds=[], detections={}, **args)
            crawlers.append(crawler)
        process.start()
        figures = summarize(crawlers)
        lost = any(bool(c.stats and c.stats.get_value(LOST_STAT)) for c in crawlers)
        reaped = 0
        for crawler in crawlers:
            reaped += int(crawler.stats.get_value("harvest/frontier/reaped", 0)) if crawler.stats else 0
        print(key_values({
            "worker": frontier.worker, "requests": figures["requests"], "stored": figures["stored"],
            "new_reports": figures["new_reports"], "errors": figures["errors"], "reaped": reaped,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "duration_s": round(time.monotonic() - started, 1),
        }), flush=True)
        if figures["not_stored"] or figures["failure"]:
            fail(f"{figures['not_stored']} document(s) not stored; first: {figures['failure']}")
            return EXIT_INCOMPLETE
        return EXIT_INCOMPLETE if lost or not figures["finished"] else EXIT_OK


def wait_for_run(frontier: Any, wait: float | None) -> dict[str, Any] | None:
    """The frontier's run once it has work (queued or in flight), or None after ``wait`` seconds."""
    from crawler.frontier import FrontierUnavailable
    from crawler.frontier.scheduler import REDIS_ERRORS

    deadline = None if wait is None else time.monotonic() + wait
    while True:
        try:
            run = frontier.run()
            if run is not None and not frontier.drained():
                return run
        except REDIS_ERRORS as exc:
            raise FrontierUnavailable(f"Redis lost while waiting for a run: {exc}") from exc
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(1.0)


def run_children(count: int, parse_workers: int) -> int:
    """Start ``count`` single worker processes with this command line and wait for them all;
    SIGINT/SIGTERM are passed on. Returns the worst exit code. The machine's ``parse_workers``
    (HARVEST_PARSE_WORKERS) are shared among the children, unless the command line sets them."""
    argv = list(sys.argv[1:])  # Scrapy has taken the command name out of sys.argv
    if argv and argv[0] == "worker":
        del argv[0]
    at = argv.index("--workers") if "--workers" in argv else -1
    if at >= 0:
        del argv[at:at + 2]
    argv = [a for a in argv if not a.startswith("--workers=")]
    if not any(a.startswith("HARVEST_PARSE_WORKERS=") for a in argv):
        argv += ["-s", f"HARVEST_PARSE_WORKERS={parse_workers // count}"]
    command = [sys.executable, "-m", "scrapy", "worker", *argv, "--workers", "1"]
    children = [subprocess.Popen(command) for _ in range(count)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    codes = [child.wait() for child in children]
    print(key_values({"workers": count, "exit_codes": ",".join(str(c) for c in codes)}), flush=True)
    bad = [c for c in codes if c != 0]
    return max(bad, key=abs) if bad else EXIT_OK
