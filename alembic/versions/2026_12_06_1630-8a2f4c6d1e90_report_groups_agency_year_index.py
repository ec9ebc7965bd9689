"""report groups (agency, year) index

Revision ID: 8a2f4c6d1e90
Revises: 7c1e5a9d2b40
Create Date: 2026-12-06 16:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '8a2f4c6d1e90'
down_revision: str | Sequence[str] | None = '7c1e5a9d2b40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_report_groups_agency_year', 'report_groups', ['agency', 'year'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_groups_agency_year', table_name='report_groups')
