"""A report made with a typed, unverified phone number is marked on its case (finding 5)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column("identity_verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("reported_as", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reported_as")
        batch.drop_column("identity_verified")
