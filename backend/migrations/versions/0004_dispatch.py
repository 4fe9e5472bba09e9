"""dispatch: plan stops, manual pins, plan runs

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.db

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("arrival_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("departure_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("travel_minutes", sa.Double(), nullable=False),
        sa.Column("travel_km", sa.Double(), nullable=False),
        sa.Column("late_minutes", sa.Double(), nullable=False),
        sa.Column("planned_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            ondelete="CASCADE",
            name=op.f("fk_plan_stops_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], ondelete="CASCADE", name=op.f("fk_plan_stops_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_stops")),
        sa.UniqueConstraint("day", "case_id", name=op.f("uq_plan_stops_day")),
    )
    op.create_index(op.f("ix_plan_stops_day"), "plan_stops", ["day"])
    op.create_index(op.f("ix_plan_stops_case_id"), "plan_stops", ["case_id"])
    op.create_table(
        "dispatch_pins",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("pinned_by", sa.String(length=120), nullable=False),
        sa.Column("pinned_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            ondelete="CASCADE",
            name=op.f("fk_dispatch_pins_case_id_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            ondelete="CASCADE",
            name=op.f("fk_dispatch_pins_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dispatch_pins")),
    )
    op.create_table(
        "plan_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("unassigned", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_runs")),
    )
    op.create_index(op.f("ix_plan_runs_day"), "plan_runs", ["day"])


def downgrade() -> None:
    op.drop_table("plan_runs")
    op.drop_table("dispatch_pins")
    op.drop_index(op.f("ix_plan_stops_case_id"), table_name="plan_stops")
    op.drop_index(op.f("ix_plan_stops_day"), table_name="plan_stops")
    op.drop_table("plan_stops")
