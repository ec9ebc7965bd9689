"""``scrapy nightly`` / ``scrapy backfill`` with HARVEST_REDIS_URL: the run's seeds into the frontier.

Each selected seed's first listing request(s) are made by its own family spider
(``start_requests_for``, exactly as in a one-process run) and pushed, through the spider's
duplicate filter, into that spider's queue. The spider instance is built only for this (a bare
crawler with a stats collector), never started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import MemoryStatsCollector

from crawler.frontier.scheduler import make_dupefilter, make_queue

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from crawler.commands.runs import CrawlPlan
    from crawler.frontier.store import Frontier


@dataclass
class Enqueued:
    status: str  # "new" (a new run) or "joined" (the same run was still in the frontier)
    queued: int = 0
    filtered: int = 0  # already queued or fetched in this run (the duplicate filter)


def enqueue_plan(frontier: Frontier, settings: Settings, plan: CrawlPlan, run: dict[str, Any],
                 spider_args: dict[str, Any]) -> Enqueued:
    """Claim the frontier for ``run`` (FrontierBusy when another run holds it) and push the first
    requests of every seed of ``plan``."""
    result = Enqueued(frontier.claim(run, [cls.name for cls in plan.spiders if cls.name]))
    for spider_cls, seeds in plan.spiders.items():
        crawler = Crawler(spider_cls, settings)
        crawler.stats = MemoryStatsCollector(crawler)
        spider = spider_cls.from_crawler(crawler, selected_seeds=[], detections=dict(plan.detections),
                                         **spider_args)
        queue, seen = make_queue(frontier, spider), make_dupefilter(frontier, spider)
        for seed in seeds:
            for request in spider.start_requests_for(seed):
                if not request.dont_filter and seen.request_seen(request):
                    result.filtered += 1
                    continue
                queue.push(request)
                result.queued += 1
    return result
