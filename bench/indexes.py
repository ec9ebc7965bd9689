"""Index benchmark: the queries the commands run, EXPLAINed on PostgreSQL over synthetic reports.

Usage: .venv/bin/python bench/indexes.py [--reports 3000] [--portals 2000] [--runs 10]

Stores ``--reports`` synthetic reports (:mod:`portalsim.synthetic`, through the real
``ReportStore.save``, as bench/export.py does) into a fresh PostgreSQL database
``bench_indexes_<pid>`` on 127.0.0.1:5432 (dropped afterwards), adds ``--runs`` synthetic crawl
runs with a seed-health row for each of ``--portals`` seeds, ANALYZEs, then runs the read paths
of the commands — seed health and status (``crawler/health.py``), the incremental crawl's known
URLs, the store's look-ups while saving one more report, ``scrapy show``, ``scrapy reparse
--status``/``--province`` and ``scrapy export --province`` — capturing every SELECT they send and
EXPLAINing it with its parameters. Each query is printed with the scans of its plan (``idx`` index
scans with the index name, ``seq`` sequential scans with the table and its row estimate).

A sequential scan of a large table is expected only where a query reads the whole table (the
incremental crawl's URL map, the per-seed report counts, a full export). The last line is
machine-readable: ``reports= queries= index_scans= seq_scans_large= seq_scans_large_expected=``
(``seq_scans_large``: sequential scans of tables over 1,000 rows in queries not marked as whole-table
reads).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import Engine, event, insert, select  # noqa: E402

from pipelines.export import export  # noqa: E402
from pipelines.export.tables import Filters  # noqa: E402
from pipelines.reparse import select_documents  # noqa: E402
from pipelines.storage.db import make_engine, scratch_database, upgrade_to_head  # noqa: E402
from pipelines.storage.models import Document, Report, SeedHealth  # noqa: E402
from pipelines.storage.queries import Queries  # noqa: E402
from pipelines.storage.store import ReportStore  # noqa: E402
from portalsim.synthetic import generate, portal_rows, templates  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LARGE = 1000  # rows: a sequential scan of a smaller table is cheap whatever the query
STATES = ("OK", "OK", "OK", "EMPTY", "BROKEN:http", "BLOCKED:challenge")


def add_seed_health(store: ReportStore, portals: list[str], runs: int, rng: random.Random) -> None:
    """``runs`` finished crawl runs, each with a health row per seed (bulk, as one insert per run)."""
    for n in range(runs):
        run_id = store.start_run(mode="nightly", spider="generic", filters={})
        store.finish_run(run_id, status="finished", stats={})
        with store.engine.begin() as conn:
            conn.execute(insert(SeedHealth), [
                {"crawl_run_id": run_id, "portal_id": p, "state": rng.choice(STATES), "report_links": n}
                for p in portals])


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT sent through ``engine`` meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def scans(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The scan nodes of an EXPLAIN (FORMAT JSON) plan, depth first."""
    if "Scan" in plan.get("Node Type", ""):
        yield plan
    for child in plan.get("Plans", []):
        yield from scans(child)


def explain(engine: Engine, statement: str, parameters: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--portals", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=10)
    opts = parser.parse_args()
    rng = random.Random(5)
    tpls = templates(4)
    with scratch_database(PG_ADMIN_URL, "bench_indexes") as url:
        upgrade_to_head(url)
        engine = make_engine(url)
        store = ReportStore(engine)
        rows = portal_rows(opts.portals)
        store.upsert_portals(rows)
        started = time.perf_counter()
        for doc, parsed in generate(opts.reports, tpls, opts.portals):
            store.save(doc, parsed)
        print(f"stored {opts.reports} reports in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        add_seed_health(store, [r["id"] for r in rows], opts.runs, rng)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        queries = Queries(engine)
        with engine.connect() as conn:
            some_doc = conn.execute(select(Document).order_by(Document.id.desc()).limit(1)).one()
            some_report = conn.execute(select(Report.id).order_by(Report.id.desc()).limit(1)).scalar_one()
        extra_doc, extra_parsed = next(generate(1, tpls, opts.portals, start=opts.reports))
        repeat_doc, repeat_parsed = next(generate(1, tpls, opts.portals, start=opts.reports - 1))
        out = Path(tempfile.mkdtemp(prefix="ogi-bench-indexes-"))
        # (label, call, whole-table read: a sequential scan of a large table is expected)
        paths: list[tuple[str, Callable[[], Any], bool]] = [
            ("seeds status: latest health", queries.latest_seed_health, False),
            ("seeds status: last successes (every OK row)", queries.last_successes, True),
            ("seeds status: reports per seed", queries.reports_per_seed, True),
            ("seeds coverage: report years per seed", queries.report_years_per_seed, True),
            ("seeds status: recent states", queries.recent_states, True),
            ("nightly: seeds through by spider", lambda: queries.seeds_with_state_by("generic", ["OK"]), False),
            ("nightly: known URLs of a seed", lambda: queries.known_urls(some_doc.portal_id), False),
            ("nightly: latest fetches (incremental map)", queries.latest_fetches, True),
            ("store: save a new report", lambda: store.save(extra_doc, extra_parsed), False),
            ("store: save a stored report again", lambda: store.save(repeat_doc, repeat_parsed), False),
            ("show: report view", lambda: queries.report_view(some_report), False),
            ("reparse --status needs_ocr", lambda: select_documents(store, status="needs_ocr"), False),
            ("reparse --province", lambda: select_documents(store, province="新疆维吾尔自治区"), True),
            ("export --province", lambda: export(engine, out / "p", filters=Filters(province="新疆维吾尔自治区")),
             True),
        ]
        sizes = {name: int(n) for name, n in engine.connect().exec_driver_sql(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace")}
        totals = {"queries": 0, "index_scans": 0, "seq_scans_large": 0, "seq_scans_large_expected": 0}
        for label, call, whole in paths:
            with captured(engine) as seen:
                call()
            print(f"== {label}")
            for statement, parameters in seen:
                plan = explain(engine, statement, parameters)
                totals["queries"] += 1
                parts = []
                for node in scans(plan):
                    table = node.get("Relation Name") or ""
                    if node.get("Index Name"):
                        totals["index_scans"] += 1
                        parts.append(f"idx {node['Index Name']}")
                    elif node["Node Type"] == "Seq Scan":
                        large = sizes.get(table, 0) >= LARGE
                        if large:
                            totals["seq_scans_large_expected" if whole else "seq_scans_large"] += 1
                        parts.append(f"seq {table}({sizes.get(table, 0)}){'' if not large or whole else ' !'}")
                    else:
                        parts.append(node["Node Type"].lower())
                first = " ".join(statement.split())[:110]
                print(f"   {first}\n      -> {', '.join(parts) or 'no scan'}")
        engine.dispose()
    print(f"reports={opts.reports} " + " ".join(f"{k}={v}" for k, v in totals.items()))


if __name__ == "__main__":
    main()
