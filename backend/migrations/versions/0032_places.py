"""Places: the geocoding cache, staff's district table changes, a case's place precision

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "place_lookups",
        sa.Column("address_key", sa.String(length=500), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("looked_up_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("address_key", name=op.f("pk_place_lookups")),
    )
    op.create_table(
        "district_settings",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("zone", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_district_settings")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_precision", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("place_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("place_pending")
        batch_op.drop_column("place_precision")
    op.drop_table("district_settings")
    op.drop_table("place_lookups")
