"""outbox: a give-up deadline from when a message was first due, and when it failed for good

`first_due_at` is where the total delivery deadline (AFTERSALES_OUTBOX_GIVE_UP_HOURS) counts
from; rows already queued count from their creation. `failed_at` dates a permanent failure, for
the burst alert to the service director (rows that failed before this revision have none).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_due_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("failed_at", backend.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_failed_at"), ["failed_at"], unique=False
        )
    op.execute("UPDATE outbound_messages SET first_due_at = created_at")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "first_due_at",
            existing_type=backend.db.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_failed_at"))
        batch_op.drop_column("failed_at")
        batch_op.drop_column("first_due_at")
