"""Dispatch: who takes each repair, placed in their day, and the day planner behind it.

Dependencies point one way: this package imports backend.cases (models, machine, service,
notices); backend.casework imports it to dispatch at intake and on `assign`/`decline`, and
neither backend.cases nor anything this package imports reaches back. Inside: flows
(operations) → service (queries, pure decisions) → loader → the
planner on plain data (day, online, improve, solver, travel) and the tables (models).
"""
