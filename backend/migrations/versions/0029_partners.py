"""Service partners: partner repair shops, their contracts, partner staff (issue 12, R1.4)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disputed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("dispute_note", sa.Text(), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("name", name=op.f("uq_partners_name")),
    )
    op.create_table(
        "partner_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("product_lines", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("call_out_rate", sa.Integer(), nullable=False),
        sa.Column("hourly_rate", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_contracts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contracts")),
    )
    with op.batch_alter_table("partner_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_contracts_partner_id"), ["partner_id"], unique=False
        )
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_technicians_partner_id"), ["partner_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_technicians_partner_id_partners"), "partners", ["partner_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_technicians_partner_id_partners"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_technicians_partner_id"))
        batch_op.drop_column("partner_id")
    with op.batch_alter_table("partner_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_contracts_partner_id"))
    op.drop_table("partner_contracts")
    op.drop_table("partners")
