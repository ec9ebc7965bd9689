"""``scrapy seeds check|status``: validate the researchers' seed files; show each seed's state.

``scrapy seeds check [DIR_OR_FILE]`` validates every seed file (default: ``HARVEST_SEEDS``, i.e.
``seeds/``) and prints each problem as ``file:line: message``, then one summary line. Exit code 0
when there is no error (warnings allowed), 1 when there is at least one error, 2 on a usage error.

``scrapy seeds status [--province P] [--csv FILE] [--all]`` prints one line per seed with its
platform and state (``MOVED: <target>`` for a seed whose redirect would leave its site, the
CSV's ``detail`` column giving the target); an ``auto`` seed shows the family a crawl detected on its column page, marked
``(detected)`` (the CSV's ``detection`` column gives the evidence), or ``auto`` until then.
Until a crawl run has recorded per-seed health, the state is NEEDS-COLUMN for seeds without a
column URL and UNKNOWN for the others; the health monitor plugs in through :func:`status_rows`'
``health`` argument.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands._common import quiet_unless_asked
from crawler.platforms import Detection, effective_platform, load_detections
from crawler.seeds import Problem, Seed, SeedLoad, SeedSelectionError, default_seeds_path, load_seeds, select_seeds

SUBCOMMANDS = ("check", "status")
STATE_NEEDS_COLUMN = "NEEDS-COLUMN"
STATE_UNKNOWN = "UNKNOWN"
STATE_INACTIVE = "INACTIVE"


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
            )
        )
    return rows


class Command(ScrapyCommand):
    requires_project = False

    def syntax(self) -> str:
        return "check [DIR_OR_FILE] | status [--province P] [--csv FILE] [--all]"

    def short_desc(self) -> str:
        return "Validate the seed files (check) or show each seed's state (status)"

    def long_desc(self) -> str:
        return (
            "check: validate every seed CSV (default HARVEST_SEEDS or seeds/), print each problem as "
            "file:line: message, exit 1 on errors. status: one line per seed with platform and state."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--province", default=None, help="status: only this province (name, code or pinyin)")
        parser.add_argument("--csv", dest="csv_file", default=None, metavar="FILE", help="status: write a CSV file")
        parser.add_argument("--all", dest="include_inactive", action="store_true", help="status: include retired seeds")

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
        if rest:
            raise UsageError("seeds status takes no positional argument", print_help=False)
        self.exitcode = self._status(opts)

    @staticmethod
    def _health(seeds: list[Seed]) -> dict[str, dict[str, object]]:
        """Health recorded by crawl runs (empty, with a warning, if the database is unreachable)."""
        from crawler.config import get_config
        from crawler.health import seed_status
        from pipelines.storage.db import DatabaseUnavailable

        from crawler.commands._common import open_store

        try:
            store = open_store(get_config().database_url)
        except DatabaseUnavailable as exc:
            print(f"warning: no run health shown: {exc}", file=sys.stderr)
            return {}
        try:
            return {row.id: {"state": row.state if row.state != "NEVER-CRAWLED" else None, "detail": row.detail,
                             "last_success": row.last_success, "reports_found": row.reports_found,
                             "latest_year": row.latest_year, "overdue_year": row.overdue_year}
                    for row in seed_status(store.queries, seeds)}
        finally:
            store.engine.dispose()

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
        rows = status_rows(seeds, detections, self._health(seeds))
        if opts.csv_file:
            with open(opts.csv_file, "w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(StatusRow.__dataclass_fields__), lineterminator="\n")
                writer.writeheader()
                writer.writerows(asdict(r) for r in rows)
        for r in rows:
            overdue = f"OVERDUE:{r.overdue_year}" if r.overdue_year else "-"
            platform = f"{r.platform} (detected)" if r.detection else r.platform
            print(f"{r.id}\t{r.shown_state}\t{platform}\t{r.province}\t{r.agency}\t"
                  f"reports={r.reports_found or 0}\t{overdue}\t{r.last_success or '-'}")
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.state] = counts.get(r.state, 0) + 1
        figures = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        overdue_count = sum(1 for r in rows if r.overdue_year)
        print(f"seeds={len(rows)} {figures} overdue={overdue_count}".rstrip())
        return 1 if load.errors else 0
