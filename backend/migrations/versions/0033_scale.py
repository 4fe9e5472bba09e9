"""Indexes for a million cases and the queued webhook (issue 14)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_cases_status_kind_reported", "cases", ["status", "kind", "reported_at"]),
    ("ix_cases_status_kind_due", "cases", ["status", "kind", "sla_due_at"]),
    ("ix_cases_technician_reported", "cases", ["assigned_technician_id", "reported_at"]),
    ("ix_cases_reported_at", "cases", ["reported_at"]),
    ("ix_case_events_case_at", "case_events", ["case_id", "at"]),
    ("ix_inbound_updates_chat", "inbound_updates", ["chat_id", "status"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
