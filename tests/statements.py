"""Counting what the application sends the database: the statement budgets of issue 14's hot
paths (a case read, a board page, a call's first request, a first-sight INSERT)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from backend.db import Database


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements the application sends meanwhile (SQLite's BEGIN IMMEDIATE, which opens
    each transaction there, left out: PostgreSQL sends no BEGIN statement of its own)."""
    sent: list[str] = []

    def note(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
