"""A seed that keeps coming back EMPTY is looked at again (issue 10, item 4).

An ``auto`` seed is crawled by the family its column page showed once (crawler/platforms.py). If
the portal changes CMS, that family may read the listing and find nothing, run after run. After
HARVEST_EMPTY_RELOOK_RUNS consecutive EMPTY runs since its detection was stored, the detection is
dropped so the next run detects the family again; ``seeds status`` shows such a seed as
``EMPTY (re-detect after N runs)``.

Re-discovery: a seed due for a re-look that has a homepage has its column discovered again in the
same run (:attr:`Relook.rediscover`; ``scheduled_crawl`` runs the discovery spider beside the family
spiders and records a confirmed column in the database). A seed file's own column is never replaced
by itself: ``seeds status`` shows the re-discovered column in its detail for a researcher to
confirm (``scrapy seeds discover --all --write``); a seed without a column is crawled at it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler import patterns as P
from crawler.items import EMPTY
from crawler.platforms import Detection, forget_detections, usable_detections

if TYPE_CHECKING:
    from crawler.seeds import Seed
    from pipelines.storage.queries import Queries


def empty_streak(states: Iterable[tuple[str, datetime]], since: datetime | None = None) -> int:
    """Consecutive EMPTY runs, newest first, counting only runs checked after ``since``."""
    streak = 0
    for state, checked in states:
        if since is not None and checked is not None and _aware(checked) <= _aware(since):
            break
        if state != EMPTY:
            break
        streak += 1
    return streak


def _aware(moment: datetime) -> datetime:

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def relook_label(runs: int) -> str:
    """The state ``seeds status`` shows for a seed due for a re-look."""
    return f"{EMPTY} (re-detect after {runs} runs)"


@dataclass
class Relook:
    """Seeds due for a re-look: detections to drop, and seeds to re-discover (by their homepage)."""

    redetect: list[str] = field(default_factory=list)
    rediscover: list[str] = field(default_factory=list)


def due_for_relook(seeds: Iterable[Seed], detections: Mapping[str, Detection],
                   recent: Mapping[str, list[tuple[str, datetime]]], runs: int) -> Relook:
    """The ``auto`` seeds whose stored detection (for their current column) was followed by at
    least ``runs`` consecutive EMPTY runs."""
    plan = Relook()
    for seed in seeds:
        if seed.platform != P.PLATFORM_AUTO:
            continue
        found = detections.get(seed.id)
        if found is None or found.url != seed.column_url:
            continue
        try:
            since = datetime.fromisoformat(found.detected_at) if found.detected_at else None
        except ValueError:
            since = None
        if empty_streak(recent.get(seed.id, []), since) >= runs:
            plan.redetect.append(seed.id)
            if seed.homepage:
                plan.rediscover.append(seed.id)
    return plan


def relook_empty_seeds(queries: Queries, seeds: list[Seed], detections_file: Path, runs: int,
                       warn: Callable[[str], None] | None = None) -> Relook:
    """Drop the stored detections of the seeds due for a re-look (before a run plans its crawl)."""
    detections = usable_detections(detections_file, warn=warn)
    plan = due_for_relook(seeds, detections, queries.recent_states(), runs)
    if plan.redetect:
        forget_detections(plan.redetect, detections_file)
        if warn is not None:
            warn(f"re-detecting {len(plan.redetect)} auto seed(s) after {runs} EMPTY runs: "
                 + ", ".join(plan.redetect))
    return plan
