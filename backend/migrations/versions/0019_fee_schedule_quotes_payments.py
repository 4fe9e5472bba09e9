"""Fee schedule versions (R4.11), quotes on cases, payments with receipt or invoice numbers (R7.5).

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-01 23:23:52.557925
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "fee_schedules",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("labour_per_hour", sa.JSON(), nullable=False),
        sa.Column("default_labour_per_hour", sa.Integer(), nullable=False),
        sa.Column("call_out", sa.JSON(), nullable=False),
        sa.Column("transport", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.Column("published_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_fee_schedules")),
    )
    op.create_table(
        "invoice_sequences",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_sequences")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(length=24), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("issued_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("paid_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_payments_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("case_id", name=op.f("uq_payments_case_id")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_payments_invoice_number")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_issued_on"), ["issued_on"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quote", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("payment", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("payment")
        batch_op.drop_column("quote")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_issued_on"))

    op.drop_table("payments")
    op.drop_table("invoice_sequences")
    op.drop_table("fee_schedules")
