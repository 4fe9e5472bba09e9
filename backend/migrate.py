"""Alembic driven from code: `aftersales db upgrade`, the tests and developers use the same entry.

One migration line: the history has a single head (0008 joined the five branches that had grown
on 0001), and every new revision descends from it; tests/test_migrations.py fails on a second
head or a second branch. Revision ids are sequential four-digit numbers, files `<id>_<slug>.py`.

To add a revision, bring the database in DATABASE_URL to head (`aftersales db upgrade`), change
the models, then

    python -m backend.migrate revision "technician skills"

writes backend/migrations/versions/<next id>_technician_skills.py from the difference between the
models and that database, on top of the head. Read and complete it (data moves, the downgrade),
then `ruff format` and `ruff check --fix` it. When two git branches each added a revision, the
history has two heads again: renumber the one not yet released so that it follows the other (its
id and down_revision), or, if both are released, join them with

    python -m backend.migrate merge "merge heads"

(Alembic's `alembic merge heads`: an empty revision with both heads as its down_revision).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from backend.settings import load_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration for `url` (None: env.py reads DATABASE_URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolates %: a password may hold one.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_directory() -> ScriptDirectory:
    """The revisions under backend/migrations/versions."""
    return ScriptDirectory.from_config(alembic_config())


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the revisions `url` lacks, up to `revision` (the single head by default)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Undo the revisions above `revision` (an id, "-1" or "base"), leaving other branches.

    Alembic cannot walk "-1" through a merge point ("Ambiguous walk"): from 0008 name one of its
    parents ("0007") to undo just the merge, or "0001" to undo every former branch."""
    command.downgrade(alembic_config(url), revision)


def next_revision_id() -> str:
    """The id after the highest numbered revision: "0009" after "0008" (or "0008_workshop")."""
    numbers = [
        int(r.revision[:4]) for r in script_directory().walk_revisions() if r.revision[:4].isdigit()
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def autogenerate(url: str, message: str) -> Path:
    """For developers: write a new revision on top of the single head from the difference
    between the models and `url` (a database at head); answers the file written."""
    script = command.revision(
        alembic_config(url), message=message, autogenerate=True, rev_id=next_revision_id()
    )
    return _written(script)


def merge(message: str) -> Path:
    """For developers: join every head into one with an empty revision (`alembic merge heads`)."""
    if len(script_directory().get_heads()) < 2:
        raise CommandError("a single head: nothing to merge")
    script = command.merge(alembic_config(), "heads", message=message, rev_id=next_revision_id())
    return _written(script)


def _written(script: Script | list[Script | None] | None) -> Path:
    if not isinstance(script, Script):
        raise RuntimeError("Alembic wrote no single revision")
    return Path(script.path)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m backend.migrate revision|merge MESSAGE`."""
    parser = argparse.ArgumentParser(
        prog="python -m backend.migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["revision", "merge"])
    parser.add_argument("message")
    args = parser.parse_args(argv)
    try:
        if args.action == "revision":
            path = autogenerate(load_settings().database_url, args.message)
        else:
            path = merge(args.message)
    except CommandError as error:  # "Target database is not up to date.", "Multiple heads …"
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}; read it, complete it, ruff format and check it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
