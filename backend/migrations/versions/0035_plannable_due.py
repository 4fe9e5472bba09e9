"""The day's plan reads only the most urgent open jobs: an index in that order (issue 14)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# A frozen copy of backend.cases.models.REPAIR_NOT_ARRIVED as this revision made it.
REPAIR_NOT_ARRIVED = "kind = 'repair' AND status IN ('new', 'assigned', 'accepted', 'en_route')"


def upgrade() -> None:
    where = sa.text(REPAIR_NOT_ARRIVED)
    op.create_index(
        "ix_cases_plannable_due",
        "cases",
        ["sla_due_at", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_plannable_due", table_name="cases")
