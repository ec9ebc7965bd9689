"""Per-seed health for researchers: state of the last run, last success, reports, overdue years.

States (from the last crawl run that covered the seed): OK, EMPTY, BLOCKED:<kind>,
BROKEN:<404|soft-404|redirect-home|dns|tls|connect>, ROBOTS-DISALLOWED, MOVED (a redirect would
leave the seed's site: not followed, the detail is the target, for a researcher to confirm);
NEEDS-COLUMN for a seed without a column URL; NEVER-CRAWLED for a seed no run has covered yet.

Overdue monitor: reports for year Y are due by 31 January of Y+1 from departments and by 31 March
of Y+1 from governments (report-format.md §1), plus a grace period (HARVEST_OVERDUE_GRACE_DAYS,
default 30). A seed whose newest stored report is older than the last year already due is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from crawler.config import get_config
from crawler.items import EMPTY, OK

if TYPE_CHECKING:
    from crawler.seeds import Seed
    from pipelines.storage.queries import Queries

DEPARTMENT_DEADLINE = (1, 31)  # (month, day) of year Y+1
GOVERNMENT_DEADLINE = (3, 31)
#: states of a seed whose listing a run read to the end (see :func:`seeds_crawled_through_by`)
THROUGH_STATES = (OK, EMPTY)


def is_department(level: str) -> bool:
    return level.endswith("-dept") or level == "department"


def grace_period(grace_days: int | None = None) -> int:
    """``grace_days``, or HARVEST_OVERDUE_GRACE_DAYS (crawler.config) when None."""
    if grace_days is not None:
        return grace_days
    return get_config().overdue_grace_days


def last_due_year(level: str, today: date, grace_days: int | None = None) -> int:
    """The newest report year whose deadline (plus grace) has passed on ``today``."""
    grace_days = grace_period(grace_days)
    month, day = DEPARTMENT_DEADLINE if is_department(level) else GOVERNMENT_DEADLINE
    year = today.year - 1
    while date(year + 1, month, day) + timedelta(days=grace_days) >= today:
        year -= 1
    return year


@dataclass(frozen=True)
class SeedStatus:
    id: str
    province: str
    agency: str
    state: str
    detail: str
    last_success: str
    reports_found: int
    latest_year: int | None
    overdue_year: int | None


def seed_status(queries: Queries, seeds: list[Seed], today: date | None = None,
                grace_days: int | None = None) -> list[SeedStatus]:
    """One status row per seed, read from the database (grace: see :func:`grace_period`)."""
    today = today or date.today()
    grace_days = grace_period(grace_days)
    health = queries.latest_seed_health()
    successes = queries.last_successes()
    found = queries.reports_per_seed()
    rows = []
    for seed in seeds:
        h = health.get(seed.id)
        state = "NEEDS-COLUMN" if not seed.column_url else (h.state if h else "NEVER-CRAWLED")
        count, latest = found.get(seed.id, (0, None))
        due = last_due_year(seed.level, today, grace_days)
        overdue = due if h and seed.active and seed.column_url and (latest is None or latest < due) else None
        success = successes.get(seed.id)
        rows.append(SeedStatus(
            id=seed.id, province=seed.province, agency=seed.agency, state=state,
            detail=(h.detail or "") if h else "",
            last_success=success.isoformat(timespec="seconds") if isinstance(success, datetime) else "",
            reports_found=int(count), latest_year=latest, overdue_year=overdue))
    return rows


def seeds_crawled_through_by(queries: Queries, spider: str) -> set[str]:
    """Seeds that a crawl run of ``spider`` has read to the end: state OK, or EMPTY (every listing
    page read, no report on any).

    The incremental middleware crawls any other seed as in ``full`` mode: a seed newly given to a
    family spider (its ``auto`` platform just detected, or its platform edited) may have rows and
    report pages stored by another spider, which paged or split articles differently.
    """
    return queries.seeds_with_state_by(spider, THROUGH_STATES)
