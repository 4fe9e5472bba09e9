"""The `aftersales` command: db upgrade, seed --demo, user create, token create."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, inspect, select

from backend.catalog.models import Contract, Product
from backend.cli import main
from backend.db import Database
from backend.people.models import Role, StaffUser, Technician
from backend.seed import DEMO_PASSWORD


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str):  # type: ignore[no-untyped-def]
    """Invoke `aftersales …` against the test database, as an operator would."""
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    runner = CliRunner()

    def invoke(*args: str, url: str = database_url) -> Result:
        env = {
            "DATABASE_URL": url,
            "AFTERSALES_SECRET_KEY": "x",
            "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
        }
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_db_upgrade_builds_a_fresh_sqlite_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'fresh' / 'aftersales.db'}"
    result = run("db", "upgrade", url=url)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "cases",
        "case_events",
        "customers",
        "products",
        "parts",
        "units",
        "contracts",
        "technicians",
        "staff_users",
        "api_tokens",
        "outbound_messages",
        "alembic_version",
    } <= tables
    assert run("db", "upgrade", url=url).exit_code == 0  # again: nothing to do


def test_seed_demo_twice_adds_nothing_the_second_time(run, database: Database) -> None:  # type: ignore[no-untyped-def]
    first = run("seed", "--demo")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["products_added"] >= 3 and summary["technicians_added"] >= 4
    assert summary["contracts_added"] >= 1 and summary["password"] == DEMO_PASSWORD
    assert "receptionist@demo.aftersales.local" in summary["users"]
    assert summary["fee_schedules_added"] == 1  # R4.11 the demo fee schedule, version 1

    def counts() -> dict[str, int]:
        with database.session() as session:
            return {
                model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Product, Technician, Contract, StaffUser)
            }

    before = counts()
    second = json.loads(run("seed", "--demo").output)
    assert (second["products_added"], second["technicians_added"], second["contracts_added"]) == (
        0,
        0,
        0,
    )
    assert second["fee_schedules_added"] == 0
    assert counts() == before
    with database.session() as session:
        roles = set(session.scalars(select(StaffUser.role)))
        assert roles == set(Role)  # a demo login for every role
        lines = {p.product_line for p in session.scalars(select(Product))}
        assert len(lines) >= 3
        zones = {t.zone for t in session.scalars(select(Technician))}
        assert zones == {"city", "suburb"}


def test_user_create_then_token_create_gives_a_working_token(run, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    created = run(
        "user",
        "create",
        "--email",
        "Desk@Example.com",
        "--role",
        "receptionist",
        "--password",
        "s3cret",
    )
    assert created.exit_code == 0, created.output
    assert "desk@example.com (receptionist)" in created.output
    printed = run("token", "create", "--email", "desk@example.com")
    assert printed.exit_code == 0
    token = printed.output.strip()
    assert token.startswith("as_") and len(token) > 30
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["total"] == 0


def test_user_create_refuses_an_unknown_role_and_a_duplicate(run) -> None:  # type: ignore[no-untyped-def]
    bad_role = run("user", "create", "--email", "a@b.c", "--role", "overlord")
    assert bad_role.exit_code == 1 and "role" in bad_role.output
    assert run("user", "create", "--email", "a@b.c", "--role", "admin").exit_code == 0
    duplicate = run("user", "create", "--email", "A@b.c", "--role", "admin")
    assert duplicate.exit_code == 1 and "email" in duplicate.output


def test_token_create_for_an_unknown_user_fails_cleanly(run) -> None:  # type: ignore[no-untyped-def]
    result = run("token", "create", "--email", "nobody@example.com")
    assert result.exit_code == 1 and "no user" in result.output


def test_a_bad_setting_stops_the_command_with_its_name(
    run,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERSALES_TZ", "Mars/Olympus")
    result = run("tick")
    assert result.exit_code == 1 and "AFTERSALES_TZ" in result.output


def test_a_fresh_process_seeds_the_demo_as_the_readme_s_first_command_does(
    tmp_path: Path,
) -> None:
    """In a process of its own (not this suite's, where every model is imported already): the
    seed meets foreign keys between domains (a technician's partner) and must know every table."""
    import subprocess
    import sys

    env = {
        "PATH": str(Path(sys.executable).parent),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "AFTERSALES_SECRET_KEY": "x",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
    }
    for args in (["db", "upgrade"], ["seed", "--demo"]):
        done = subprocess.run(
            [sys.executable, "-m", "backend.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["products_added"] > 0
