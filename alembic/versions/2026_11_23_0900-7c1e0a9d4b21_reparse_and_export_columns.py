"""reparse and export columns

Documents record the parser version of their parse outcome (``scrapy reparse`` skips what the
current parser already read); a version whose every source now parses to another content is
``superseded``; portals keep the seed's place and level columns for the export.

Revision ID: 7c1e0a9d4b21
Revises: 23294a01f339
Create Date: 2026-11-23 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7c1e0a9d4b21'
down_revision: str | Sequence[str] | None = '23294a01f339'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('county', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('adcode', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('level', sa.String(length=30), nullable=True))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parser_version', sa.String(length=40), nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('superseded')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('parser_version')
    with op.batch_alter_table('portals', schema=None) as batch_op:
        batch_op.drop_column('level')
        batch_op.drop_column('adcode')
        batch_op.drop_column('county')
        batch_op.drop_column('city')
