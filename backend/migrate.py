"""Alembic driven from code: `aftersales db upgrade` and the tests use the same entry."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(url), revision)


def autogenerate(url: str, message: str) -> None:
    """For developers: write a new revision from the difference between models and `url`."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
