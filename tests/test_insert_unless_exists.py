"""`insert_unless_exists`, the first-sight INSERT of a call, a chat and a conversation: one
statement, an object the session treats as loaded, nothing inserted twice (issue 14)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select

from backend.db import Base, Database, insert_unless_exists
from backend.dialogues.models import Conversation
from tests.statements import statements


def test_every_column_attribute_has_the_column_s_name() -> None:
    """`values` are keyed by attribute and bound to the table's columns by the same keys."""
    differing = [
        (mapper.class_.__name__, prop.key, column.key)
        for mapper in Base.registry.mappers
        for prop in mapper.column_attrs
        for column in prop.columns
        if column.table is mapper.local_table and column.key != prop.key
    ]
    assert differing == []


def values(address: str) -> dict[str, Any]:
    return {"channel": "phone", "address": address, "data": {}, "language": "en", "retries": 0}


def test_one_statement_and_the_object_is_as_if_loaded(database: Database) -> None:
    with database.session() as session:
        with statements(database) as sent:
            conversation = insert_unless_exists(
                session, Conversation, values("CA-one"), unique=["channel", "address"]
            )
        assert conversation is not None
        assert len(sent) == 1 and sent[0].lstrip().upper().startswith("INSERT")
        state = inspect(conversation)
        assert state.persistent and not session.dirty
        assert conversation.id is not None and conversation.language == "en"
        # a column the INSERT left to its default is read from the row when first used
        with statements(database) as sent:
            assert conversation.created_at is not None
            assert conversation.dialogue is None
        assert len(sent) == 1 and sent[0].lstrip().upper().startswith("SELECT")
        conversation.retries = 2  # a change is flushed as for any loaded object
        session.commit()
    with database.session() as session:
        stored = session.scalars(select(Conversation).where(Conversation.address == "CA-one")).one()
        assert (stored.retries, stored.language, stored.data) == (2, "en", {})


def test_a_second_insert_of_the_same_key_inserts_nothing(database: Database) -> None:
    with database.session() as session:
        first = insert_unless_exists(
            session, Conversation, values("CA-two"), unique=["channel", "address"]
        )
        session.commit()
        assert first is not None
        again = insert_unless_exists(
            session,
            Conversation,
            values("CA-two") | {"language": "ko"},
            unique=["channel", "address"],
        )
        assert again is None
        session.commit()
    with database.session() as session:
        rows = session.scalars(select(Conversation).where(Conversation.address == "CA-two")).all()
        assert [row.language for row in rows] == ["en"]


def test_what_the_session_holds_is_written_first(database: Database) -> None:
    """An object added before the INSERT is flushed before it, as before any ORM statement."""
    with database.session() as session:
        pending = Conversation(channel="telegram", address="42", data={}, language="ko")
        session.add(pending)
        with statements(database) as sent:
            inserted = insert_unless_exists(
                session, Conversation, values("CA-three"), unique=["channel", "address"]
            )
        assert len(sent) == 2  # the pending object's INSERT, then this one
        assert inserted is not None and pending.id is not None and pending.id < inserted.id
        session.commit()
