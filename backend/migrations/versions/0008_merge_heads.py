"""merge heads: one migration line from here on

Revisions 0002, 0003, 0004, ivr_call_window and 0007 were each written on top of 0001, so the
history had five heads: `upgrade heads` worked only because the branches touch different tables,
`downgrade -1` was ambiguous and autogenerate refused to run ("Multiple heads are present"). This
revision changes no schema; it joins the five heads so that `head` is one revision again. Their ids
stay as they were, since installed databases record them in alembic_version: a database at any of
them, or at all five, upgrades to this revision by applying only what it lacks.

Alembic still cannot walk "-1" through this merge point ("Ambiguous walk"); to step below it, name
a parent (`downgrade 0007` undoes just this revision). Every later revision descends from the
single head, one after another (see backend/migrate.py).

Revision ID: 0008
Revises: 0002, 0003, 0004, ivr_call_window, 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0008"
down_revision = ("0002", "0003", "0004", "ivr_call_window", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
