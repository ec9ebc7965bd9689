"""column discoveries

Revision ID: 7c1d2e3f4a5b
Revises: 7c1e0a9d4b21
Create Date: 2026-12-06 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7c1d2e3f4a5b'
down_revision: str | Sequence[str] | None = '7c1e0a9d4b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('column_discoveries',
    sa.Column('seed_id', sa.String(length=120), nullable=False),
    sa.Column('column_url', sa.Text(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('discovered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seed_id', name=op.f('pk_column_discoveries'))
    )


def downgrade() -> None:
    op.drop_table('column_discoveries')
