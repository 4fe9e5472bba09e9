"""intake key: a case remembers the dialogue run that registered it, once

A customer's confirmation ("press 1 to register", "yes, register it") sent twice at once used to
register two cases. The key of the conversation's dialogue run is unique on `cases`: the second
confirmation finds the first one's case instead of registering another (issue 9, finding 6).
Cases registered before this revision, and cases entered by staff, have none.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_key", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cases_intake_key"), ["intake_key"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_intake_key"), type_="unique")
        batch_op.drop_column("intake_key")
