"""Shared test fixtures: temporary databases, blob stores, and real-service availability.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379) are real on CI and
on every developer machine. Where they are absent, the tests that need them skip with the
reason — except under CI (``CI`` set), where an absent service is a failure.
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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"ogi_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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

    def client(self):  # noqa: ANN201 - redis is a test extra
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
