"""cell provenance

Where each stored cell was read: the parsed document's SHA-256 and the location in it (JSON).
Cells stored before stay NULL until they are parsed again.

Revision ID: 7c1e5a2b9d40
Revises: 7c1d2e3f4a5b
Create Date: 2026-11-23 09:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7c1e5a2b9d40'
down_revision: str | Sequence[str] | None = '7c1d2e3f4a5b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report_cells', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provenance', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_cells', schema=None) as batch_op:
        batch_op.drop_column('provenance')
