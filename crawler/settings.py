"""Scrapy settings for ogi-harvest.

Deployment differences come only from ``HARVEST_*`` environment variables, read once in
:mod:`crawler.config`; components read them back from these settings (``HARVEST_DATABASE_URL``,
``HARVEST_BLOB_DIR``/``HARVEST_BLOB_URL``, ``HARVEST_SEEDS``), so tests override them with ``settings_dict``.
"""

from crawler.config import get_config

_config = get_config()

BOT_NAME = "ogi_harvest"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

HARVEST_DATABASE_URL = _config.database_url
HARVEST_DB_POOL_SIZE = _config.db_pool_size  # PostgreSQL connections per process (pipelines/storage/db.py)
HARVEST_BLOB_DIR = str(_config.blob_dir)
# HARVEST_BLOB_URL (file:// or s3://) overrides HARVEST_BLOB_DIR when set (pipelines.storage.blobs)
HARVEST_BLOB_URL = _config.blob_url
HARVEST_S3_ENDPOINT_URL = _config.s3_endpoint_url
HARVEST_S3_ADDRESSING_STYLE = _config.s3_addressing_style
HARVEST_S3_REGION = _config.s3_region
HARVEST_S3_TIMEOUT = 10.0  # seconds to connect (reads: six times that)
# transient blob-store failures (S3 unreachable, timeouts, 5xx, throttling): bounded backoff
HARVEST_BLOB_RETRY_ATTEMPTS = 5
HARVEST_BLOB_RETRY_WAIT = 0.5
HARVEST_BLOB_RETRY_MAX_WAIT = 8.0
# the shared crawl frontier (crawler/frontier/): empty = every command crawls in its own process
HARVEST_REDIS_URL = _config.redis_url
HARVEST_REDIS_PREFIX = _config.redis_prefix
# seconds a worker holds a request it popped without renewing the lease (it renews every third of
# this while alive): a worker killed with kill -9 has its requests put back after at most this long
HARVEST_FRONTIER_LEASE_S = 120.0
# per-host politeness across workers: "host" (the request's host:port) or "seed" (the seed's column,
# for a farm that serves many simulated sites from one host); the delay is DOWNLOAD_DELAY unless set
HARVEST_POLITENESS_SCOPE = "host"
HARVEST_POLITENESS_DELAY = None
HARVEST_SEEDS = str(_config.seeds)
# cleaning and parsing run in this many worker processes (0: a thread); pipelines/workers.py
HARVEST_PARSE_WORKERS = _config.parse_workers
HARVEST_PARSE_JOB_TIMEOUT = 300.0  # seconds a worker may spend on one document before it is killed
HARVEST_VAR_DIR = str(_config.var_dir)

# Politeness: government portals are shared public infrastructure.
USER_AGENT = _config.user_agent
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = _config.download_delay
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = max(_config.download_delay, 1.0)
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # larger attachments are refused, not truncated
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# Retries for transient failures only (5xx, 429, timeouts); 4xx are final.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

ITEM_PIPELINES = {
    "pipelines.archive.RawArchivePipeline": 50,
    "pipelines.cleaning.pipeline.CleaningPipeline": 100,
    "pipelines.report.ReportParsingPipeline": 300,
    "pipelines.storage.pipeline.StoragePipeline": 400,
}


DOWNLOADER_MIDDLEWARES = {
    # every request, redirects included, stays on its seed's site and off internal addresses:
    # checked before robots.txt (a foreign host's robots.txt is never fetched), and a 3xx leaving
    # the site is seen before RedirectMiddleware (600) and becomes the seed event MOVED
    "crawler.offsite.SeedSiteGuardMiddleware": 60,
    "crawler.offsite.OffsiteRedirectMiddleware": 650,
    # robots.txt answering 5xx means "disallow all" (RFC 9309), and every queued request waits for it
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
    # once a seed is blocked (challenge page, 429, 5xx), drop its queued requests: never hammer it
    "crawler.middlewares.SeedBackoffMiddleware": 120,
    # a 429 goes straight to the spider (which backs the seed off) instead of three quick retries
    "crawler.middlewares.RateLimitNoRetryMiddleware": 560,
    # cookies as Scrapy handles them, its public-suffix check never fetching the list from the internet
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.middlewares.OfflineCookiesMiddleware": 700,
}

SPIDER_MIDDLEWARES = {
    "crawler.incremental.IncrementalMiddleware": 600,
}
HARVEST_RUN_MODE = "full"
HARVEST_REVALIDATE_DAYS = 30

FEED_EXPORT_ENCODING = "utf-8"
HTTPCACHE_ENABLED = False
LOG_LEVEL = "INFO"  # the project commands lower it to WARNING unless -L is given

# Scans and pictures are OCR'd by `scrapy reparse --status needs_ocr` (seconds a page), not during
# the crawl, unless this is set (the optional [ocr] extra must be installed either way).
HARVEST_CRAWL_OCR = False
