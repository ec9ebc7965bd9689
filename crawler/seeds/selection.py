"""Choosing the seeds of a run: by province, ids and platform."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from crawler import patterns as P
from crawler.families import PLATFORM_KEYS
from crawler.seeds.model import Seed, SeedSelectionError
from crawler.seeds.places import province_for


def known_provinces(seeds: Iterable[Seed]) -> list[P.Province]:
    codes = sorted({s.province_code for s in seeds})
    return [P.PROVINCES_BY_CODE[c] for c in codes if c in P.PROVINCES_BY_CODE]


def _province_choices(seeds: list[Seed]) -> str:
    return ", ".join(f"{p.short} ({p.code}, {p.pinyin})" for p in known_provinces(seeds)) or "none"


def select_seeds(
    seeds: Iterable[Seed],
    province: str | None = None,
    ids: Iterable[str] | None = None,
    platform: str | None = None,
    active_only: bool = True,
) -> list[Seed]:
    """Seeds matching every given filter, in their original order.

    ``province`` is a code (``13``/``130000``), a name (``河北``/``河北省``) or pinyin (``hebei``).
    Raises :class:`SeedSelectionError` naming the known provinces when the province matches no seed,
    naming the unknown ids when ``ids`` contains any, and listing the keys for an unknown platform.
    """
    pool = list(seeds)
    chosen = [s for s in pool if s.active] if active_only else list(pool)
    if province is not None:
        prov = province_for(province)
        if prov is None or not any(s.province_code == prov.code for s in pool):
            raise SeedSelectionError(
                f"province {province!r} matches no seed; known provinces: {_province_choices(pool)}"
            )
        chosen = [s for s in chosen if s.province_code == prov.code]
    if ids is not None:
        wanted = [i.strip() for i in ids if i and i.strip()]
        known = {s.id for s in pool}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise SeedSelectionError(f"unknown seed id(s): {', '.join(unknown)}")
        wanted_set = set(wanted)
        chosen = [s for s in chosen if s.id in wanted_set]
    if platform is not None:
        if platform not in PLATFORM_KEYS:
            raise SeedSelectionError(f"unknown platform {platform!r}; use one of {', '.join(PLATFORM_KEYS)}")
        chosen = [s for s in chosen if s.platform == platform]
    return chosen


def crawlable(
    seeds: Iterable[Seed], province: str | None = None, ids: Iterable[str] | None = None
) -> list[Seed]:
    """The seeds a crawl visits: active, matching ``province``/``ids``, and with a column URL.

    Raises :class:`SeedSelectionError` as :func:`select_seeds` does.
    """
    return [s for s in select_seeds(seeds, province=province, ids=ids) if s.column_url]


def for_platforms(seeds: Iterable[Seed], platforms: Iterable[str], platform_of: Callable[[Seed], str]) -> list[Seed]:
    """The seeds whose platform (as ``platform_of`` tells it) is one of ``platforms``, in order."""
    wanted = set(platforms)
    return [s for s in seeds if platform_of(s) in wanted]
