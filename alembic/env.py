"""Alembic environment: one linear chain for SQLite and PostgreSQL.

The URL comes from ``sqlalchemy.url`` when a caller set it (tests, :func:`upgrade_to_head`),
otherwise from ``HARVEST_DATABASE_URL`` through :mod:`crawler.config`.
``render_as_batch`` is on for every dialect so revisions generated on one backend apply on both.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from crawler.config import get_config
from pipelines.storage.db import make_engine, normalize_url
from pipelines.storage.models import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return normalize_url(config.get_main_option("sqlalchemy.url") or get_config().database_url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, transaction_per_migration=True,
                          compare_server_default=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
