"""Finding 16: API tokens can be revoked and expire, their last use is kept, and a deactivated
user's tokens fail at once — from the command line and from the admins' API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cli import main
from backend.db import Database
from backend.people.models import ApiToken, StaffUser
from backend.people.service import (
    create_token,
    create_user,
    deactivate_user,
    get_user_by_email,
    user_for_token,
)
from tests.conftest import Clock
from tests.factories import Personas


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Any:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        env = {
            "DATABASE_URL": database_url,
            "AFTERSALES_SECRET_KEY": "x",
            "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
        }
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _status(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def _user_id(database: Database, email: str) -> int:
    with database.session() as session:
        return get_user_by_email(session, email).id


def test_finding_16_cli_revokes_a_token_by_prefix_and_by_id(
    run: Any, client: FlaskClient, database: Database
) -> None:
    _ok(run("user", "create", "--email", "r@x.test", "--role", "receptionist"))
    first = _ok(run("token", "create", "--email", "r@x.test"))
    second = _ok(run("token", "create", "--email", "r@x.test"))
    assert _status(client, first) == _status(client, second) == 200
    listing = _ok(run("token", "list", "--email", "r@x.test"))
    assert first[:10] in listing and first not in listing  # only the prefix is ever shown
    _ok(run("token", "revoke", first[:10]))
    assert _status(client, first) == 401
    assert _status(client, second) == 200
    with database.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.prefix == second[:10]))
        assert row is not None and row.last_used_at is not None
        second_id = row.id
    _ok(run("token", "revoke", str(second_id)))
    assert _status(client, second) == 401


def test_finding_16_cli_revokes_every_token_of_a_user(run: Any, client: FlaskClient) -> None:
    _ok(run("user", "create", "--email", "r@x.test", "--role", "receptionist"))
    tokens = [_ok(run("token", "create", "--email", "r@x.test")) for _ in range(3)]
    assert "revoked 3" in _ok(run("token", "revoke", "--email", "r@x.test"))
    assert {_status(client, t) for t in tokens} == {401}
    assert run("token", "revoke").exit_code != 0  # neither a token nor --email
    assert run("token", "revoke", "as_nothing").exit_code != 0


def test_finding_16_cli_deactivation_fails_existing_tokens_at_once(
    run: Any, client: FlaskClient
) -> None:
    _ok(run("user", "create", "--email", "r@x.test", "--role", "receptionist"))
    token = _ok(run("token", "create", "--email", "r@x.test"))
    assert _status(client, token) == 200
    assert "deactivated" in _ok(run("user", "deactivate", "--email", "r@x.test"))
    assert _status(client, token) == 401
    assert run("token", "create", "--email", "r@x.test").exit_code != 0
    _ok(run("user", "reactivate", "--email", "r@x.test"))
    assert _status(client, token) == 401  # reactivation does not revive the old tokens
    assert _status(client, _ok(run("token", "create", "--email", "r@x.test"))) == 200


def test_finding_16_cli_token_with_an_expiry(run: Any, database: Database) -> None:
    _ok(run("user", "create", "--email", "r@x.test", "--role", "receptionist"))
    token = _ok(run("token", "create", "--email", "r@x.test", "--expires-in-days", "30"))
    with database.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10]))
        assert row is not None and row.expires_at is not None
        assert 29 <= (row.expires_at - row.created_at).days <= 30
    assert run("token", "create", "--email", "r@x.test", "--expires-in-days", "0").exit_code != 0


def test_finding_16_an_expired_token_fails(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    admin = people.headers("admin")
    people.token("receptionist")
    user_id = _user_id(database, "receptionist@test.local")
    answer = client.post(
        f"/api/v1/users/{user_id}/tokens", headers=admin, json={"expires_in_days": 1}
    )
    assert answer.status_code == 201, answer.get_json()
    token = answer.get_json()["token"]
    assert answer.get_json()["expires_at"] is not None
    assert _status(client, token) == 200
    clock.advance(hours=23)
    assert _status(client, token) == 200
    clock.advance(hours=2)
    assert _status(client, token) == 401


def test_finding_16_api_lists_creates_and_revokes_tokens(
    client: FlaskClient, people: Personas, database: Database, clock: Clock
) -> None:
    admin = people.headers("admin")
    token = people.token("receptionist")
    user_id = _user_id(database, "receptionist@test.local")
    assert _status(client, token) == 200
    listing = client.get(f"/api/v1/users/{user_id}/tokens", headers=admin).get_json()["items"]
    assert len(listing) == 1 and listing[0]["prefix"] == token[:10]
    assert listing[0]["last_used_at"] is not None  # kept although the request only read
    assert "token" not in listing[0]
    made = client.post(f"/api/v1/users/{user_id}/tokens", headers=admin)
    assert made.status_code == 201 and made.get_json()["expires_at"] is None
    revoked = client.delete(f"/api/v1/users/{user_id}/tokens/{listing[0]['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"] is not None
    assert _status(client, token) == 401
    assert _status(client, made.get_json()["token"]) == 200
    everything = client.delete(f"/api/v1/users/{user_id}/tokens", headers=admin)
    assert everything.get_json() == {"revoked": 1}
    assert _status(client, made.get_json()["token"]) == 401


def test_finding_16_api_deactivates_and_reactivates_a_user(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    admin = people.headers("admin")
    token = people.token("repair_manager")
    user_id = _user_id(database, "repair_manager@test.local")
    answer = client.post(f"/api/v1/users/{user_id}/deactivate", headers=admin)
    assert answer.status_code == 200
    assert answer.get_json()["active"] is False and answer.get_json()["tokens_revoked"] == 1
    assert _status(client, token) == 401
    assert client.post(f"/api/v1/users/{user_id}/tokens", headers=admin).status_code == 409
    assert client.post(f"/api/v1/users/{user_id}/reactivate", headers=admin).status_code == 200
    assert _status(client, token) == 401


def test_finding_16_only_admins_manage_users(client: FlaskClient, people: Personas) -> None:
    for role in ("repair_manager", "service_director", "receptionist"):
        for method, path in (
            ("get", "/api/v1/users/1/tokens"),
            ("post", "/api/v1/users/1/tokens"),
            ("delete", "/api/v1/users/1/tokens"),
            ("post", "/api/v1/users/1/deactivate"),
        ):
            response = getattr(client, method)(path, headers=people.headers(role))
            assert response.status_code == 403
    admin = people.headers("admin")
    assert client.get("/api/v1/users/999999/tokens", headers=admin).status_code == 404
    assert client.get("/api/v1/users/99999999999/tokens", headers=admin).status_code == 404


def test_finding_16_deactivation_ends_a_token_even_within_one_session(
    database: Database, clock: Clock
) -> None:
    """deactivate_user is the one function (the dashboard's sessions hang on it too)."""
    with database.session() as session:
        user = create_user(session, email="t@x.test", role="receptionist")
        token = create_token(session, user)
        assert user_for_token(session, token, now=clock()) is user
        assert deactivate_user(session, user, clock()) == 1
        assert user_for_token(session, token, now=clock()) is None
        assert session.scalar(select(StaffUser.active).where(StaffUser.id == user.id)) is False


def test_finding_16_openapi_documents_the_user_routes(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/users/{user_id}/tokens"]) == {"get", "post", "delete"}
    assert "delete" in paths["/users/{user_id}/tokens/{token_id}"]
    assert "post" in paths["/users/{user_id}/deactivate"]
