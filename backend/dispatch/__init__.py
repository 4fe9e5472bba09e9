"""Dispatch: who takes each repair, placed in their day, and the day planner behind it.

Dependencies point one way: this package imports backend.cases (models, machine, service,
notices, and in casework.py the case's own intake and steps); backend.cases never imports it.
Inside: casework → flows (operations) → service (queries, pure decisions) → loader → the
planner on plain data (day, online, improve, solver, travel) and the tables (models).
"""
