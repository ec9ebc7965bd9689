"""Run every family spider over a seeds CSV with the real Scrapy engine and dump what came out.

Usage (a subprocess of tests/spiders/test_farm_e2e.py): ``python -m tests.spiders.farm_crawl
SEEDS_CSV OUT_JSON``. Pipelines and the incremental middleware are off (this checks the spiders:
which URLs were fetched as documents and how each seed was classified); politeness delays are off
because the only server is the test's own loopback farm; the download timeout is 5 s (the farm's
"timeout" portal stalls 6 s) and RETRY_TIMES 5 so a CPU-starved test machine does not lose files.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.items import FetchedDocument, PortalOutcome
from crawler.spiders.registry import FAMILY_SPIDERS


def main(seeds: str, out: str) -> None:
    settings = get_project_settings()
    settings.setdict({
        "ITEM_PIPELINES": {}, "SPIDER_MIDDLEWARES": {"crawler.incremental.IncrementalMiddleware": None},
        "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                                   "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
                                   "crawler.middlewares.SeedBackoffMiddleware": 120,
                                   "crawler.offsite.SeedSiteGuardMiddleware": 60,
                                   "crawler.offsite.OffsiteRedirectMiddleware": 650},
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY_JITTER": 0,
        "CONCURRENT_REQUESTS": 8, "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_TIMEOUT": 5,
        "DOWNLOAD_MAXSIZE": 8 * 1024 * 1024, "RETRY_TIMES": 5, "DOWNLOAD_WARNSIZE": 0, "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }, priority="cmdline")
    documents: list[dict] = []
    outcomes: list[dict] = []
    requested: Counter[str] = Counter()
    hosts: Counter[str] = Counter()

    def on_item(item, response, spider):  # type: ignore[no-untyped-def]
        if isinstance(item, FetchedDocument):
            documents.append({"url": item.url, "final_url": item.final_url, "portal_id": item.portal_id,
                              "status": item.status, "filename": item.filename, "parent_url": item.parent_url,
                              "size": len(item.body)})
        elif isinstance(item, PortalOutcome):
            outcomes.append({"portal_id": item.portal_id, "event": item.event, "url": item.url,
                             "detail": item.detail, "spider": spider.name})

    def on_request(request, spider):  # type: ignore[no-untyped-def]
        hosts[urlsplit(request.url).hostname or request.url.split(":", 1)[0]] += 1  # every request sent
        if request.meta.get("retry_times"):
            return  # a retry is an allowed second fetch
        requested[f"{request.method} {request.url} {request.body.decode('utf-8', 'replace')}"] += 1

    process = CrawlerProcess(settings)
    stats = {}
    crawlers = []
    for spider in FAMILY_SPIDERS:
        crawler = process.create_crawler(spider)
        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawler.signals.connect(on_request, signal=signals.request_reached_downloader)
        crawlers.append(crawler)
        process.crawl(crawler, seeds=seeds, mode="full")
    process.start()
    for crawler in crawlers:
        stats[crawler.spider.name] = {k: v for k, v in crawler.stats.get_stats().items()
                                      if isinstance(v, (int, float, str))}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"documents": documents, "outcomes": outcomes, "stats": stats,
                   "requests": dict(requested), "hosts": dict(hosts)}, fh, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
