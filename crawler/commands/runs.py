"""Shared machinery of the scheduled commands (nightly, backfill): locks, spider choice, summaries.

With HARVEST_REDIS_URL set they do not crawl: they queue the selected seeds in the shared Redis
frontier for ``scrapy worker`` (:func:`enqueue_run`, :mod:`crawler.frontier`) and print
``seeds= queued= filtered= run= duration_s=``; 75 then also means another run holds the frontier.

Exit codes (for cron, systemd timers and CI):
    0   the run completed
    2   configuration error: bad arguments, no usable seeds, database unreachable
    3   the run did not complete (shutdown, timeout, a spider crashed), or a document could not be
        archived or stored (the reason is printed on one line)
    4   the run completed but some seed rows were invalid and skipped (``scrapy seeds check``)
    75  another run holds the lock (EX_TEMPFAIL: try again later)
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.platforms import detections_path, effective_platform, usable_detections
from crawler.seeds import Seed, SeedLoad, for_platforms, load_seeds, log_problems

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.platforms import Detection
    from crawler.spiders.base import PortalSpider

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_CONFIG, EXIT_INCOMPLETE, EXIT_SEED_ERRORS, EXIT_LOCKED = 0, 2, 3, 4, 75


class RunLocked(RuntimeError):
    pass


@contextmanager
def run_lock(var_dir: Path, name: str) -> Iterator[Path]:
    """Hold an exclusive lock file ``var/locks/<name>.lock`` for the duration of a run.

    The lock is an ``flock``: it is released by the kernel when the process dies, even by
    ``kill -9``, so a crashed run never blocks the next one.
    """
    path = var_dir / "locks" / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "unknown process"
        handle.close()
        raise RunLocked(f"another {name} run holds {path} ({holder})") from exc
    handle.truncate(0)
    handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S')}\n")
    handle.flush()
    try:
        yield path
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def family_spiders(spider_loader: Any) -> dict[str, type[PortalSpider]]:
    """Spider class per platform key, from the family registry (crawler/spiders/registry.py).

    Raises RegistryError when Scrapy's spiders and the registry disagree (a missed registration)."""
    from crawler.spiders.registry import SPIDER_FOR_PLATFORM, check_spider_loader

    check_spider_loader(spider_loader)
    return dict(SPIDER_FOR_PLATFORM)


@dataclass
class CrawlPlan:
    """The seeds of a run, selected once and shared out among the family spiders."""

    #: each family spider's seeds, in seed-file order
    spiders: dict[type[PortalSpider], list[Seed]] = field(default_factory=dict)
    #: stored platform detections the ``auto`` seeds were assigned by (crawler.platforms)
    detections: dict[str, Detection] = field(default_factory=dict)
    #: platforms of selected seeds that no spider claims (their seeds are not crawled)
    unowned: list[str] = field(default_factory=list)


def load_run_seeds(path: Path) -> SeedLoad:
    """Load the seed files of a run, logging each problem once."""
    loaded = load_seeds(path)
    log_problems(loaded.problems, logger)
    return loaded


def plan_crawl(seeds: list[Seed], spider_loader: Any, var_dir: Path,
               warn: Callable[[str], None]) -> CrawlPlan:
    """Give each selected seed to the spider of its platform (an ``auto`` seed's stored detection
    when there is a usable one)."""
    owners = family_spiders(spider_loader)
    # an auto seed goes to the family its column page showed in an earlier run (crawler.platforms)
    detections = usable_detections(detections_path(var_dir), warn=warn)

    def platform_of(seed: Seed) -> str:
        return effective_platform(seed.platform, seed.id, seed.column_url, detections)

    platforms = sorted({platform_of(s) for s in seeds})
    plan = CrawlPlan(detections=detections, unowned=[p for p in platforms if p not in owners])
    for spider_cls in {owners[p] for p in platforms if p in owners}:
        plan.spiders[spider_cls] = for_platforms(seeds, spider_cls.platforms, platform_of)
    return plan


def schedule_plan(process: Any, plan: CrawlPlan, **spider_args: Any) -> list[Crawler]:
    """Schedule one crawl per family spider of ``plan``, each handed its own seeds."""
    return [schedule(process, spider_cls, selected_seeds=seeds, detections=dict(plan.detections), **spider_args)
            for spider_cls, seeds in plan.spiders.items()]


def schedule(process: Any, spider_cls: type, **spider_args: Any) -> Crawler:
    """Schedule a crawl and return its crawler (the process forgets crawlers once they finish)."""
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **spider_args)
    return crawler


def summarize(crawlers: list[Crawler]) -> dict[str, Any]:
    """Add up the figures of every crawler of a run.

    ``stored`` and ``new_reports`` are what this run's own pipelines stored (not a difference of
    global counts, which would include a concurrent run's work); ``not_stored`` the documents that
    could not be archived or stored, ``failure`` the first such failure's one-line reason.
    """
    from pipelines.storage.faults import ERROR_STATS, FAILURE_STAT

    total: dict[str, Any] = {"requests": 0, "errors": 0, "documents": 0, "stored": 0,
                             "new_reports": 0, "not_stored": 0, "failure": None,
                             "finished": bool(crawlers)}
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        total["requests"] += int(stats.get("downloader/request_count", 0))
        total["documents"] += int(stats.get("harvest/archive/documents", 0))
        total["stored"] += int(stats.get("harvest/store/documents_new", 0))
        total["new_reports"] += int(stats.get("harvest/store/reports_ok_new", 0))
        total["not_stored"] += sum(int(stats.get(key, 0)) for key in ERROR_STATS)
        total["errors"] += sum(int(v) for k, v in stats.items() if k.startswith("harvest/errors/"))
        total["errors"] += int(stats.get("log_count/ERROR", 0))
        total["failure"] = total["failure"] or stats.get(FAILURE_STAT)
        if stats.get("finish_reason") != "finished":
            total["finished"] = False
    return total


def key_values(figures: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in figures.items())


def scheduled_crawl(command: Any, *, lock_name: str, mode: str, province: str | None,
                    since: int | None) -> None:
    """Body of ``scrapy nightly`` and ``scrapy backfill``: lock, select seeds, crawl, summarize.

    Sets ``command.exitcode`` (see the module docstring) and prints the one-line summary.
    """
    from crawler.commands._common import fail, open_store
    from crawler.commands._discover import discovery_results, schedule_discovery
    from crawler.config import get_config
    from crawler.discovery import apply_discoveries
    from crawler.relook import relook_empty_seeds
    from crawler.seeds import SeedSelectionError, crawlable
    from pipelines.storage.db import DatabaseUnavailable

    settings = command.settings
    process = command.crawler_process
    started = time.monotonic()
    frontier = None
    if settings.get("HARVEST_REDIS_URL"):  # the shared frontier: seeds go to Redis, workers crawl them
        from crawler.frontier import Frontier, FrontierUnavailable, connect
        try:
            frontier = Frontier(connect(settings["HARVEST_REDIS_URL"]), settings["HARVEST_REDIS_PREFIX"])
        except FrontierUnavailable as exc:
            fail(str(exc))
            command.exitcode = EXIT_CONFIG
            return
    seeds_path = Path(settings["HARVEST_SEEDS"])
    loaded = load_run_seeds(seeds_path)
    for problem in loaded.errors:
        print(f"seed error: {problem}")
    try:
        store = open_store(settings["HARVEST_DATABASE_URL"])
    except DatabaseUnavailable as exc:
        fail(str(exc))
        command.exitcode = EXIT_CONFIG
        return
    # a seed without a column is crawled at the column `seeds discover` confirmed for it
    seeds = apply_discoveries(loaded.seeds, store.discovered_columns())
    try:
        chosen = crawlable(seeds, province=province)
    except SeedSelectionError as exc:
        fail(str(exc))
        command.exitcode = EXIT_CONFIG
        return
    if not chosen:
        fail(f"no active seed with a column URL in {seeds_path}")
        command.exitcode = EXIT_CONFIG
        return
    try:
        with run_lock(Path(settings["HARVEST_VAR_DIR"]), lock_name):
            relook = relook_empty_seeds(store.queries, chosen, detections_path(Path(settings["HARVEST_VAR_DIR"])),
                                        get_config().empty_relook_runs,
                                        warn=lambda message: print(f"warning: {message}"))
            plan = plan_crawl(chosen, process.spider_loader, Path(settings["HARVEST_VAR_DIR"]),
                              warn=lambda message: print(f"warning: {message}"))
            if plan.unowned:  # seeds and detections are validated against the registry: a missed registration
                raise RuntimeError(f"no family spider for platform(s) {', '.join(plan.unowned)}")
            spider_args = {"mode": mode, **({"since": str(since)} if since else {})}
            if frontier is not None:
                if relook.rediscover:
                    print(f"warning: {len(relook.rediscover)} seed(s) came back EMPTY repeatedly; column "
                          "re-discovery does not run on the shared frontier: run scrapy seeds discover")
                command.exitcode = enqueue_run(frontier, settings, store, plan, chosen, spider_args,
                                               lock_name=lock_name, started=started, seed_errors=bool(loaded.errors))
                return
            crawlers = schedule_plan(process, plan, **spider_args)
            # a seed due for a re-look that has a homepage: its column is discovered again, alongside
            rediscover = [s for s in chosen if s.id in set(relook.rediscover)]
            discovery = (schedule_discovery(process, rediscover, settings.getint("HARVEST_DISCOVER_MAX_PAGES") or None)
                         if rediscover else None)
            process.start()
            if discovery is not None:
                found = [r for r in discovery_results(discovery, rediscover) if r.confident]
                store.record_discoveries(found)
                print(f"warning: re-discovery of {len(rediscover)} seed(s) after repeated EMPTY runs found "
                      f"{len(found)} column(s); see scrapy seeds status")
    except RunLocked as exc:
        fail(str(exc))
        command.exitcode = EXIT_LOCKED
        return
    figures = summarize(crawlers)
    print(key_values({
        "seeds": len(chosen), "requests": figures["requests"],
        "new_reports": figures["new_reports"], "stored": figures["stored"],
        "errors": figures["errors"], "duration_s": round(time.monotonic() - started, 1),
    }))
    if figures["not_stored"] or figures["failure"]:
        fail(f"{figures['not_stored']} document(s) not stored; first: {figures['failure']}")
        command.exitcode = EXIT_INCOMPLETE
    elif not figures["finished"]:
        command.exitcode = EXIT_INCOMPLETE
    elif loaded.errors:
        command.exitcode = EXIT_SEED_ERRORS


def enqueue_run(frontier: Any, settings: Any, store: Any, plan: CrawlPlan, chosen: list[Seed],
                spider_args: dict[str, Any], *, lock_name: str, started: float, seed_errors: bool) -> int:
    """The run on the shared frontier (HARVEST_REDIS_URL): write the seeds' ``portals`` rows, push
    their first requests into Redis for ``scrapy worker`` (:mod:`crawler.frontier`) and print
    ``seeds= queued= filtered= run= duration_s=``. Returns the exit code."""
    from crawler.commands._common import fail
    from crawler.frontier import FrontierBusy, FrontierUnavailable
    from crawler.frontier.enqueue import enqueue_plan
    from crawler.frontier.scheduler import REDIS_ERRORS

    run = {"command": lock_name, "run_mode": settings.get("HARVEST_RUN_MODE"),
           "filters": dict(settings.getdict("HARVEST_RUN_FILTERS")), **spider_args}
    store.upsert_portals([seed.portal_row() for seed in chosen])
    try:
        result = enqueue_plan(frontier, settings, plan, run, spider_args)
    except FrontierBusy as exc:
        fail(str(exc))
        return EXIT_LOCKED
    except REDIS_ERRORS as exc:
        fail(str(FrontierUnavailable(f"Redis lost while queueing the run: {exc}")))
        return EXIT_INCOMPLETE
    print(key_values({"seeds": len(chosen), "queued": result.queued, "filtered": result.filtered,
                      "run": result.status, "duration_s": round(time.monotonic() - started, 1)}))
    return EXIT_SEED_ERRORS if seed_errors else EXIT_OK
