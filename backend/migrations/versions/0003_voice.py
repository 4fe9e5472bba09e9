"""phone calls (inbound and outbound, R2.3)

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phone_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_by", sa.String(length=24), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("callbacks", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("placed_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_phone_calls_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_phone_calls_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_phone_calls_survey_id_surveys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_phone_calls_call_sid")),
    )
    with op.batch_alter_table("phone_calls", schema=None) as batch_op:
        batch_op.create_index("ix_phone_calls_phone_placed", ["phone", "placed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_calls_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_calls_survey_id"), ["survey_id"], unique=False)


def downgrade() -> None:
    op.drop_table("phone_calls")
