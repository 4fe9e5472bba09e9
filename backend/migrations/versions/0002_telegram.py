"""telegram channel: stored updates, chat preferences, technician link codes, work reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Telegram chat ids pass 2**31 (they are up to 52 bits): a 32-bit column cannot hold them.
CHAT_COLUMNS = (
    ("customers", "telegram_chat_id"),
    ("technicians", "telegram_chat_id"),
    ("staff_users", "telegram_chat_id"),
)


def upgrade() -> None:
    op.create_table(
        "inbound_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_updates")),
        sa.UniqueConstraint("channel", "update_id", name=op.f("uq_inbound_updates_channel")),
    )
    op.create_index("ix_inbound_updates_due", "inbound_updates", ["status", "next_attempt_at"])
    op.create_table(
        "telegram_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("link_failures", sa.Integer(), nullable=False),
        sa.Column("link_blocked_until", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_chats")),
    )
    op.create_table(
        "technician_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_chat", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            ondelete="CASCADE",
            name=op.f("fk_technician_link_codes_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_technician_link_codes_code_hash")),
    )
    op.create_index(
        op.f("ix_technician_link_codes_technician_id"), "technician_link_codes", ["technician_id"]
    )
    op.create_table(
        "work_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("hours_by_category", sa.JSON(), nullable=False),
        sa.Column("admin_note", sa.Text(), nullable=True),
        sa.Column("submitted_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            ondelete="CASCADE",
            name=op.f("fk_work_reports_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_reports")),
        sa.UniqueConstraint("technician_id", "day", name=op.f("uq_work_reports_technician_id")),
    )
    op.create_table(
        "work_report_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=1), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_work_report_entries_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["work_reports.id"],
            ondelete="CASCADE",
            name=op.f("fk_work_report_entries_report_id_work_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_report_entries")),
    )
    op.create_index(op.f("ix_work_report_entries_report_id"), "work_report_entries", ["report_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table, column in CHAT_COLUMNS:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in CHAT_COLUMNS:
            op.alter_column(table, column, type_=sa.Integer(), existing_nullable=True)
    op.drop_table("work_report_entries")
    op.drop_table("work_reports")
    op.drop_table("technician_link_codes")
    op.drop_table("telegram_chats")
    op.drop_index("ix_inbound_updates_due", table_name="inbound_updates")
    op.drop_table("inbound_updates")
