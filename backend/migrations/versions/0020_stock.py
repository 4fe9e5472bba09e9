"""Spare-parts stock ledger, balances, reorder points; parts' ABC class; a case's pre-assessment

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-01 23:21:34.199813
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "reorder_points",
        sa.Column("part_code", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=40), nullable=False),
        sa.Column("reorder_point", sa.Integer(), nullable=False),
        sa.Column("reorder_quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("part_code", "location", name=op.f("pk_reorder_points")),
    )
    op.create_table(
        "stock_balances",
        sa.Column("part_code", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_balances_not_negative")),
        sa.PrimaryKeyConstraint("part_code", "location", name=op.f("pk_stock_balances")),
    )
    op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_code", sa.String(length=64), nullable=False),
        sa.Column("from_location", sa.String(length=40), nullable=True),
        sa.Column("to_location", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_moves_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stock_moves_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
    )
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_moves_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_moves_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_stock_moves_part_at", ["part_code", "at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pre_assessment", sa.JSON(), nullable=True))

    with op.batch_alter_table("parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("abc_class", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("abc_month", sa.String(length=7), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("parts", schema=None) as batch_op:
        batch_op.drop_column("abc_month")
        batch_op.drop_column("abc_class")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pre_assessment")

    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_moves_part_at")
        batch_op.drop_index(batch_op.f("ix_stock_moves_kind"))
        batch_op.drop_index(batch_op.f("ix_stock_moves_case_id"))

    op.drop_table("stock_moves")
    op.drop_table("stock_balances")
    op.drop_table("reorder_points")
