"""The web edge below every domain's routes: per-request access to the database session, settings
and clock here; bearer tokens and roles in `auth`, JSON bodies in `bodies`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from backend.db import Database, utcnow
from backend.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


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
        opener = database().reader if g.get("reads_only") else database().sessionmaker
        g.db_session = opener()
    session: Session = g.db_session
    return session


def reads_only(view: F) -> F:
    """The route only reads (besides a token's last-used stamp, one UPDATE): its session runs
    each statement on its own, outside a transaction (`Database.reader`). Never for a route
    that writes two rows together or locks one."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.reads_only = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
