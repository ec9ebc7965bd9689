"""``scrapy seeds check|status``: validate the researchers' seed files; show each seed's state.

``scrapy seeds check [DIR_OR_FILE]`` validates every seed file (default: ``HARVEST_SEEDS``, i.e.
``seeds/``) and prints each problem as ``file:line: message``, then one summary line. Exit code 0
when there is no error (warnings allowed), 1 when there is at least one error, 2 on a usage error.

``scrapy seeds discover [DIR_OR_FILE] [--province P] [--out FILE] [--write] [--all]`` walks from
each column-less seed's homepage (every seed with a homepage with ``--all``) to its 年报 column
(crawler/discovery.py, crawler/spiders/discover.py): ``--out`` writes ``id,column_url,score,evidence``,
``--write`` fills the confident columns into the seed files, and confident discoveries are stored
in the database, where ``nightly`` and ``seeds status`` (``column (discovered)``) find them.

``scrapy seeds status [--province P] [--csv FILE] [--all]`` prints one line per seed with its
platform and state (``MOVED: <target>`` for a seed whose redirect would leave its site, the
CSV's ``detail`` column giving the target); an ``auto`` seed shows the family a crawl detected on
its column page, marked ``(detected)`` (the CSV's ``detection`` column gives the evidence), or ``auto`` until then.
Until a crawl run has recorded per-seed health, the state is NEEDS-COLUMN for seeds without a
column URL and UNKNOWN for the others; the health monitor plugs in through :func:`status_rows`'
``health`` argument.

``scrapy seeds import-places [SEEDS_DIR] [--places DIR]`` regenerates the government rows from
``homepages.csv`` (:mod:`crawler.seeds.build`), then checks the result as ``seeds check`` does.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler import patterns as P
from crawler.commands._common import quiet_unless_asked
from crawler.config import REPO_ROOT
from crawler.coverage import CATEGORIES as COVERAGE_HELP
from crawler.discovery import DISCOVERED, apply_discoveries, is_discovered
from crawler.platforms import Detection, effective_platform, load_detections
from crawler.seeds import Problem, Seed, SeedLoad, SeedSelectionError, default_seeds_path, load_seeds, select_seeds

if TYPE_CHECKING:
    from pipelines.storage.queries import Queries

SUBCOMMANDS = ("check", "status", "discover", "coverage", "import-places")
STATE_NEEDS_COLUMN = "NEEDS-COLUMN"
STATE_UNKNOWN = "UNKNOWN"
STATE_INACTIVE = "INACTIVE"
#: where ``seeds import-places`` reads homepages.csv (the project's sibling directory of shared facts)
DEFAULT_PLACES = REPO_ROOT.parent / "shared" / "places"


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def format_problem(problem: Problem) -> str:
    prefix = "" if problem.severity == "error" else f"{problem.severity}: "
    return f"{_shown(problem.path)}:{problem.line}: {prefix}{problem.message}"


def run_check(target: Path, out=None) -> int:
    """Validate ``target``; print problems and a summary; return the exit code (0 clean, 1 errors)."""
    out = out or sys.stdout
    load = load_seeds(target)
    for problem in load.problems:
        print(format_problem(problem), file=out)
    verdict = "OK" if load.ok else "FAILED"
    print(f"seeds check {verdict}: {_shown(target)} {load.summary()}", file=out)
    return 0 if load.ok else 1


@dataclass(frozen=True)
class StatusRow:
    id: str
    province: str
    agency: str
    level: str
    platform: str
    state: str
    last_success: str
    reports_found: str
    latest_year: str
    overdue_year: str
    column_url: str
    column_source: str = ""  # "discovered": the column comes from ``seeds discover``, not the file
    detail: str = ""  # the last run's detail of the state: for MOVED, the redirect target
    detection: str = ""  # evidence of the stored detection an ``auto`` seed is crawled by, if any

    @property
    def shown_state(self) -> str:
        """The state as printed: ``MOVED: <target>`` for a seed whose redirect left its site,
        ``PARTIAL:pager: <evidence>`` for a listing announcing pages that could not be followed."""
        from crawler.items import MOVED, PARTIAL_PAGER
        shows_detail = self.state in (MOVED, PARTIAL_PAGER)
        return f"{self.state}: {self.detail}" if shows_detail and self.detail else self.state


def status_rows(
    seeds: list[Seed],
    detections: Mapping[str, Detection],
    health: Mapping[str, Mapping[str, object]] | None = None,
) -> list[StatusRow]:
    """One row per seed. ``health`` maps seed id → {"state", "detail", "last_success", "reports_found"}
    from runs."""
    rows = []
    known = dict(detections)
    for seed in seeds:
        record = (health or {}).get(seed.id, {})
        if not seed.active:
            state = STATE_INACTIVE
        elif seed.needs_column:
            state = STATE_NEEDS_COLUMN
        else:
            state = str(record.get("state") or STATE_UNKNOWN)
        platform = effective_platform(seed.platform, seed.id, seed.column_url, known)
        detected = platform != seed.platform
        rows.append(
            StatusRow(
                id=seed.id,
                province=seed.province,
                agency=seed.agency,
                level=seed.level,
                platform=platform,
                state=state,
                last_success=str(record.get("last_success") or ""),
                reports_found=str(record.get("reports_found") if record.get("reports_found") is not None else ""),
                latest_year=str(record.get("latest_year") or ""),
                overdue_year=str(record.get("overdue_year") or ""),
                column_url=seed.column_url,
                detection=known[seed.id].evidence if detected else "",
                detail=str(record.get("detail") or "") if state == record.get("state") else "",
                column_source=DISCOVERED if is_discovered(seed) else "",
            )
        )
    return rows


def _relook_states(queries: Queries, seeds: list[Seed]) -> dict[str, str]:
    """``EMPTY (re-detect after N runs)`` for each ``auto`` seed whose last N runs were EMPTY
    (crawler.relook: the next run drops its stored detection and detects again)."""
    from crawler.config import get_config
    from crawler.relook import empty_streak, relook_label

    runs = get_config().empty_relook_runs
    recent = queries.recent_states()
    return {s.id: relook_label(runs) for s in seeds
            if s.platform == P.PLATFORM_AUTO and s.column_url and empty_streak(recent.get(s.id, [])) >= runs}


def rediscovered_detail(seed: Seed, discovered: dict[str, str]) -> str:
    """For a seed due for a re-look: the column its re-discovery confirmed, when it differs from the
    seed file's column — a suggestion for a researcher, never written by itself."""
    url = discovered.get(seed.id)
    if not url or url == seed.column_url:
        return ""
    return f"re-discovered column: {url} (confirm with: scrapy seeds discover --all --write)"


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return ("check [DIR_OR_FILE] | status [--province P] [--csv FILE] [--all] | "
                "coverage [--province P] [--since YEAR] [--csv FILE] | import-places [SEEDS_DIR] [--places DIR] | "
                "discover [DIR_OR_FILE] [--province P] [--out FILE] [--write] [--all]")

    def short_desc(self) -> str:
        return "Validate the seed files (check), show each seed's state (status) or the coverage panel (coverage)"

    def long_desc(self) -> str:
        return (
            "check: validate every seed CSV (default HARVEST_SEEDS or seeds/), print each problem as "
            "file:line: message, exit 1 on errors. status: one line per seed with platform and state. "
            "import-places: add the homepage column and one row per government (province, prefecture, "
            "county level) missing from the seed files, from homepages.csv of --places; existing rows are kept. "
            "coverage [--province P] [--since YEAR] [--csv FILE]: for every place that should publish (the "
            "province-, prefecture- and county-level region codes valid in each year, 2008 or --since on) and "
            "every year whose reports are due (31 March of the next year for a government, plus "
            "HARVEST_OVERDUE_GRACE_DAYS), one category per place and year: "
            + "; ".join(f"{name}: {meaning}" for name, meaning in COVERAGE_HELP.items())
            + ". Prints one line per province, then the total line "
            "places= years= reports= overdue= no_seed= no_column= failing= (reports counts the stored ones)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", default=None,
                            help="status, coverage, discover: only this province (name, code or pinyin)")
        parser.add_argument("--csv", dest="csv_file", default=None, metavar="FILE",
                            help="status, coverage: write a CSV file (coverage: one row per place and year)")
        parser.add_argument("--all", dest="include_inactive", action="store_true",
                            help="status: include retired seeds; discover: also seeds that have a column")
        parser.add_argument("--since", type=int, default=None, metavar="YEAR",
                            help="coverage: first report year (default: 2008, the regulation's first year)")
        parser.add_argument("--places", default=str(DEFAULT_PLACES), metavar="DIR",
                            help="where import-places reads homepages.csv (default ../shared/places)")
        parser.add_argument("--out", dest="out_file", default=None, metavar="FILE",
                            help="discover: write id,column_url,score,evidence to a CSV file")
        parser.add_argument("--write", action="store_true",
                            help="discover: fill the column of each confident seed in its seed file")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        quiet_unless_asked(self.settings, opts)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args or args[0] not in SUBCOMMANDS:
            raise UsageError(f"expected a subcommand: {' or '.join(SUBCOMMANDS)}")
        sub, rest = args[0], args[1:]
        stray = [a for a in rest if a.startswith("-")]
        if stray:
            raise UsageError(f"unknown option(s): {' '.join(stray)}", print_help=False)
        if sub == "check":
            if len(rest) > 1:
                raise UsageError("seeds check takes at most one DIR_OR_FILE", print_help=False)
            target = Path(rest[0]) if rest else default_seeds_path()
            self.exitcode = run_check(target)
            return
        if sub == "coverage":
            if rest:
                raise UsageError("seeds coverage takes no positional argument", print_help=False)
            self.exitcode = self._coverage(opts)
            return
        if sub == "import-places":
            self.exitcode = self._import_places(rest, opts)
            return
        if sub == "discover":
            if len(rest) > 1:
                raise UsageError("seeds discover takes at most one DIR_OR_FILE", print_help=False)
            from crawler.commands._discover import discover_command

            target = Path(rest[0]) if rest else default_seeds_path()
            try:
                self.exitcode = discover_command(self.crawler_process, self.settings, target, opts.province,
                                                 opts.out_file, opts.write, opts.include_inactive)
            except SeedSelectionError as exc:
                raise UsageError(str(exc), print_help=False) from exc
            return
        if rest:
            raise UsageError("seeds status takes no positional argument", print_help=False)
        self.exitcode = self._status(opts)

    @staticmethod
    def _import_places(rest: list[str], opts: argparse.Namespace) -> int:
        """Regenerate the government rows of the seed files from the places facts (crawler.seeds.build)."""
        from crawler.seeds.build import HOMEPAGES_FILE, build

        if len(rest) > 1:
            raise UsageError("seeds import-places takes at most one seeds DIR", print_help=False)
        target = Path(rest[0]) if rest else default_seeds_path()
        places = Path(opts.places)
        if not (places / HOMEPAGES_FILE).is_file():
            raise UsageError(f"no {HOMEPAGES_FILE} in {places} (give --places DIR)", print_help=False)
        if not target.is_dir():
            raise UsageError(f"seeds import-places needs a seeds directory, got {target}", print_help=False)
        figures = build(places, target)
        print(" ".join(f"{k}={v}" for k, v in figures.items()))
        return run_check(target)

    @staticmethod
    def _discovered_and_health(seeds: list[Seed]) -> tuple[list[Seed], dict[str, dict[str, object]]]:
        """``seeds`` with the columns ``seeds discover`` stored for seeds without one, and the
        health recorded by crawl runs (``seeds`` unchanged and no health, with a warning, if the
        database is unreachable). One connection serves both."""
        from crawler.commands._common import open_store
        from crawler.config import get_config
        from crawler.health import seed_status
        from pipelines.storage.db import DatabaseUnavailable

        try:
            store = open_store(get_config().database_url)
        except DatabaseUnavailable as exc:
            print(f"warning: no run health shown: {exc}", file=sys.stderr)
            return seeds, {}
        try:
            discovered = store.discovered_columns()
            seeds = apply_discoveries(seeds, discovered)
            relook = _relook_states(store.queries, seeds)
            by_id = {s.id: s for s in seeds}
            health: dict[str, dict[str, object]] = {
                row.id: {"state": relook.get(row.id) or (row.state if row.state != "NEVER-CRAWLED" else None),
                         "detail": (rediscovered_detail(by_id[row.id], discovered) if row.id in relook else "")
                         or row.detail,
                         "last_success": row.last_success, "reports_found": row.reports_found,
                         "latest_year": row.latest_year, "overdue_year": row.overdue_year}
                for row in seed_status(store.queries, seeds)}
            return seeds, health
        finally:
            store.engine.dispose()

    @staticmethod
    def _coverage(opts: argparse.Namespace) -> int:
        """Print the coverage panel: one line per province and the total line (crawler.coverage)."""
        from datetime import date

        from crawler.commands._common import open_store
        from crawler.config import get_config
        from crawler.coverage import FIRST_YEAR, coverage, province_code, tallies
        from crawler.seeds.history import code_history
        from pipelines.storage.db import DatabaseUnavailable

        code = None
        if opts.province:
            code = province_code(opts.province)
            if code is None:
                raise UsageError(f"unknown province {opts.province!r}", print_help=False)
        since = opts.since if opts.since is not None else FIRST_YEAR
        if since < FIRST_YEAR:
            raise UsageError(f"--since must be {FIRST_YEAR} or later (the regulation's first year)", print_help=False)
        load = load_seeds(default_seeds_path())
        for problem in load.errors:
            print(format_problem(problem), file=sys.stderr)
        try:
            store = open_store(get_config().database_url)
        except DatabaseUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            stored = store.queries.report_years_per_seed()
            states = {seed_id: h.state for seed_id, h in store.queries.latest_seed_health().items()}
        finally:
            store.engine.dispose()
        rows = coverage(code_history(), load.seeds, stored, states, date.today(), since=since, province=code)
        if opts.csv_file:
            with open(opts.csv_file, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(["province", "adcode", "name", "year", "seed_id", "category"])
                writer.writerows([r.province, r.adcode, r.name, r.year, r.seed_id, r.category] for r in rows)
        per, total = tallies(rows)
        for prov, tally in per.items():
            print(f"province={prov} {P.PROVINCES_BY_CODE[prov].short} {tally.line()}")
        print(total.line())
        return 1 if load.errors else 0

    def _status(self, opts: argparse.Namespace) -> int:
        target = default_seeds_path()
        load: SeedLoad = load_seeds(target)
        for problem in load.errors:
            print(format_problem(problem), file=sys.stderr)
        try:
            seeds = select_seeds(load.seeds, province=opts.province, active_only=not opts.include_inactive)
        except SeedSelectionError as exc:
            raise UsageError(str(exc), print_help=False) from exc
        try:
            detections = load_detections()
        except ValueError as exc:
            print(f"warning: {exc}", file=sys.stderr)
            detections = {}
        seeds, health = self._discovered_and_health(seeds)
        rows = status_rows(seeds, detections, health)
        if opts.csv_file:
            with open(opts.csv_file, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(StatusRow.__dataclass_fields__), lineterminator="\n")
                writer.writeheader()
                writer.writerows(asdict(r) for r in rows)
        for r in rows:
            overdue = f"OVERDUE:{r.overdue_year}" if r.overdue_year else "-"
            platform = f"{r.platform} (detected)" if r.detection else r.platform
            print(f"{r.id}\t{r.shown_state}\t{platform}\t{r.province}\t{r.agency}\t"
                  f"reports={r.reports_found or 0}\t{overdue}\t{r.last_success or '-'}"
                  + (f"\tcolumn ({r.column_source})" if r.column_source else ""))
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.state] = counts.get(r.state, 0) + 1
        figures = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        overdue_count = sum(1 for r in rows if r.overdue_year)
        print(f"seeds={len(rows)} {figures} overdue={overdue_count}".rstrip())
        return 1 if load.errors else 0
