"""``scrapy seeds discover``: run the discovery spider over seeds and report, write, store."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from crawler.discovery import DiscoveryResult
from crawler.seeds import Seed, load_seeds, select_seeds
from crawler.seeds.writing import ColumnUpdate, write_columns

OUT_COLUMNS = ("id", "column_url", "score", "evidence")


def discover_targets(seeds: list[Seed], include_all: bool) -> list[Seed]:
    """The seeds to discover: active ones with a homepage and (unless ``include_all``) no column."""
    return [s for s in seeds if s.active and s.homepage and (include_all or s.needs_column)]


def schedule_discovery(process: Any, seeds: list[Seed], max_pages: int | None = None) -> Any:
    """Schedule the discovery spider over ``seeds`` (it runs when ``process`` starts); its crawler."""
    from crawler.spiders.discover import DEFAULT_MAX_PAGES, DiscoverSpider

    crawler = process.create_crawler(DiscoverSpider)
    process.crawl(crawler, selected_seeds=seeds, max_pages=max_pages or DEFAULT_MAX_PAGES)
    return crawler


def discovery_results(crawler: Any, seeds: list[Seed]) -> list[DiscoveryResult]:
    """One result per seed, in seed order, once the discovery crawler has run."""
    results: dict[str, DiscoveryResult] = dict(getattr(crawler.spider, "results", {}))
    return [results.get(s.id) or DiscoveryResult(s.id, "", 0, "not visited (run stopped)") for s in seeds]


def run_discovery(process: Any, seeds: list[Seed], max_pages: int | None = None) -> list[DiscoveryResult]:
    """Crawl every seed's homepage with the discovery spider; one result per seed, in seed order."""
    crawler = schedule_discovery(process, seeds, max_pages)
    process.start()
    return discovery_results(crawler, seeds)


def write_out_csv(path: Path, results: list[DiscoveryResult]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OUT_COLUMNS)
        for r in results:
            writer.writerow((r.seed_id, r.column_url if r.confident else "", r.score if r.confident else 0,
                             r.evidence))


def discovery_note(result: DiscoveryResult, today: str | None = None) -> str:
    return f"column discovered {today or time.strftime('%Y-%m-%d')} (score {result.score})"


def write_seed_files(seeds: list[Seed], results: list[DiscoveryResult], out: TextIO) -> int:
    """Fill the confident columns into the seed files; returns the number of files refused."""
    by_file: dict[Path, dict[str, ColumnUpdate]] = {}
    source = {s.id: s.source for s in seeds}
    for r in results:
        path = source.get(r.seed_id)
        if r.confident and path is not None:
            by_file.setdefault(path, {})[r.seed_id] = ColumnUpdate(r.column_url, discovery_note(r))
    refused = 0
    for path, updates in sorted(by_file.items()):
        written, problems = write_columns(path, updates)
        for problem in problems:
            print(f"{problem}", file=out)
        refused += bool(problems)
        if written:
            print(f"{path}: column written for {len(written)} seed(s): {', '.join(written)}", file=out)
    return refused


def store_results(url: str, results: list[DiscoveryResult], seeds: list[Seed]) -> str | None:
    """Record the confident discoveries in the database; a warning text when it is unreachable."""
    from crawler.commands._common import open_store
    from pipelines.storage.db import DatabaseUnavailable

    try:
        store = open_store(url)
    except DatabaseUnavailable as exc:
        return f"discoveries not stored: {exc}"
    try:
        store.record_discoveries([r for r in results if r.confident])
    finally:
        store.engine.dispose()
    return None


def discover_command(process: Any, settings: Any, target: Path, province: str | None, out_file: str | None,
                     write: bool, include_all: bool, out: TextIO = sys.stdout) -> int:
    load = load_seeds(target)
    for problem in load.errors:
        print(f"{problem}", file=sys.stderr)
    seeds = discover_targets(select_seeds(load.seeds, province=province, active_only=True), include_all)
    results = run_discovery(process, seeds, settings.getint("HARVEST_DISCOVER_MAX_PAGES") or None)
    for r in results:
        state = "FOUND" if r.confident else "NONE"
        print(f"{r.seed_id}\t{state}\t{r.column_url if r.confident else '-'}\t{r.evidence}", file=out)
    if out_file:
        write_out_csv(Path(out_file), results)
    warning = store_results(settings["HARVEST_DATABASE_URL"], results, seeds) if results else None
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    refused = write_seed_files(seeds, results, out) if write else 0
    found = sum(1 for r in results if r.confident)
    pages = sum(r.pages for r in results)
    print(f"seeds={len(results)} found={found} none={len(results) - found} pages={pages}", file=out)
    return 1 if refused else 0
