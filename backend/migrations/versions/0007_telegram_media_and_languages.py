"""telegram: each technician's language; photos downloaded from Telegram, kept under var/media

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        # Existing technicians keep hearing Korean, as they did before the column existed.
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="ko")
        )
    op.create_table(
        "media_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stored_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], ondelete="CASCADE", name=op.f("fk_media_files_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_media_files_case_id")),
    )
    op.create_index("ix_media_files_due", "media_files", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_media_files_due", table_name="media_files")
    op.drop_table("media_files")
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_column("language")
