"""Crawl benchmark: the full simulated portal farm, crawled by the real CLI, scored against its manifest.

Usage: .venv/bin/python bench/crawl.py [--portals 100] [--seed 1] [--parse-workers N]   (100 healthy + 23 faulted portals:
about 1,000 logical reports and 2,400 distinct URLs; ~6 min on 2 cores)

Serves Farm.generate(portals, seed, faults=True) on 127.0.0.1, runs ``scrapy nightly`` (politeness
delays off) into a fresh SQLite database, then — in the same run, as the baseline — a bare Scrapy
spider that only fetches the same URLs. Prints figures; the last line is machine-readable:
recall= precision= misclassified_seeds= duplicate_fetches= retry_fetches= reports_per_s=
cpu_s_per_report= peak_rss_mb= bare_fetch_ratio=

cpu_s_per_report is the CPU time of the crawl process and all its descendants (parse workers,
their forkservers, the budgeted reader processes; orphans are adopted and reaped, Linux), per
stored report. ``--parse-workers 0`` parses in the crawl process (HARVEST_PARSE_WORKERS).

duplicate_fetches counts true duplicates only: a request (method, URL, body) repeated after an
answer that needed no retry; a repeat after a retryable answer (5xx, 408, 429, reset, truncated
body, a stall the client gave up on) is a retry and counted in retry_fetches
(:func:`portalsim.server.split_repeats`). A report is a logical report (``reports.group_id``:
one agency's report for one year, all versions). Lines starting ``miss:``, ``wrong:``,
``duplicate:`` and ``misclassified:`` name what the figures count; the nightly's log is kept in
``<work>/nightly.log``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from portalsim import Farm, FarmServer  # noqa: E402
from portalsim.model import FarmOptions  # noqa: E402
from pipelines.storage.db import make_engine  # noqa: E402
from pipelines.storage.models import Document, Report, ReportSource, SeedHealth  # noqa: E402
from pipelines.storage.store import ReportStore  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "CONCURRENT_REQUESTS=16"]

BARE_SPIDER = textwrap.dedent('''
    import scrapy

    class Bare(scrapy.Spider):
        name = "bare"
        custom_settings = {"ROBOTSTXT_OBEY": False, "RETRY_ENABLED": False, "HTTPERROR_ALLOW_ALL": True,
                           "LOG_LEVEL": "WARNING", "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0,
                           "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}

        async def start(self):
            for url in open(self.urls_file, encoding="utf-8").read().split():
                yield scrapy.Request(url, dont_filter=True, callback=self.parse)

        def parse(self, response):
            pass
''')


def child_usage() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def become_subreaper() -> None:
    """Adopt orphaned descendants (Linux): the crawl's multiprocessing forkserver and the worker
    processes forked from it outlive the crawl process by a moment and are nobody's child then;
    adopted and reaped here, their CPU time counts in ``child_usage`` (it did not before)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans(timeout_s: float = 15.0) -> None:
    """Wait for the adopted descendants of the finished crawl to exit, reaping each."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=100,
                        help="healthy portals (one more per fault kind is added); 100 gives >= 2,000 pages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parse-workers", type=int, default=None,
                        help="HARVEST_PARSE_WORKERS for the crawl (default: unset, one per core; 0: in-process)")
    parser.add_argument("--no-dialects", dest="dialects", action="store_false",
                        help="core CMS families only (default: the unseen dialects too, crawled as auto)")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-crawl-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVEST_")}
    db_url = f"sqlite:///{work / 'harvest.sqlite3'}"
    env.update(HARVEST_VAR_DIR=str(work), HARVEST_DATABASE_URL=db_url, HARVEST_SEEDS=str(work / "seeds.csv"))
    if opts.parse_workers is not None:
        env["HARVEST_PARSE_WORKERS"] = str(opts.parse_workers)
    become_subreaper()

    farm = Farm.generate(portals=opts.portals, seed=opts.seed, faults=True,
                         options=FarmOptions(dialects=opts.dialects))
    with FarmServer(farm, port=0) as server:
        server.write_out(work)
        manifest = server.manifest()
        server.warm()  # render every resource first: the farm's first renders are not the crawler's cost
        started = time.monotonic()
        cpu0, _ = child_usage()
        run = subprocess.run([SCRAPY, "nightly", *FAST], cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        reap_orphans()
        cpu1, peak_rss = child_usage()
        (work / "nightly.log").write_text(run.stdout + "\n" + run.stderr, encoding="utf-8")
        if run.returncode not in (0, 4):
            sys.exit(f"nightly failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        retries, repeated = server.repeats()  # (method, path, POST body) -> retries / true duplicates
        fetched = [path for method, path in server.requests]
        urls = sorted({server.base_url + path for path in fetched})
        (work / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        (work / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
        server.clear_log()
        bare_started = time.monotonic()
        subprocess.run([SCRAPY, "runspider", str(work / "bare.py"), "-a", f"urls_file={work / 'urls.txt'}"],
                       cwd=work, env=env, capture_output=True, text=True, check=True)
        bare_elapsed = time.monotonic() - bare_started

    ok_portals = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"}
    expected = set()
    for report in manifest["reports"]:
        # expect_stored is false for reports the farm hides behind a broken listing answer
        if report["portal_id"] in ok_portals and report.get("expect_stored", True):
            expected.update(report.get("detail_urls") or [])
            # an oversized attachment is refused by DOWNLOAD_MAXSIZE on purpose
            expected.update(a["url"] for a in report.get("attachments") or [] if not a.get("oversized"))
            expected.update(report.get("image_urls") or [])  # a scanned report's page images
    all_report_urls = set()
    for report in manifest["reports"]:
        all_report_urls.update(report.get("detail_urls") or [])
        all_report_urls.update(a["url"] for a in report.get("attachments") or [])
        all_report_urls.update(report.get("image_urls") or [])

    url_class = {}
    url_report = {}  # report URL -> logical report of the manifest (origin portal, year: model.logical_key)
    for portal in manifest["portals"]:
        url_class.update((url, "listing") for url in portal.get("listing_urls") or [])
    for report in manifest["reports"]:
        logical = ((report.get("same_as") or report["portal_id"]).split("/")[0], report["year"])
        for url in report.get("detail_urls") or []:
            url_class[url], url_report[url] = "detail", logical
        for a in report.get("attachments") or []:
            url_class[a["url"]] = f"attachment-{a.get('format') or 'file'}{'-scan' if a.get('scan') else ''}"
            url_report[a["url"]] = logical
        for url in report.get("image_urls") or []:
            url_class[url], url_report[url] = "image", logical
    for page in manifest.get("non_reports") or []:
        url_class.setdefault(page["detail_url"], f"non-report-{page.get('kind')}")

    store = ReportStore(make_engine(db_url))
    with store.sessions() as session:
        stored = set(session.scalars(select(Document.requested_url)))
        report_sources = session.execute(
            select(Report.group_id, Document.requested_url).join(ReportSource, ReportSource.report_id == Report.id)
            .join(Document, Document.id == ReportSource.document_id).where(Report.status == "ok")).all()
        health = {h.portal_id: (h.state, h.url) for h in session.scalars(select(SeedHealth))}
    ungrouped = sum(1 for gid, _ in report_sources if gid is None)
    reports_ok = {gid for gid, _ in report_sources if gid is not None}
    wrong = {gid for gid, url in report_sources if gid is not None and url not in all_report_urls}
    recall = len(expected & stored) / len(expected) if expected else 1.0
    precision = (len(reports_ok) - len(wrong)) / len(reports_ok) if reports_ok else 0.0
    misclassified = [p for p in manifest["portals"]
                     if health.get(p["id"], ("NEVER-CRAWLED", None))[0] != p["expected_health"]]
    duplicates = sum(repeated.values())
    portal_faults = {p["id"]: p["fault"] for p in manifest["portals"]}
    retries_by_fault: Counter = Counter()
    for (_, path, _), n in retries.items():
        parts = path.split("/")
        retries_by_fault[str(portal_faults.get(parts[2]) if len(parts) > 2 and parts[1] == "p" else None)] += n
    # group_id check: a group should hold one logical report of the manifest, and a logical report one group
    logical_of_group: dict[int, set] = defaultdict(set)
    groups_of_logical: dict[tuple, set[int]] = defaultdict(set)
    for gid, url in report_sources:
        if gid is not None and url in url_report:
            logical_of_group[gid].add(url_report[url])
            groups_of_logical[url_report[url]].add(gid)
    merged = {gid: keys for gid, keys in logical_of_group.items() if len(keys) > 1}
    split = {key: gids for key, gids in groups_of_logical.items() if len(gids) > 1}
    expected_logical = {url_report[url] for url in expected if url in url_report}
    for url in sorted(expected - stored):
        print(f"miss: {url_class.get(url, 'other')} {url}")
    for gid, url in sorted(report_sources, key=lambda row: (row[0] or 0, row[1])):
        if gid in wrong:
            print(f"wrong: group {gid} {url_class.get(url, 'other')} {url}")
    for (method, path, body), n in sorted(repeated.items()):
        url = server.base_url + path
        print(f"duplicate: {n}x {url_class.get(url, 'other')} {method} {path} {body[:80]}")
    for p in misclassified:
        print(f"misclassified: {p['id']} fault={p['fault']} expected={p['expected_health']} "
              f"got={health.get(p['id'], ('NEVER-CRAWLED', None))}")
    for gid, keys in merged.items():
        print(f"merged: group {gid} holds {sorted(keys, key=str)}")
    for key, gids in split.items():
        print(f"split: {key} in groups {sorted(gids)}")
    miss_classes = Counter(url_class.get(url, "other") for url in expected - stored)
    print(f"logical_reports_expected={len(expected_logical)} groups_merged={len(merged)} "
          f"logical_reports_split={len(split)} ok_reports_without_group={ungrouped} "
          f"misses_by_class={dict(miss_classes)} retries_by_fault={dict(retries_by_fault)}")
    figures = {
        "recall": round(recall, 4), "precision": round(precision, 4), "misclassified_seeds": len(misclassified),
        "duplicate_fetches": duplicates, "retry_fetches": sum(retries.values()),
        "reports_per_s": round(len(reports_ok) / elapsed, 2),
        "cpu_s_per_report": round((cpu1 - cpu0) / max(len(reports_ok), 1), 4),
        "peak_rss_mb": round(peak_rss, 1), "bare_fetch_ratio": round(elapsed / bare_elapsed, 2),
    }
    print(f"portals={len(manifest['portals'])} manifest_reports={len(manifest['reports'])} "
          f"report_urls_expected={len(expected)} requests={len(fetched)} distinct_urls={len(urls)} "
          f"reports_ok={len(reports_ok)} harvest_s={elapsed:.1f} bare_s={bare_elapsed:.1f} work={work}")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
