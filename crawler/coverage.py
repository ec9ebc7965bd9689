"""The coverage panel (``scrapy seeds coverage``): for every place that should publish and every
year, is its report stored — and if not, why not.

Places come from the region-code history (crawler/seeds/history.py): the province-, prefecture- and
county-level codes valid in each year, from the first year of the 2008 regulation (or ``since``)
to the last year whose reports are already due (crawler/health.py: 31 March of the next year for a
government, plus the grace period). Places outside the regulation (Taiwan, Hong Kong, Macao, 金门县)
are left out. Each place-year falls in exactly one category (:data:`CATEGORIES`); a place's seed is
an active government row (level province/prefecture/county) with the place's adcode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from crawler import patterns as P
from crawler.health import last_due_year
from crawler.items import EMPTY, OK
from crawler.seeds import Seed, province_for
from crawler.seeds.build import OUTSIDE_REGULATION
from crawler.seeds.history import CodeHistory

#: first report year: the 2008 regulation (《政府信息公开条例》, in force 1 May 2008)
FIRST_YEAR = 2008
STORED = "stored"
OVERDUE = "overdue"
NO_SEED = "no_seed"
NO_COLUMN = "no_column"
FAILING = "failing"
#: the categories of a place-year, with what each means (printed in the command's help)
CATEGORIES: dict[str, str] = {
    STORED: "a report of this place for this year is stored (parsed ok)",
    OVERDUE: "past the deadline, not stored, and the place's seed has a column whose last run "
             "did not fail (OK, EMPTY or never crawled): a report the crawl should find or the place never published",
    NO_SEED: "no active government seed has this place's adcode (places whose code was retired land here)",
    NO_COLUMN: "the place's seed has no column URL yet (NEEDS-COLUMN: discovery has not found one)",
    FAILING: "the place's seed has a column but its last run failed (BLOCKED, BROKEN, MOVED, ROBOTS-DISALLOWED, …)",
}
#: last-run states that are not a failure of the seed
WORKING_STATES = frozenset({OK, EMPTY})
#: a place's government deadlines (crawler/health.py): any government level gives the same year
GOVERNMENT_LEVEL = P.GOVERNMENT_LEVELS[-1]


@dataclass(frozen=True)
class PlaceYear:
    province: str
    adcode: str
    name: str
    year: int
    seed_id: str
    category: str


@dataclass
class Tally:
    """Figures of a province (or of the whole panel)."""

    places: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))

    def add(self, row: PlaceYear) -> None:
        self.places.add(row.adcode)
        self.years.add(row.year)
        self.counts[row.category] += 1

    def line(self) -> str:
        c = self.counts
        return (f"places={len(self.places)} years={len(self.years)} reports={c[STORED]} overdue={c[OVERDUE]} "
                f"no_seed={c[NO_SEED]} no_column={c[NO_COLUMN]} failing={c[FAILING]}")


def _seed_of_place(seeds: Iterable[Seed]) -> dict[str, list[Seed]]:
    found: dict[str, list[Seed]] = {}
    for seed in seeds:
        if seed.active and seed.level in P.GOVERNMENT_LEVELS:
            found.setdefault(seed.adcode, []).append(seed)
    return found


def _category(year: int, candidates: list[Seed], stored: Mapping[str, set[int]],
              states: Mapping[str, str]) -> tuple[str, str]:
    """``(category, seed id)`` of one place-year."""
    if not candidates:
        return NO_SEED, ""
    for seed in candidates:
        if year in stored.get(seed.id, ()):
            return STORED, seed.id
    with_column = [s for s in candidates if s.column_url]
    if not with_column:
        return NO_COLUMN, candidates[0].id
    for seed in with_column:
        state = states.get(seed.id)
        if state is None or state in WORKING_STATES:
            return OVERDUE, seed.id
    return FAILING, with_column[0].id


def coverage(history: CodeHistory, seeds: Iterable[Seed], stored: Mapping[str, set[int]],
             states: Mapping[str, str], today: date, *, since: int = FIRST_YEAR, province: str | None = None,
             grace_days: int | None = None) -> list[PlaceYear]:
    """One row per place that should publish and per year from ``since`` to the last due year.

    ``stored`` maps seed id → report years stored; ``states`` seed id → state of its latest run
    (a seed missing from it was never crawled).
    """
    by_place = _seed_of_place(seeds)
    last = last_due_year(GOVERNMENT_LEVEL, today, grace_days)
    rows = []
    for year in range(since, last + 1):
        for code, record in sorted(history.valid_in(year).items()):
            if code[:2] not in P.PROVINCES_BY_CODE or code in OUTSIDE_REGULATION or code[:2] in _OUTSIDE_PROVINCES:
                continue
            if province is not None and code[:2] != province:
                continue
            category, seed_id = _category(year, by_place.get(code, []), stored, states)
            rows.append(PlaceYear(P.PROVINCES_BY_CODE[code[:2]].short, code, record.name, year, seed_id, category))
    return rows


_OUTSIDE_PROVINCES = frozenset(code[:2] for code in OUTSIDE_REGULATION if code.endswith("0000"))


def province_code(value: str) -> str | None:
    """The 2-digit code of a province given by name, code or pinyin (None when unknown)."""
    prov = province_for(value)
    return prov.code if prov else None


def tallies(rows: Iterable[PlaceYear]) -> tuple[dict[str, Tally], Tally]:
    """Per-province tallies (by province code, in code order) and the total."""
    per: dict[str, Tally] = {}
    total = Tally()
    for row in rows:
        per.setdefault(row.adcode[:2], Tally()).add(row)
        total.add(row)
    return dict(sorted(per.items())), total
