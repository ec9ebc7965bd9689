"""``scrapy nightly``: incremental crawl of every active seed (for cron / systemd timers).

Listing pages are re-fetched and paging stops at the first page with no new report link;
stored detail pages and attachments are not fetched again, only revalidated with a conditional
GET after HARVEST_REVALIDATE_DAYS. A lock prevents two overlapping runs. Exit codes: see
:mod:`crawler.commands.runs`. Last line: ``seeds= requests= new_reports= stored= errors= duration_s=``.
"""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand

from crawler.commands._common import quiet_unless_asked
from crawler.commands.runs import scheduled_crawl


class Command(ScrapyCommand):
    requires_project = True

    def short_desc(self) -> str:
        return "Incremental crawl of every active seed (new reports since the last run)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", help="only this province (name, code or pinyin)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)
        self.settings.set("HARVEST_RUN_MODE", "nightly", priority="cmdline")
        self.settings.set("HARVEST_RUN_FILTERS", {"province": opts.province}, priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        scheduled_crawl(self, lock_name="nightly", mode="incremental", province=opts.province,
                        since=None)
