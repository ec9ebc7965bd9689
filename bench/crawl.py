"""Crawl benchmark: the full simulated portal farm, crawled by the real CLI, scored against its manifest.

Usage: .venv/bin/python bench/crawl.py [--portals 40] [--seed 1]

Serves Farm.generate(portals, seed, faults=True) on 127.0.0.1, runs ``scrapy nightly`` (politeness
delays off) into a fresh SQLite database, then — in the same run, as the baseline — a bare Scrapy
spider that only fetches the same URLs. Prints figures; the last line is machine-readable:
recall= precision= misclassified_seeds= duplicate_fetches= reports_per_s= cpu_s_per_report=
peak_rss_mb= bare_fetch_ratio=
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from crawler.farm import Farm, FarmServer  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-crawl-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVEST_")}
    db_url = f"sqlite:///{work / 'harvest.sqlite3'}"
    env.update(HARVEST_VAR_DIR=str(work), HARVEST_DATABASE_URL=db_url, HARVEST_SEEDS=str(work / "seeds.csv"))

    farm = Farm.generate(portals=opts.portals, seed=opts.seed, faults=True)
    with FarmServer(farm, port=0) as server:
        server.write_out(work)
        manifest = server.manifest()
        server.warm()  # render every resource first: the farm's first renders are not the crawler's cost
        started = time.monotonic()
        cpu0, _ = child_usage()
        run = subprocess.run([SCRAPY, "nightly", *FAST], cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        cpu1, peak_rss = child_usage()
        if run.returncode not in (0, 4):
            sys.exit(f"nightly failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        counts = server.request_counts()  # (method, path, POST body) -> n
        fetched = [path for method, path in server.requests]
        urls = sorted({server.base_url + path for path in fetched})
        (work / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        (work / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
        server.requests.clear()
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
    all_report_urls = set()
    for report in manifest["reports"]:
        all_report_urls.update(report.get("detail_urls") or [])
        all_report_urls.update(a["url"] for a in report.get("attachments") or [])

    store = ReportStore(make_engine(db_url))
    with store.sessions() as session:
        stored = set(session.scalars(select(Document.requested_url)))
        report_sources = session.execute(
            select(Report.group_id, Document.requested_url).join(ReportSource, ReportSource.report_id == Report.id)
            .join(Document, Document.id == ReportSource.document_id).where(Report.status == "ok")).all()
        health = {h.portal_id: h.state for h in session.scalars(select(SeedHealth))}
    reports_ok = {rid for rid, _ in report_sources}
    wrong = {rid for rid, url in report_sources if url not in all_report_urls}
    recall = len(expected & stored) / len(expected) if expected else 1.0
    precision = (len(reports_ok) - len(wrong)) / len(reports_ok) if reports_ok else 0.0
    misclassified = sum(1 for p in manifest["portals"] if health.get(p["id"], "NEVER-CRAWLED") != p["expected_health"])
    duplicates = sum(n - 1 for key, n in counts.items() if n > 1 and not key[1].endswith("robots.txt"))
    figures = {
        "recall": round(recall, 4), "precision": round(precision, 4), "misclassified_seeds": misclassified,
        "duplicate_fetches": duplicates, "reports_per_s": round(len(reports_ok) / elapsed, 2),
        "cpu_s_per_report": round((cpu1 - cpu0) / max(len(reports_ok), 1), 4),
        "peak_rss_mb": round(peak_rss, 1), "bare_fetch_ratio": round(elapsed / bare_elapsed, 2),
    }
    print(f"portals={len(manifest['portals'])} report_urls_expected={len(expected)} requests={len(fetched)} "
          f"reports_ok={len(reports_ok)} harvest_s={elapsed:.1f} bare_s={bare_elapsed:.1f} work={work}")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
