"""The hot queries of the commands use their indexes on PostgreSQL (EXPLAIN of the real statements).

A fresh database at head gets tens of thousands of synthetic rows (generate_series: seconds, no
crawl) and ANALYZE; each command's read path runs for real while its SELECTs are captured, and
each captured statement is EXPLAINed with its parameters. bench/indexes.py does the same for every
query over reports stored through the real store.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pipelines.reparse import select_documents
from pipelines.storage.db import make_engine, scratch_database, upgrade_to_head
from pipelines.storage.queries import Queries
from pipelines.storage.store import ReportStore

pytestmark = pytest.mark.postgres

PORTALS, RUNS, DOCUMENTS = 5000, 6, 30000

SYNTHETIC = [
    "INSERT INTO portals (id, province, active, created_at) SELECT 'p' || n, 'province' || mod(n, 31), true, now() "
    f"FROM generate_series(1, {PORTALS}) AS n",
    "INSERT INTO crawl_runs (id, mode, spider, status, started_at, filters, stats) "
    f"SELECT n, 'nightly', 'generic', 'finished', now(), '{{}}', '{{}}' FROM generate_series(1, {RUNS}) AS n",
    "INSERT INTO seed_health (crawl_run_id, portal_id, state, report_links, checked_at) "
    "SELECT r, 'p' || n, CASE WHEN mod(n, 4) = 0 THEN 'EMPTY' ELSE 'OK' END, 0, now() "
    f"FROM generate_series(1, {RUNS}) AS r, generate_series(1, {PORTALS}) AS n",
    "INSERT INTO documents (requested_url, final_url, redirect_chain, http_status, fetched_at, sha256, size, "
    "portal_id, clean_flags, parse_status) "
    "SELECT 'http://127.0.0.1/d/' || n, 'http://127.0.0.1/d/' || n, '[]', 200, now(), md5(n::text) || md5(n::text), "
    f"100, 'p' || (mod(n, {PORTALS}) + 1), '[]', CASE WHEN mod(n, 200) = 0 THEN 'needs_ocr' ELSE 'ok' END "
    f"FROM generate_series(1, {DOCUMENTS}) AS n",
]


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    # module scope: one database for the three plans (postgres_url is per test; build our own)
    from tests.conftest import POSTGRES_ADMIN_URL, require_service

    require_service("PostgreSQL", "127.0.0.1", 5432)
    with scratch_database(POSTGRES_ADMIN_URL, "ogi_plans") as url:
        upgrade_to_head(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            for statement in SYNTHETIC:
                conn.exec_driver_sql(statement)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        yield engine
        engine.dispose()


def scans(plan: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(node type, table, index) of every scan node of a plan."""
    if "Scan" in plan.get("Node Type", ""):
        yield plan["Node Type"], plan.get("Relation Name", ""), plan.get("Index Name", "")
    for child in plan.get("Plans", []):
        yield from scans(child)


def plans_of(engine: Engine, call: Callable[[], Any]) -> list[list[tuple[str, str, str]]]:
    """The scans of the plan of every SELECT that ``call`` sends."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert seen, "the call sent no SELECT"
    plans = []
    with engine.connect() as conn:
        for statement, parameters in seen:
            raw = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
            plans.append(list(scans((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"])))
    return plans


def test_latest_seed_health_uses_the_portal_run_index(engine: Engine) -> None:
    queries = Queries(engine)
    plans = plans_of(engine, queries.latest_seed_health)
    assert len(queries.latest_seed_health()) == PORTALS
    (plan,) = plans
    assert {index for _, table, index in plan if table == "seed_health"} == {"ix_seed_health_portal_run"}, plan
    grouped = queries.latest_seed_health(lateral=False)  # the SQLite query: the same rows
    assert {h.id for h in grouped.values()} == {h.id for h in queries.latest_seed_health().values()}
    assert {h.crawl_run_id for h in grouped.values()} == {RUNS}


def test_reparse_of_the_ocr_backlog_uses_the_parse_status_index(engine: Engine) -> None:
    store = ReportStore(engine)
    (plan,) = plans_of(engine, lambda: select_documents(store, status="needs_ocr"))
    assert len(select_documents(store, status="needs_ocr")) == DOCUMENTS // 200
    assert ("Bitmap Index Scan", "", "ix_documents_parse_status") in plan or \
        ("Index Scan", "documents", "ix_documents_parse_status") in plan, plan
    assert not [scan for scan in plan if scan[:2] == ("Seq Scan", "documents")], plan


def test_province_selection_uses_the_province_index(engine: Engine) -> None:
    store = ReportStore(engine)
    (plan,) = plans_of(engine, lambda: select_documents(store, province="province7"))
    assert "ix_portals_province" in {index for _, _, index in plan}, plan
    assert not [scan for scan in plan if scan[:2] == ("Seq Scan", "portals")], plan
