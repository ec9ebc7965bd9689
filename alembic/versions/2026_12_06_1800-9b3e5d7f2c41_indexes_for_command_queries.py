"""indexes for the queries the commands run at national scale

Three look-ups read a whole table without these (EXPLAIN on PostgreSQL over 3,000 synthetic
reports and 20,000 seed-health rows, bench/indexes.py):

- ``seeds status`` / coverage / nightly's health summary: the latest health row of every seed
  (``MAX(crawl_run_id) GROUP BY portal_id`` joined back on both columns) and the per-seed run
  history (``ORDER BY portal_id, crawl_run_id DESC``): one composite index on
  ``seed_health (portal_id, crawl_run_id)``. It replaces the single-column ``portal_id`` index,
  which it makes redundant (same leading column).
- ``scrapy reparse --status needs_ocr`` (the OCR backlog, a small part of all documents):
  ``documents (parse_status)``.
- ``--province`` of ``export``, ``reparse`` and ``seeds status``: ``portals (province)``.

Revision ID: 9b3e5d7f2c41
Revises: 8a2f4c6d1e90
Create Date: 2026-12-06 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '9b3e5d7f2c41'
down_revision: str | Sequence[str] | None = '8a2f4c6d1e90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_seed_health_portal_run', 'seed_health', ['portal_id', 'crawl_run_id'], unique=False)
    op.drop_index('ix_seed_health_portal_id', table_name='seed_health')
    op.create_index('ix_documents_parse_status', 'documents', ['parse_status'], unique=False)
    op.create_index('ix_portals_province', 'portals', ['province'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_portals_province', table_name='portals')
    op.drop_index('ix_documents_parse_status', table_name='documents')
    op.create_index('ix_seed_health_portal_id', 'seed_health', ['portal_id'], unique=False)
    op.drop_index('ix_seed_health_portal_run', table_name='seed_health')
