"""The schema the migrations build is the schema the models describe (a guard for every new
revision), and `aftersales db upgrade` builds it on a fresh database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.db import Database
from backend.migrate import alembic_config
from backend.models import Base


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], "a model change needs a migration: " + "\n".join(
        str(d) for d in differences
    )


def test_the_database_is_at_every_head(database: Database) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config(database.url)).get_heads())
    with database.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    assert current == heads
