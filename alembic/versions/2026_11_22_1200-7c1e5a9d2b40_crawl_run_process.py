"""crawl run process: pid and host, so a later run can tell a killed run from a live one

Revision ID: 7c1e5a9d2b40
Revises: 7c1e5a2b9d40
Create Date: 2026-11-22 12:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7c1e5a9d2b40'
down_revision: str | Sequence[str] | None = '7c1e5a2b9d40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('crawl_runs', schema=None) as batch_op:
        batch_op.drop_column('host')
        batch_op.drop_column('pid')
