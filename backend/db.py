"""Engine, sessions and the declarative base shared by every domain package."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, create_engine, event, exc, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


_Row = TypeVar("_Row", bound=Base)


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_unless_exists(
    session: Session, entity: type[_Row], values: dict[str, Any], *, unique: list[str]
) -> _Row | None:
    """Insert one `entity` row, unless one with the same `unique` columns exists: the new
    object, or None (then read the existing row).

    One INSERT … ON CONFLICT DO NOTHING: of two transactions inserting one key at once, the
    second waits for the first and then inserts nothing, instead of failing on the unique
    constraint (PostgreSQL and SQLite alike).

    The statement is built once per table and dialect and runs as Core on the session's
    connection, returning only the primary key; the object is made from the values given, as
    if it had been loaded, without a SELECT (a column the INSERT left to its default is loaded
    when first read). A call's first request and a chat's first message pay for this on every
    request, where the ORM's INSERT … RETURNING of the whole object cost several times more
    Python. `values` are keyed by attribute, which is each column's name
    (tests/test_insert_unless_exists.py)."""
    if session.autoflush:
        session.flush()  # what the session holds goes first, as before any ORM statement
    connection = session.connection()
    statement = _insert_statement(entity.__table__, connection.dialect.name, tuple(unique))
    key = connection.execute(statement, values).one_or_none()
    return None if key is None else as_loaded(session, entity, {**values, **key._mapping})


def as_loaded(session: Session, entity: type[_Row], values: dict[str, Any]) -> _Row:
    """The session's object of a row just written by a Core statement, from the values written
    (with its primary key): clean, as if loaded; a column not given is loaded when first read."""
    instance = entity(**values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@functools.cache
def _insert_statement(table: Any, dialect: str, unique: tuple[str, ...]) -> Any:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING the primary key; the values are bound
    at execution (SQLAlchemy caches the compiled form per set of keys)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(unique))
    return statement.returning(*table.primary_key.columns)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, a busy timeout and WAL (web + worker)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own BEGIN handling defers locks; take the write lock at BEGIN so that
            # two writers queue on busy_timeout instead of failing with "database is locked".
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        queue_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


SQLITE_WAIT_SECONDS = 30.0  # as the busy timeout: how long a writer waits for the one before


def queue_writers(engine: Engine) -> None:
    """SQLite: one transaction at a time in this process, queued on a lock, before BEGIN
    IMMEDIATE takes the file's write lock.

    Every transaction begins IMMEDIATE (so two writers never deadlock on a lock upgrade). Left to
    SQLite, threads that find the file locked poll it on the busy timeout, sleeping up to 100 ms
    between tries, and a newcomer may take the lock ahead of a thread that has waited for a
    second (measured: a webhook's p99 of over a second, and timeouts, under 16 connections).
    Queued here they are woken the moment the previous transaction ends. Other processes (a
    `tick` from the command line) still meet the busy timeout. The lock is given back when the
    transaction's connection commits, rolls back (also the pool's reset) or closes."""
    lock = threading.Lock()
    holders: set[int] = set()  # ids of the DBAPI connections that hold it
    dialect: Any = engine.dialect

    def give_back(connection: Any) -> None:
        # the dialect is handed the pool's proxy or the DBAPI connection itself
        key = id(getattr(connection, "dbapi_connection", connection))
        if key in holders:
            holders.discard(key)
            lock.release()

    def after(method: Any) -> Any:
        def call(dbapi_connection: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(dbapi_connection, *args, **kwargs)
            finally:
                give_back(dbapi_connection)

        return call

    dialect.do_commit = after(dialect.do_commit)
    dialect.do_rollback = after(dialect.do_rollback)
    dialect.do_close = after(dialect.do_close)

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if not lock.acquire(timeout=SQLITE_WAIT_SECONDS):
            reason = sqlite3.OperationalError("database is locked")
            raise exc.OperationalError("BEGIN IMMEDIATE", None, reason)
        holders.add(id(dbapi_connection))
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            give_back(dbapi_connection)
            raise


class Database:
    """One engine and its session factory; the app, the worker and the bot each hold one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        # For requests that only read: on PostgreSQL each statement on its own, with no BEGIN
        # and ROLLBACK round trips around them (issue 14: a third of a case read's round
        # trips). SQLite keeps its transactions: its BEGIN costs no round trip.
        self.reader = (
            self.sessionmaker
            if url.startswith("sqlite")
            else sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
            )
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def next_in_year(session: Session, sequence: Any, year: int) -> int:
    """The next number of `year` in a yearly sequence table (columns `year`, `last`): its row made
    if missing, then one UPDATE … RETURNING. The row lock serialises concurrent writers on
    PostgreSQL, and SQLite runs one writer at a time, so no two callers get the same number."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        module.insert(sequence)
        .values(year=year, last=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    last: int = session.execute(
        update(sequence)
        .where(sequence.year == year)
        .values(last=sequence.last + 1)
        .returning(sequence.last)
    ).scalar_one()
    return last
