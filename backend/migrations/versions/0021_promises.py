"""The arrival promised to the customer, and when it was told (issue 16, R2.10)

Revision ID: 0021
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("promised_arrival_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("promised_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("promised_at")
        batch.drop_column("promised_arrival_at")
