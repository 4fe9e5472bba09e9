"""Indexes for the minute's tick over 100,000 open cases (issue 14)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# Frozen copies of backend.cases.models' predicates as this revision made them.
REPAIR_NOT_ARRIVED = "kind = 'repair' AND status IN ('new', 'assigned', 'accepted', 'en_route')"
COMPLAINT_UNANSWERED = "kind = 'complaint' AND status IN ('received', 'routed')"

# (name, table, columns, partial: the rows a duty has yet to look at, or None for all rows;
# on SQLite, the same but for place_pending, a 0/1 integer there)
INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    (
        "ix_cases_sla_unwarned",
        "cases",
        ["sla_due_at", "sla_warn_at"],
        f"sla_warned_at IS NULL AND {REPAIR_NOT_ARRIVED}",
    ),
    (
        "ix_cases_sla_unbreached",
        "cases",
        ["sla_due_at"],
        f"sla_breached_at IS NULL AND {REPAIR_NOT_ARRIVED}",
    ),
    (
        "ix_cases_reply_unanswered",
        "cases",
        ["reply_warn_at"],
        f"answered_at IS NULL AND {COMPLAINT_UNANSWERED}",
    ),
    ("ix_cases_status_assigned_at", "cases", ["status", "assigned_at"], None),
    ("ix_cases_planned_arrival_at", "cases", ["planned_arrival_at"], None),
    ("ix_cases_place_pending", "cases", ["id"], "place_pending IS TRUE"),
    ("ix_case_events_escalations", "case_events", ["at"], "action = 'escalate'"),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        partial = sa.text(where) if where else None
        on_sqlite = sa.text("place_pending") if name == "ix_cases_place_pending" else partial
        op.create_index(name, table, columns, postgresql_where=partial, sqlite_where=on_sqlite)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
