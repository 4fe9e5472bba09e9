"""One migration line: the script directory has a single head, the history is linear from the
merge of the former branches (0008) on, every way into the head (an empty database, a database at
any former head or several, a downgrade and back) ends at the head with the schema the models
describe, and each former branch downgrades cleanly."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

import backend.migrate
from backend.db import Database, make_engine
from backend.migrate import downgrade, script_directory, upgrade
from backend.models import Base

# The heads before the merge, each written on 0001; installed databases hold these ids.
FORMER_HEADS = ("0002", "0003", "0004", "ivr_call_window", "0007")
MERGE = "0008"
BEFORE_MERGE = {"0001", *FORMER_HEADS}

# Something each former branch adds, to tell which branches a database holds.
MARKS = {
    "0002": ("telegram_chats", "chat_id"),
    "0003": ("phone_calls", "call_sid"),
    "0004": ("plan_runs", "jobs"),
    "ivr_call_window": ("outbound_messages", "not_after"),
    "0007": ("technicians", "language"),
}


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database without tables, on the suite's backend: a new SQLite file, or a new schema on
    the PostgreSQL database of TEST_DATABASE_URL (first on the search path of every connection)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"migrations_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def current_revisions(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def differences_from_models(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def branches_present(url: str) -> set[str]:
    """The former heads whose mark (a table's column) the database has."""
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        return {
            revision
            for revision, (table, column) in MARKS.items()
            if table in tables and column in {c["name"] for c in inspector.get_columns(table)}
        }
    finally:
        engine.dispose()


def the_head() -> str:
    head = script_directory().get_current_head()  # raises on more than one head
    assert head is not None
    return head


def assert_at_head_matching_the_models(url: str) -> None:
    assert current_revisions(url) == {the_head()}
    differences = differences_from_models(url)
    assert differences == [], "a model change needs a migration: " + "\n".join(
        str(d) for d in differences
    )


def test_the_script_directory_has_exactly_one_head() -> None:
    assert len(script_directory().get_heads()) == 1


def test_the_history_is_one_line_from_the_merge_on() -> None:
    script = script_directory()
    later = [r for r in script.walk_revisions() if r.revision not in BEFORE_MERGE | {MERGE}]
    assert set(script.get_revision(MERGE).down_revision or ()) == set(FORMER_HEADS)
    for revision in later:
        # Exactly one parent, itself the merge or later: no new branch, no second merge.
        assert isinstance(revision.down_revision, str), revision.revision
        assert revision.down_revision not in BEFORE_MERGE, revision.revision
    for revision_id in [MERGE, *(r.revision for r in later)]:
        assert len(script.get_revision(revision_id).nextrev) <= 1, revision_id
    assert MERGE in {r.revision for r in script.iterate_revisions(the_head(), "base")}


def test_the_test_database_is_at_the_head(database: Database) -> None:
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == {the_head()}


def test_migrated_schema_matches_the_models(database: Database) -> None:
    assert differences_from_models(database.url) == []


def test_an_empty_database_upgrades_to_the_head(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert_at_head_matching_the_models(empty_database_url)


@pytest.mark.parametrize(
    "former_heads",
    [
        *[(head,) for head in FORMER_HEADS],
        ("0002", "0007"),
        ("0003", "0004", "ivr_call_window"),
        FORMER_HEADS,  # every installation upgraded with "heads" before the merge
    ],
    ids=lambda heads: "+".join(heads),
)
def test_a_database_at_former_heads_upgrades_to_the_head(
    empty_database_url: str, former_heads: tuple[str, ...]
) -> None:
    for revision in former_heads:
        upgrade(empty_database_url, revision)
    assert current_revisions(empty_database_url) == set(former_heads)
    assert branches_present(empty_database_url) == set(former_heads)
    upgrade(empty_database_url)
    assert_at_head_matching_the_models(empty_database_url)


def test_one_step_down_from_the_head_and_up_again(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    parents = script_directory().get_revision(the_head()).down_revision
    parents = (parents,) if isinstance(parents, str) else tuple(parents or ())
    # Alembic cannot walk "-1" through a merge point ("Ambiguous walk"); naming a parent undoes
    # exactly the revisions above it, which is one step either way.
    downgrade(empty_database_url, parents[0])
    assert current_revisions(empty_database_url) == set(parents)
    upgrade(empty_database_url)
    assert_at_head_matching_the_models(empty_database_url)


@pytest.mark.parametrize("former_head", FORMER_HEADS)
def test_each_former_branch_downgrades_alone_and_upgrades_again(
    empty_database_url: str, former_head: str
) -> None:
    upgrade(empty_database_url)
    downgrade(empty_database_url, f"{former_head}@0001")  # that branch (and the merge) only
    others = set(FORMER_HEADS) - {former_head}
    assert current_revisions(empty_database_url) == others
    assert branches_present(empty_database_url) == others
    upgrade(empty_database_url)
    assert_at_head_matching_the_models(empty_database_url)


@pytest.mark.parametrize("target", ["0001", "base"])
def test_downgrade_from_the_head_to_the_start_and_upgrade_again(
    empty_database_url: str, target: str
) -> None:
    upgrade(empty_database_url)
    downgrade(empty_database_url, target)
    assert current_revisions(empty_database_url) == ({"0001"} if target == "0001" else set())
    assert branches_present(empty_database_url) == set()
    upgrade(empty_database_url)
    assert_at_head_matching_the_models(empty_database_url)


def test_autogenerate_writes_the_next_revision_on_the_head(
    empty_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the migrations, so that the revision written never lands in the source tree.
    copy = tmp_path / "migrations"
    shutil.copytree(backend.migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(backend.migrate, "MIGRATIONS", copy)
    head = the_head()
    upgrade(empty_database_url)

    path = backend.migrate.autogenerate(empty_database_url, "nothing changed")

    following = f"{int(head[:4]) + 1:04d}"  # a head may carry a name: "0023_workshop"
    assert path == copy / "versions" / f"{following}_nothing_changed.py"
    script = script_directory()
    assert script.get_heads() == [following]
    assert script.get_revision(following).down_revision == head
    assert "op." not in path.read_text()  # the models match the head: nothing to do
