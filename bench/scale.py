"""Scale benchmark: the farm crawled by one worker, then by two, on the shared Redis frontier,
PostgreSQL and an S3 endpoint — scored against the farm's manifest.

Usage: .venv/bin/python bench/scale.py [--portals 1000] [--seed 1] [--delay 0.1] [--keep]

Serves Farm.generate(portals, seed, faults=True) on 127.0.0.1 (``--portals`` healthy portals plus
one per fault kind) and starts moto's standalone S3 server on 127.0.0.1 (a real S3 API over HTTP).
Then, twice — with ``scrapy worker --workers 1`` and ``--workers 2`` — on a fresh PostgreSQL
database (dropped after), a fresh Redis key prefix (deleted after) and a fresh S3 prefix:
``scrapy nightly`` queues the seeds into Redis, the workers crawl them until the frontier is
drained. Per-portal politeness is the shared Redis lease (scope ``seed``: the farm serves every
portal from one loopback host) with ``--delay`` seconds between requests; the farm logs when it
started and finished answering each request, and a request that overlapped the previous one of
its portal, or started less than the delay after it, is a violation.

Figures per run, then the last line:
``portals= reports= speedup= politeness_violations= lost= duplicated= peak_rss_mb_per_worker=``
— ``reports`` the logical reports (agency × year) stored ``ok`` by the two-worker run, ``speedup``
the one-worker crawl time over the two-worker one, ``lost`` report URLs of the manifest (healthy
portals) not stored, ``duplicated`` documents stored more than once (both over the two runs),
``peak_rss_mb_per_worker`` the largest peak RSS of any worker process. The machine's other load
counts: say what else ran when quoting the speedup.

Measured on the shared 2-core machine, 2026-12-07 (main at 47c7797, 00:50-01:30 UTC, nothing else
running; the farm took about 7.5 minutes to build and warm): ``portals=1027 reports=5238
speedup=1.71 politeness_violations=0 lost=0 duplicated=0 peak_rss_mb_per_worker=360`` -- one worker
22,205 requests in 1,095 s at 359.5 MB peak, two workers 11,042 + 11,080 requests in 641 s at
354.6 MB at most. ``peak_rss_mb`` is each worker's own high-water mark (VmHWM). An earlier run
showed 741 MB for the one worker: that was ``ru_maxrss``, which Linux carries over ``execve``, so the
worker this script starts directly inherited this script's own peak (the warmed farm); sampled every
10 ms, that worker never went over 420 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402
import redis  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from pipelines.storage.db import make_engine, scratch_database  # noqa: E402
from pipelines.storage.models import Document, Report  # noqa: E402
from portalsim import Farm, FarmServer  # noqa: E402
from portalsim.server import politeness_violations  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
MOTO = str(Path(sys.executable).parent / "moto_server")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # the project's PostgreSQL (as bench/export.py)
REDIS_URL = "redis://127.0.0.1:6379/0"  # the project's Redis; the run uses a fresh key prefix
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
               "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
BUCKET = "ogi-bench-scale"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing answers on 127.0.0.1:{port}")


def expected_urls(manifest: dict) -> set[str]:
    ok = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"}
    urls: set[str] = set()
    for report in manifest["reports"]:
        if report["portal_id"] in ok and report.get("expect_stored", True):
            urls.update(report.get("detail_urls") or [])
            urls.update(a["url"] for a in report.get("attachments") or [] if not a.get("oversized"))
            urls.update(report.get("image_urls") or [])
    return urls


def crawl(server: FarmServer, work: Path, workers: int, delay: float, s3_url: str) -> dict:
    """One run on fresh state: queue the seeds, crawl with ``workers`` processes, score it."""
    tag = f"{os.getpid()}_{workers}_{uuid.uuid4().hex[:6]}"
    prefix = f"ogibench-scale-{tag}"
    database = ExitStack()
    db_url = database.enter_context(scratch_database(PG_ADMIN, f"ogi_bench_scale_{workers}"))
    var = work / f"var-{workers}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARVEST_", "SCRAPY_"))}
    env.update(CREDENTIALS, HARVEST_VAR_DIR=str(var), HARVEST_DATABASE_URL=db_url,
               HARVEST_SEEDS=str(work / "seeds.csv"), HARVEST_REDIS_URL=REDIS_URL, HARVEST_REDIS_PREFIX=prefix,
               HARVEST_BLOB_URL=f"s3://{BUCKET}/run-{tag}", HARVEST_S3_ENDPOINT_URL=s3_url,
               HARVEST_S3_ADDRESSING_STYLE="path")
    fast = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS=16",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "HARVEST_POLITENESS_SCOPE=seed",
            "-s", f"HARVEST_POLITENESS_DELAY={delay}"]
    try:
        server.clear_log()
        queued = subprocess.run([SCRAPY, "nightly", *fast], cwd=REPO, env=env, capture_output=True, text=True)
        if queued.returncode not in (0, 4):
            sys.exit(f"nightly failed ({queued.returncode}):\n{queued.stdout[-2000:]}\n{queued.stderr[-2000:]}")
        started = time.monotonic()
        run = subprocess.run([SCRAPY, "worker", "--workers", str(workers), *fast], cwd=REPO, env=env,
                             capture_output=True, text=True)
        elapsed = time.monotonic() - started
        (work / f"worker-{workers}.log").write_text(run.stdout + "\n" + run.stderr, encoding="utf-8")
        if run.returncode != 0:
            sys.exit(f"workers failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
        lines = [dict(part.split("=", 1) for part in line.split()) for line in run.stdout.splitlines()
                 if line.startswith("worker=")]
        violations = politeness_violations(list(server.timings), delay)
        engine = make_engine(db_url)
        with engine.connect() as conn:
            per_url = Counter(conn.execute(select(Document.requested_url)).scalars())
            reports = conn.execute(select(func.count(func.distinct(Report.group_id)))
                                   .where(Report.status == "ok")).scalar_one()
        engine.dispose()
        expected = expected_urls(server.manifest())
        return {"workers": workers, "crawl_s": round(elapsed, 1), "reports": reports,
                "requests": sum(int(line["requests"]) for line in lines),
                "per_worker_requests": ",".join(line["requests"] for line in lines),
                "violations": violations, "lost": sorted(expected - set(per_url)),
                "duplicated": sum(n - 1 for n in per_url.values() if n > 1),
                "peak_rss_mb": max(float(line["peak_rss_mb"]) for line in lines)}
    finally:
        database.close()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=1000, help="healthy portals (one per fault kind is added)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds between two requests to one portal")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-scale-"))
    os.environ.update(CREDENTIALS)
    s3_port = free_port()
    moto = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(s3_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(s3_port)
        s3_url = f"http://127.0.0.1:{s3_port}"
        boto3.client("s3", endpoint_url=s3_url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
        farm = Farm.generate(portals=opts.portals, seed=opts.seed, faults=True)
        with FarmServer(farm, port=0) as server:
            server.write_out(work)
            server.warm()
            runs = []
            for workers in (1, 2):
                figures = crawl(server, work, workers, opts.delay, s3_url)
                runs.append(figures)
                for line in figures["violations"][:10]:
                    print(f"violation: {line}")
                for url in figures["lost"][:10]:
                    print(f"lost: {url}")
                print(" ".join(f"{k}={v if not isinstance(v, list) else len(v)}" for k, v in figures.items()),
                      flush=True)
            portals = len(server.manifest()["portals"])
    finally:
        moto.terminate()
        moto.wait()
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    one, two = runs
    print(f"cpus={os.cpu_count()} load_avg={os.getloadavg()[0]:.2f} work={work if opts.keep else '-'}")
    print(f"portals={portals} reports={two['reports']} speedup={one['crawl_s'] / two['crawl_s']:.2f} "
          f"politeness_violations={len(one['violations']) + len(two['violations'])} "
          f"lost={len(one['lost']) + len(two['lost'])} duplicated={one['duplicated'] + two['duplicated']} "
          f"peak_rss_mb_per_worker={max(one['peak_rss_mb'], two['peak_rss_mb']):.0f}")


if __name__ == "__main__":
    main()
