"""``scrapy backfill --province P [--since YEAR]``: page every listing of a province to the end.

Resumable: what is stored is the resume state (see :mod:`crawler.incremental`): listings are
walked again, stored attachments are not fetched again, and pages whose attachments were not all
stored before an interruption — including ``kill -9`` — get them now. Run the same command again
to finish an interrupted backfill. Exit codes: see :mod:`crawler.commands.runs`.
"""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import quiet_unless_asked
from crawler.commands.runs import scheduled_crawl
from crawler.seeds import province_for


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "--province <name or code> [--since YEAR]"

    def short_desc(self) -> str:
        return "Crawl every listing page of one province's seeds (resumable)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", required=True, help="province name, code or pinyin")
        parser.add_argument("--since", type=int, help="skip reports for years before this one")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)
        self.settings.set("HARVEST_RUN_MODE", "backfill", priority="cmdline")
        self.settings.set("HARVEST_RUN_FILTERS", {"province": opts.province, "since": opts.since},
                          priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        province = province_for(opts.province)
        code = province.code if province else None
        if opts.since is not None and not 2000 <= opts.since <= 2100:
            raise UsageError(f"--since must be a report year such as 2019, got {opts.since}")
        scheduled_crawl(self, lock_name=f"backfill-{code or 'unknown'}", mode="full",
                        province=opts.province, since=opts.since)
