"""Shared test fixtures: temporary databases, blob stores, and real-service availability.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379) are real on CI and
on every developer machine. Where they are absent, the tests that need them skip with the
reason — except under CI (``CI`` set), where an absent service is a failure.

Both backends: a test that takes the ``db_url`` fixture runs twice, on a fresh SQLite file and on
PostgreSQL (marker ``postgres``); tests that touch no database run once. The PostgreSQL variant
shares one database per test session (``ogi_test_<pid>_<random>``, migrated to head once, dropped
at the end) and empties its tables before each test (TRUNCATE … RESTART IDENTITY: ids start at 1
as on a new SQLite file). ``pytest --db sqlite`` or ``--db postgres`` runs one variant only (the
default, and CI, run both). A test that needs a database without the schema (migrations) takes
``postgres_url``: a database of its own.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
POSTGRES_ADMIN_URL = os.environ.get("HARVEST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _answers(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI may not skip it; see .ci/run)")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'harvest.sqlite3'}"


DB_BACKENDS = ("sqlite", "postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("both", *DB_BACKENDS), default="both",
                     help="database backends for the tests taking db_url (default: both)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("--db")
    if wanted == "both":
        return
    keep, drop = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("db_url")
        (drop if backend is not None and backend != wanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def _postgres_session_db() -> Iterator[str]:
    """One PostgreSQL database for the session's db_url tests, at head; dropped at the end."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from pipelines.storage.db import scratch_database, upgrade_to_head

    with scratch_database(POSTGRES_ADMIN_URL, f"ogi_test_{os.getpid()}") as url:
        upgrade_to_head(url)
        yield url


def _empty_postgres(url: str) -> None:
    """Every table of ``url`` emptied and every id sequence back to 1 (the schema and its version
    kept). DELETE, children first: on tables this small it is far quicker than TRUNCATE, which
    makes new files. Connections that earlier tests left open are ended first, so no idle
    transaction holds a lock."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from pipelines.storage.models import Base

    deletes = "; ".join(f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables))
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f"BEGIN; {deletes}; SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
                                 "WHERE c.relkind = 'S'; COMMIT")
    finally:
        engine.dispose()


@pytest.fixture(params=[DB_BACKENDS[0], pytest.param(DB_BACKENDS[1], marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty harvest database, once on SQLite (a new file, no schema yet) and once on
    PostgreSQL (the session's database, at head, emptied); see the module docstring."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'harvest.sqlite3'}"
    url = str(request.getfixturevalue("_postgres_session_db"))
    _empty_postgres(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from pipelines.storage.db import scratch_database

    with scratch_database(POSTGRES_ADMIN_URL, "ogi_test") as url:
        yield url


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


@dataclass(frozen=True)
class RedisSpace:
    """A Redis URL and a key prefix of one test's own (the server is shared with other tests)."""

    url: str
    prefix: str

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, decode_responses=True)


@pytest.fixture
def redis_space() -> Iterator[RedisSpace]:
    """The real Redis at 127.0.0.1:6379 (tests marked ``redis``), with a fresh key prefix whose keys
    are deleted afterwards."""
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    space = RedisSpace(f"redis://{REDIS_HOST}:{REDIS_PORT}/0", f"ogitest-{uuid.uuid4().hex[:10]}")
    try:
        yield space
    finally:
        client = space.client()
        keys = list(client.scan_iter(match=f"{space.prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
