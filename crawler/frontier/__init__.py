"""The shared crawl frontier: several ``scrapy worker`` processes, on one machine or many, crawling
one run's seeds from Redis (set ``HARVEST_REDIS_URL``; without it nothing here is used).

How a run flows:

1. ``scrapy nightly`` / ``scrapy backfill`` select the seeds as always (:mod:`crawler.commands.runs`)
   and give each seed to its family spider (``plan_crawl``). Instead of crawling, they build each
   seed's first listing request(s) with that spider (``start_requests_for``) and push them, JSON
   serialised (:mod:`crawler.frontier.serializer`), into the family spider's own scrapy-redis queue
   ``<prefix>:<spider name>:requests``, through its duplicate filter ``<prefix>:<spider name>:dupefilter``.
   The run's parameters (mode, since, filters) go into ``<prefix>:run``; the seeds' ``portals``
   rows are written to the database. One run at a time holds the frontier: a different run while
   it is not drained exits 75, the same run again joins it (a resumed backfill).
2. ``scrapy worker [--workers N]`` runs every family spider in one Scrapy process with the
   scrapy-redis scheduler (:class:`crawler.frontier.scheduler.FrontierScheduler`): spider *X* pops
   only ``<prefix>:X:requests``, so a request always reaches the spider whose callbacks it names —
   the family is fixed per seed by the run, and everything a report request needs (its seed, its
   link) is in its ``cb_kwargs``. Report pages and attachments a worker finds go back to the shared
   queue, where any worker takes them; a seed's further listing pages (and the pages of one
   multi-page article) stay in the worker that read its column page (``meta[LOCAL]``,
   :data:`crawler.spiders.base.LOCAL`): pager state and the seed's health bookkeeping live in that
   spider's memory. They hold the column request's lease until the walk is done, so a worker dying
   mid-walk has the whole walk redone elsewhere (its pages marked redelivered: an incremental run
   pages on from them even where the rows are stored by then).
3. Nothing is lost on ``kill -9`` (:class:`Frontier`): a pop moves the request atomically into the
   worker's in-flight hash ``<prefix>:inflight:<worker>`` with a lease deadline; it is acknowledged
   (removed) once its response or failure has been processed — items stored, follow-up requests
   queued. A live worker renews its leases every third of ``HARVEST_FRONTIER_LEASE_S``; every
   worker, at start and periodically, puts expired in-flight entries of any worker back into
   their queue (bypassing the duplicate filter). The store's idempotence (a document is keyed by
   its URL and bytes) keeps every report exactly once when a request is fetched twice.
4. Politeness across workers (:mod:`crawler.frontier.politeness`): one request at a time per host
   and ``DOWNLOAD_DELAY`` between the end of one and the start of the next, held in Redis.
5. A worker exits 0 when the frontier is drained (no queued and no in-flight request), 3 when it
   stopped early (Redis lost, shutdown), 2 when Redis or the database is unreachable at start.

Known limits: a seed's health is recorded by the worker that walked its listing; faults seen only
on its report pages (fetched by other workers) count in those workers' runs. Scrapy's local
``DOWNLOAD_DELAY``/AutoThrottle still apply inside each worker on top of the shared lease.
Scheduled follow-ups the engine hands to ``engine.crawl`` outside a callback (none but the
stalled-article flush, which is local) carry no lease.
"""

from crawler.frontier.store import (
    Frontier,
    FrontierBusy,
    FrontierUnavailable,
    connect,
    redacted,
)

__all__ = ["Frontier", "FrontierBusy", "FrontierUnavailable", "connect", "redacted"]
