"""Deployment settings: the one place that reads ``HARVEST_*`` environment variables.

Everything that differs between a researcher's laptop, a server and CI comes from here;
``crawler/settings.py`` and the commands read the values through :func:`get_config`.

Variables:
    HARVEST_DATABASE_URL  SQLAlchemy URL (default: SQLite file ``var/harvest.sqlite3``)
    HARVEST_BLOB_DIR      content-addressed raw-byte store (default: ``var/blobs``)
    HARVEST_BLOB_URL      the raw-byte store as a URL, overriding HARVEST_BLOB_DIR: ``file:///path``
                          or ``s3://bucket/prefix`` on an S3-compatible endpoint (AWS S3, Aliyun OSS,
                          Tencent COS, MinIO); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
                          (or the shared AWS files), as boto3 reads them
    HARVEST_S3_ENDPOINT_URL  the S3 endpoint (default: AWS_ENDPOINT_URL, else AWS S3 itself)
    HARVEST_S3_ADDRESSING_STYLE  ``path`` (MinIO, most self-hosted) or ``virtual`` (OSS, COS);
                          default: boto3's choice
    HARVEST_S3_REGION     the bucket's region (default: AWS_REGION, else AWS_DEFAULT_REGION via boto3)
    HARVEST_REDIS_URL     the shared crawl frontier (``redis://host:6379/0``): when set, ``scrapy nightly`` and
                          ``scrapy backfill`` put their seeds into Redis and ``scrapy worker`` processes, on
                          any machine pointing at the same Redis, crawl them (:mod:`crawler.frontier`)
    HARVEST_REDIS_PREFIX  prefix of every frontier key in that Redis (default: ``ogi``)
    HARVEST_SEEDS         seeds directory or one CSV file (default: ``seeds/``)
    HARVEST_VAR_DIR       runtime directory for locks, job state, logs (default: ``var/``)
    HARVEST_DOWNLOAD_DELAY  seconds between requests to one host (default: 1.0)
    HARVEST_USER_AGENT    override of the user agent string
    HARVEST_OVERDUE_GRACE_DAYS  days after a report deadline before a seed counts as overdue
                          (``scrapy seeds status``; default: 30)
    HARVEST_PARSE_WORKERS  worker processes that clean and parse documents during a crawl, so the
                          reactor keeps fetching (default: the cores less one, 0 on a machine of
                          one or two cores: parse in a thread of the crawl's own process);
                          ``scrapy worker --workers N`` shares it among its N processes; see
                          pipelines/workers.py
    HARVEST_DB_POOL_SIZE  PostgreSQL connections each process keeps open (SQLAlchemy pool_size;
                          default: 5, with up to as many again opened under load); SQLite ignores it
    HARVEST_EMPTY_RELOOK_RUNS  consecutive EMPTY runs after which an ``auto`` seed's stored platform
                          detection is dropped so the next run detects again (default: 3)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PROJECT_URL = "https://github.com/ogi-harvest/ogi-harvest"
DEFAULT_OVERDUE_GRACE_DAYS = 30
DEFAULT_EMPTY_RELOOK_RUNS = 3
DEFAULT_DB_POOL_SIZE = 5  # pipelines.storage.db.DEFAULT_POOL_SIZE
DEFAULT_USER_AGENT = f"ogi-harvest/0.1 (+{PROJECT_URL}; research crawler for 政府信息公开工作年度报告)"


@dataclass(frozen=True)
class HarvestConfig:
    database_url: str
    blob_dir: Path
    seeds: Path
    var_dir: Path
    download_delay: float
    user_agent: str
    overdue_grace_days: int = DEFAULT_OVERDUE_GRACE_DAYS
    empty_relook_runs: int = DEFAULT_EMPTY_RELOOK_RUNS
    blob_url: str = ""  # empty: the file store at blob_dir
    s3_endpoint_url: str = ""
    s3_addressing_style: str = ""
    s3_region: str = ""
    parse_workers: int = 0
    db_pool_size: int = DEFAULT_DB_POOL_SIZE
    redis_url: str = ""  # empty: no shared frontier, every command crawls in its own process
    redis_prefix: str = "ogi"


def _path(value: str | None, default: Path) -> Path:
    if not value:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path)


def default_parse_workers(cores: int | None = None) -> int:
    """Parse worker processes when HARVEST_PARSE_WORKERS is not set: one core is left to the crawl's
    own process (fetching, archiving, storing), and on one or two cores none are started. Measured
    on 2 cores with the simulated farm on the same cores (``bench/crawl.py --portals 30``), a pool
    of two made the crawl slower than parsing in a thread (1.9 against 2.8 reports/s, 0.22 against
    0.18 CPU s a report): the pipe to the workers costs more than the GIL there."""
    cores = cores or os.cpu_count() or 1
    return cores - 1 if cores >= 3 else 0


def get_config(env: dict[str, str] | None = None) -> HarvestConfig:
    """Read the deployment settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    var_dir = _path(env.get("HARVEST_VAR_DIR"), REPO_ROOT / "var")
    database_url = env.get("HARVEST_DATABASE_URL") or f"sqlite:///{var_dir / 'harvest.sqlite3'}"
    delay_text = env.get("HARVEST_DOWNLOAD_DELAY", "1.0")
    try:
        delay = float(delay_text)
    except ValueError as exc:
        raise ValueError(f"HARVEST_DOWNLOAD_DELAY must be a number of seconds, got {delay_text!r}") from exc
    grace_text = env.get("HARVEST_OVERDUE_GRACE_DAYS") or str(DEFAULT_OVERDUE_GRACE_DAYS)
    try:
        grace_days = int(grace_text)
    except ValueError:
        grace_days = -1
    if grace_days < 0:
        raise ValueError(f"HARVEST_OVERDUE_GRACE_DAYS must be a whole number of days (0 or more), got {grace_text!r}")
    relook_text = env.get("HARVEST_EMPTY_RELOOK_RUNS") or str(DEFAULT_EMPTY_RELOOK_RUNS)
    relook_runs = int(relook_text) if relook_text.isdigit() else 0
    if relook_runs < 1:
        raise ValueError(f"HARVEST_EMPTY_RELOOK_RUNS must be a whole number of runs (1 or more), got {relook_text!r}")
    workers_text = (env.get("HARVEST_PARSE_WORKERS") or "").strip()
    if workers_text and not workers_text.isdigit():
        raise ValueError(f"HARVEST_PARSE_WORKERS must be a whole number of processes (0: parse in-process), "
                         f"got {workers_text!r}")
    parse_workers = int(workers_text) if workers_text else default_parse_workers()
    pool_text = (env.get("HARVEST_DB_POOL_SIZE") or "").strip()
    if pool_text and (not pool_text.isdigit() or int(pool_text) < 1):
        raise ValueError(f"HARVEST_DB_POOL_SIZE must be a whole number of connections (1 or more), got {pool_text!r}")
    db_pool_size = int(pool_text) if pool_text else DEFAULT_DB_POOL_SIZE
    blob_url = (env.get("HARVEST_BLOB_URL") or "").strip()
    if blob_url and not blob_url.startswith(("file:///", "s3://")):
        raise ValueError(f"HARVEST_BLOB_URL must be file:///path or s3://bucket/prefix, got {blob_url!r}")
    if blob_url.startswith("s3://") and not blob_url[len("s3://"):].split("/", 1)[0]:
        raise ValueError(f"HARVEST_BLOB_URL names no bucket: {blob_url!r} (s3://bucket/prefix)")
    addressing = (env.get("HARVEST_S3_ADDRESSING_STYLE") or "").strip().lower()
    if addressing not in ("", "auto", "path", "virtual"):
        raise ValueError(f"HARVEST_S3_ADDRESSING_STYLE must be path, virtual or auto, got {addressing!r}")
    redis_url = (env.get("HARVEST_REDIS_URL") or "").strip()
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"HARVEST_REDIS_URL must be redis://host:port/db (or rediss://, unix://), got {redis_url!r}")
    redis_prefix = (env.get("HARVEST_REDIS_PREFIX") or "ogi").strip()
    if not redis_prefix or any(c in redis_prefix for c in " *?[]"):
        raise ValueError(f"HARVEST_REDIS_PREFIX must be a plain key prefix, got {redis_prefix!r}")
    return HarvestConfig(
        database_url=database_url,
        blob_dir=_path(env.get("HARVEST_BLOB_DIR"), var_dir / "blobs"),
        seeds=_path(env.get("HARVEST_SEEDS"), REPO_ROOT / "seeds"),
        var_dir=var_dir,
        download_delay=delay,
        user_agent=env.get("HARVEST_USER_AGENT") or DEFAULT_USER_AGENT,
        overdue_grace_days=grace_days,
        empty_relook_runs=relook_runs,
        blob_url=blob_url,
        s3_endpoint_url=env.get("HARVEST_S3_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL") or "",
        s3_addressing_style=addressing,
        s3_region=env.get("HARVEST_S3_REGION") or env.get("AWS_REGION") or "",
        parse_workers=parse_workers,
        db_pool_size=db_pool_size,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
