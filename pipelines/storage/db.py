"""Engine creation, schema migration to head, connection checks, and the retry of transient errors."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

REPO_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = REPO_ROOT / "alembic.ini"

logger = logging.getLogger(__name__)

#: SQLite answers that a second attempt cannot change: the file read-only, the disk full, the file
#: gone or damaged (retrying them only delays the run's failure, issue 15)
PERMANENT_SQLITE_ERRORS = ("readonly database", "database or disk is full", "disk i/o error",
                           "unable to open database file", "no such table", "malformed")


def is_transient(exc: BaseException) -> bool:
    """True for what a second attempt can fix: a locked SQLite file, a dropped PostgreSQL
    connection, the unique-key race when two writers insert the same row at once."""
    if isinstance(exc, IntegrityError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc.orig or exc).lower()
    return not any(permanent in message for permanent in PERMANENT_SQLITE_ERRORS)


def _log_retry(state: RetryCallState) -> None:
    """One line per retry: the driver's first line of the error, never the statement's parameters."""
    exc = state.outcome.exception() if state.outcome else None
    orig = getattr(exc, "orig", None) or exc
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    logger.warning("retrying %s in %.1f s: %s", getattr(state.fn, "__qualname__", "a database write"),
                   state.next_action.sleep if state.next_action else 0, reason)


#: Decorator of one write transaction: retry what a second attempt can fix (:func:`is_transient`).
transient = retry(
    retry=retry_if_exception(is_transient),
    stop=stop_after_attempt(5),
    wait=wait_exponential(multiplier=0.2, max=5),
    before_sleep=_log_retry,
    reraise=True,
)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message names the (redacted) URL."""


def redact(url: str) -> str:
    """The URL with any password replaced, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (SQLAlchemy would pick psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: database backends the project is built and tested for (migrations, JSON columns, upserts)
SUPPORTED_BACKENDS = ("sqlite", "postgresql")

#: PostgreSQL connections one process keeps open (``HARVEST_DB_POOL_SIZE``, crawler/config.py)
DEFAULT_POOL_SIZE = 5


def make_engine(url: str, pool_size: int | None = None) -> Engine:
    """An engine for ``url``; SQLite gets its parent directory, foreign keys and WAL.

    PostgreSQL: a pool of ``pool_size`` connections (default :data:`DEFAULT_POOL_SIZE`; a crawl
    passes ``HARVEST_DB_POOL_SIZE``) plus as many again opened under load and closed after, each
    checked before use (``pool_pre_ping``). One crawl process stores from one thread, so it needs
    few; size the server's ``max_connections`` for workers × (2 × pool size) plus the commands.

    SQLite runs WAL with ``synchronous=NORMAL`` (SQLite's recommended setting for WAL): a commit
    is not fsynced, so it survives a crash of the process but a power cut may roll back the last
    commits (never corrupting the file); each commit's fsync was ~3 ms, an eighth of a report's
    save. What such a rollback loses is fetched and stored again by the next run (the raw bytes
    are archived before the row is written).

    Raises :class:`DatabaseUnavailable` with a one-line reason naming the (redacted) URL for an
    unparseable URL, an unsupported backend (``mysql://`` …), or an SQLite path whose directory
    cannot be made (a parent that is a file, no permission).
    """
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"invalid database URL {redact(url)}: not of the form "
                                  "sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME") from exc
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUnavailable(
            f"unsupported database {redact(url)}: backend {backend!r} is not supported; use "
            "sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME")
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            parent = Path(parsed.database).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise DatabaseUnavailable(
                    f"cannot create database {redact(url)}: {exc.filename or parent} is a file, "
                    "not a directory") from exc
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"cannot create database {redact(url)}: directory {parent}: "
                    f"{exc.strerror or exc}") from exc
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    size = DEFAULT_POOL_SIZE if pool_size is None else pool_size
    if size < 1:
        raise ValueError(f"database pool size must be at least 1, got {size}")
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=size,
                         connect_args={"connect_timeout": 5})


def check_connection(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailable` with a one-line reason if the database does not answer."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(
            f"cannot connect to database {redact(engine.url.render_as_string(hide_password=False))}: {reason}"
        ) from exc


def alembic_config(url: str) -> Config:
    """An Alembic config for this repository's migration chain pointed at ``url``."""
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    # called from inside crawls and commands: keep their logging as configured (no fileConfig)
    cfg.attributes["skip_logging_config"] = True
    return cfg


def upgrade_to_head(url: str) -> None:
    """Apply every pending migration (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


@contextmanager
def scratch_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to ``admin_url``'s (named ``<prefix>_<random>``),
    dropped afterwards however the block ends; yields its URL. For tests and benches: they run
    against the real server without touching any other database on it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
