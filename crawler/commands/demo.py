"""``scrapy demo``: serve the bundled sample portal farm on 127.0.0.1 and crawl it into the database.

Works with no internet: the farm is the project's own HTTP server on a loopback port. Politeness
delays are turned off for this run only, because the only server being crawled is our own.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands._common import fail, open_store, quiet_unless_asked
from crawler.commands.runs import load_run_seeds, plan_crawl, schedule_plan, summarize
from crawler.seeds import crawlable
from pipelines.storage.db import DatabaseUnavailable, redact


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[--portals N] [--seed S]"

    def short_desc(self) -> str:
        return "Serve the bundled sample portals on 127.0.0.1 and crawl them into the database"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--portals", type=int, default=12, help="number of sample portals")
        parser.add_argument("--seed", type=int, default=1, help="farm generation seed")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)
        # Only our own loopback server is crawled: no need to be slow with it.
        self.settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        self.settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        self.settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
        self.settings.set("HARVEST_RUN_MODE", "demo", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None and self.crawler_process is not None
        from portalsim import Farm, FarmServer  # test/demo tooling: loaded only by this command
        url = self.settings["HARVEST_DATABASE_URL"]
        try:
            store = open_store(url)
        except DatabaseUnavailable as exc:
            fail(str(exc))
            self.exitcode = 2
            return
        out_dir = Path(self.settings["HARVEST_VAR_DIR"]) / "demo"
        farm = Farm.generate(portals=opts.portals, seed=opts.seed, faults=False)
        with FarmServer(farm, port=0) as server:
            server.write_out(out_dir)
            print(f"sample portal farm: {server.base_url} ({opts.portals} portals; seeds in {out_dir / 'seeds.csv'})")
            seeds = crawlable(load_run_seeds(out_dir / "seeds.csv").seeds)
            plan = plan_crawl(seeds, self.crawler_process.spider_loader,
                              Path(self.settings["HARVEST_VAR_DIR"]),
                              warn=lambda message: print(f"warning: {message}"))
            crawlers = schedule_plan(self.crawler_process, plan, mode="full")
            self.crawler_process.start()
            manifest = server.manifest()
        after = store.counts()
        figures = summarize(crawlers)
        # logical reports (one agency's report for one year, all its editions and reposts), as
        # reports_stored counts them
        expected = len({r["logical_key"] for r in manifest.get("reports", []) if r.get("expect_stored", True)})
        summary = {
            "database": redact(url),
            "documents_fetched": figures["documents"],
            "documents_new": figures["stored"],
            "reports_stored": after["reports_ok"],
            "reports_new": figures["new_reports"],
            "reports_in_farm": expected,
            "not_reports": after["not_reports"],
            "failures": after["reports_failed"],
            "request_errors": figures["errors"],
        }
        print("demo crawl finished")
        for key, value in summary.items():
            print(f"  {key:20} {value}")
        print(json.dumps(summary, ensure_ascii=False))
        if figures["not_stored"] or figures["failure"]:
            fail(f"{figures['not_stored']} document(s) not stored; first: {figures['failure']}")
            self.exitcode = 1
        elif not figures["finished"]:
            self.exitcode = 1
