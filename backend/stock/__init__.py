"""Spare-parts stock (R5.1–R5.3): the movement ledger, balances per location, reorder points,
ABC classes (R5.2) and the pre-assessment of a repair from past repair cards (R4.6, R4.7)."""
