"""The web edge below every domain's routes: per-request access to the database session, settings
and clock here; bearer tokens and roles in `auth`, JSON bodies in `bodies`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from backend.db import Database, utcnow
from backend.settings import Settings


def init_app(
    app: Flask, database: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
) -> None:
    app.extensions["aftersales"] = {"db": database, "settings": settings, "clock": clock}

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()  # anything not committed by the view is rolled back


def database() -> Database:
    db: Database = current_app.extensions["aftersales"]["db"]
    return db


def settings() -> Settings:
    value: Settings = current_app.extensions["aftersales"]["settings"]
    return value


def now() -> datetime:
    clock: Callable[[], datetime] = current_app.extensions["aftersales"]["clock"]
    return clock()


def db_session() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    session: Session = g.db_session
    return session
