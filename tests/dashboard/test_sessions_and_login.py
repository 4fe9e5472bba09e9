"""Sessions and login (findings 10, 11, 12): server-side sessions that logout, deactivation and
expiry end; a Secure cookie and security headers; sign-in throttling shared by every process,
per account with growing delays and per client address; trusted proxies; a safe `next`."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import Client, TestResponse

from backend.app import create_app
from backend.db import Database
from backend.people.models import StaffSession, StaffUser
from backend.people.service import deactivate_user, reactivate_user
from backend.people.sessions import end_user_sessions
from backend.people.throttle import LoginThrottle, ThrottlePolicy
from backend.settings import Settings, SettingsError, load_settings
from backend.web.security import TrustedProxyAddresses
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, csrf_from
from tests.factories import Personas

TEMPLATES = Path(__file__).parents[2] / "backend" / "dashboard" / "templates"


def environ_settings(settings: Settings, **environ: str) -> Settings:
    """The test settings with some environment variables added."""
    return load_settings(
        {
            "DATABASE_URL": settings.database_url,
            "AFTERSALES_SECRET_KEY": "test-secret",
            "AFTERSALES_VAR_DIR": str(settings.var_dir),
            **environ,
        },
        read_dotenv=False,
    )


def login(
    client: FlaskClient,
    email: str,
    password: str = "pw",
    *,
    address: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    next_url: str | None = None,
) -> TestResponse:
    """Sign in from `address` (the TCP peer), optionally through a proxy's headers."""
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}, headers=headers)
    data = {"csrf_token": csrf_from(page.text), "email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address}, headers=headers)


def session_rows(database: Database) -> list[StaffSession]:
    with database.session() as session:
        return list(session.scalars(select(StaffSession).order_by(StaffSession.created_at)))


def set_active(database: Database, role: str, active: bool) -> None:
    with database.session() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.role == role))
        assert user is not None
        user.active = active


# --- finding 10: sessions -------------------------------------------------------------------


def test_finding_10_a_saved_cookie_is_refused_after_logout(browser: Browser) -> None:
    browser.login("receptionist")
    saved = browser.client.get_cookie("session")
    assert saved is not None
    browser.post("/logout")
    replay = browser.client.application.test_client()
    replay.set_cookie("session", saved.value)
    response = replay.get("/cases")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_finding_10_the_cookie_holds_a_session_token_not_the_user(
    browser: Browser, app: Flask, database: Database
) -> None:
    browser.login("receptionist")
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    content = serializer.loads(cookie.value)
    assert set(content) == {"sid", "csrf_token"}
    (row,) = session_rows(database)
    assert row.id != content["sid"] and len(row.id) == 64  # only the token's hash is stored


def test_finding_10_logout_ends_the_session_on_the_server(
    browser: Browser, database: Database, clock: Clock
) -> None:
    browser.login("receptionist")
    browser.post("/logout")
    (row,) = session_rows(database)
    assert row.ended_at == clock() and row.ended_reason == "logout"


def test_finding_10_an_idle_session_ends_after_eight_hours(
    browser: Browser, database: Database, clock: Clock
) -> None:
    browser.login("receptionist")
    clock.advance(hours=7, minutes=59)
    assert browser.get("/cases").status_code == 200  # used: the idle clock starts again
    clock.advance(hours=7, minutes=59)
    assert browser.get("/cases").status_code == 200
    clock.advance(hours=8)
    assert browser.get("/cases").status_code == 302
    (row,) = session_rows(database)
    assert row.ended_reason == "idle"


def test_finding_10_a_session_ends_seven_days_after_sign_in_however_busy(
    browser: Browser, database: Database, clock: Clock
) -> None:
    browser.login("receptionist")
    signed_in = clock()
    while clock.advance(hours=6) - signed_in < timedelta(days=7):
        assert browser.get("/cases").status_code == 200, clock()
    assert browser.get("/cases").status_code == 302
    (row,) = session_rows(database)
    assert row.ended_reason == "expired"


def test_finding_10_the_session_limits_are_configurable(
    database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    short = environ_settings(
        settings, AFTERSALES_SESSION_IDLE_HOURS="1", AFTERSALES_SESSION_MAX_DAYS="2"
    )
    assert (short.session_idle_hours, short.session_max_days) == (1, 2)
    app = create_app({"settings": short, "database": database, "clock": clock})
    browser = Browser(app.test_client(), people, database)
    browser.login("receptionist")
    clock.advance(minutes=59)
    assert browser.get("/cases").status_code == 200
    clock.advance(minutes=61)
    assert browser.get("/cases").status_code == 302


@pytest.mark.parametrize("name", ["AFTERSALES_SESSION_IDLE_HOURS", "AFTERSALES_SESSION_MAX_DAYS"])
def test_finding_10_a_bad_session_limit_is_refused_by_name(settings: Settings, name: str) -> None:
    for bad in ("0", "eight"):
        with pytest.raises(SettingsError, match=name):
            environ_settings(settings, **{name: bad})


def test_finding_10_deactivating_a_user_ends_their_sessions(
    browser: Browser, database: Database
) -> None:
    browser.login("receptionist")
    set_active(database, "receptionist", False)
    assert browser.get("/cases").status_code == 302
    (row,) = session_rows(database)
    assert row.ended_reason == "deactivated"
    set_active(database, "receptionist", True)  # taken back: the old session stays ended
    assert browser.get("/cases").status_code == 302


def test_finding_10_deactivate_user_ends_the_sessions_before_any_request(
    browser: Browser, database: Database, clock: Clock
) -> None:
    """`aftersales user deactivate` and the API's deactivation use deactivate_user: the sessions
    end at once, so a reactivation before the next request does not bring them back."""
    browser.login("receptionist")
    user = browser.user("receptionist")
    with database.session() as session:
        row = session.get(StaffUser, user.id)
        assert row is not None
        deactivate_user(session, row, clock())
        reactivate_user(session, row)
        session.commit()
    assert browser.get("/cases").status_code == 302
    (ended,) = session_rows(database)
    assert ended.ended_reason == "deactivated"


def test_finding_10_end_user_sessions_ends_every_browser_of_that_user(
    app: Flask, people: Personas, database: Database, clock: Clock
) -> None:
    office, laptop = (Browser(app.test_client(), people, database) for _ in range(2))
    office.login("receptionist")
    laptop.login("receptionist")
    user = office.user("receptionist")
    with database.session() as session:
        assert end_user_sessions(session, user.id, now=clock()) == 2
    assert office.get("/cases").status_code == 302
    assert laptop.get("/cases").status_code == 302


def test_finding_10_secure_cookie_and_hsts_only_under_https(
    database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    for base, secure in (("https://service.example.com", True), ("http://127.0.0.1:5000", False)):
        app = create_app(
            {
                "settings": environ_settings(settings, PUBLIC_BASE_URL=base),
                "database": database,
                "clock": clock,
            }
        )
        response = Browser(app.test_client(), people, database).login("receptionist")
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert ("; Secure" in cookie) is secure, base
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Strict-Transport-Security" in response.headers) is secure, base


def test_finding_10_every_page_carries_csp_and_frame_denial(
    browser: Browser, people: Personas
) -> None:
    case_page = browser.get("/login")
    browser.login("repair_manager")
    pages = [
        "/cases",
        "/cases/new",
        "/tasks",
        "/technicians",
        "/reports",
        "/cases/AS-2026-999999",  # 404
        "/dashboard-static/dashboard.css",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/cases",  # 401
    ]
    responses = [case_page] + [browser.get(url) for url in pages]
    for url, response in zip(["/login", *pages], responses, strict=True):
        policy = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy, url
        assert response.headers.get("X-Frame-Options") == "DENY", url
        assert response.headers.get("X-Content-Type-Options") == "nosniff", url
        assert response.headers.get("Referrer-Policy") == "same-origin", url
        assert "Strict-Transport-Security" not in response.headers, url
    assert browser.get("/cases").headers.get("Cache-Control") == "no-store"


def test_finding_10_templates_have_no_inline_script_or_style() -> None:
    """The CSP allows only the site's own files: an inline script or style would be blocked."""
    inline = re.compile(r"<script\b(?![^>]*\bsrc=)|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert offenders == []


# --- finding 11: throttling -----------------------------------------------------------------


def test_finding_11_the_throttle_is_shared_by_two_app_instances(
    app: Flask,
    database: Database,
    settings: Settings,
    clock: Clock,
    people: Personas,
) -> None:
    first = Browser(app.test_client(), people, database)
    second_app = create_app({"settings": settings, "database": database, "clock": clock})
    second = Browser(second_app.test_client(), people, database)
    for _ in range(5):
        assert first.login("receptionist", password="guess").status_code == 401
    refused = second.login("receptionist")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    clock.advance(seconds=2)
    assert second.login("receptionist").status_code == 302


def test_finding_11_the_right_password_works_after_the_growing_delay(
    browser: Browser, clock: Clock
) -> None:
    for _ in range(5):
        assert browser.login("receptionist", password="guess").status_code == 401
    assert browser.login("receptionist").status_code == 429  # even the right one, for now
    clock.advance(seconds=2)
    assert browser.login("receptionist", password="guess").status_code == 401
    waiting = browser.login("receptionist")
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "4"  # doubled
    clock.advance(seconds=4)
    assert browser.login("receptionist").status_code == 302
    browser.post("/logout")
    assert browser.login("receptionist", password="guess").status_code == 401  # afresh


def test_finding_11_the_delay_grows_to_a_cap_of_minutes_never_a_lockout() -> None:
    policy = ThrottlePolicy()
    delays = [policy.account_delay(n).total_seconds() for n in range(1, 20)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:9] == [2, 4, 8, 16, 32]
    assert max(delays) == 300 and delays[-1] == 300
    assert policy.account_delay(10_000) == timedelta(minutes=5)


def test_finding_11_one_address_failing_does_not_lock_other_accounts_out(
    app: Flask, browser: Browser, database: Database, clock: Clock
) -> None:
    """Twenty failures from one address (the old per-address limit) close no other account."""
    throttle: LoginThrottle = app.extensions["dashboard_login_throttle"]
    with database.session() as session:
        for n in range(20):
            throttle.claim(session, email=f"guess{n}@test.local", address="127.0.0.1", now=clock())
    assert browser.login("receptionist").status_code == 302


def test_finding_11_the_per_address_limit_still_stops_a_spray_for_a_window(
    app: Flask, browser: Browser, database: Database, clock: Clock
) -> None:
    throttle = LoginThrottle(ThrottlePolicy(address_limit=3))
    app.extensions["dashboard_login_throttle"] = throttle
    email = browser.user("receptionist").email
    for n in range(3):
        assert login(browser.client, f"guess{n}@test.local", "x").status_code == 401
    spray = login(browser.client, email)
    assert spray.status_code == 429 and spray.headers["Retry-After"] == str(15 * 60)
    assert login(app.test_client(), email, address="198.51.100.7").status_code == 302
    clock.advance(minutes=15)
    assert login(browser.client, email).status_code == 302


def test_finding_11_concurrent_guesses_are_each_counted(
    app: Flask, browser: Browser, database: Database
) -> None:
    email = browser.user("receptionist").email
    clients = [app.test_client() for _ in range(12)]
    tokens = [csrf_from(client.get("/login").text) for client in clients]
    statuses: list[int] = []
    start = threading.Barrier(len(clients))

    def guess(client: FlaskClient, token: str) -> None:
        start.wait()
        data = {"csrf_token": token, "email": email, "password": "guess"}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == 5  # the free failures; every other guess waits unchecked


# --- finding 11: trusted proxies ------------------------------------------------------------


def echo_address(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}".encode()]


@pytest.mark.parametrize(
    ("peer", "forwarded", "seen"),
    [
        ("10.0.0.5", "203.0.113.9", "203.0.113.9 https"),
        ("10.0.0.5", "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9 https"),
        ("10.0.0.5", "not-an-address", "10.0.0.5 https"),
        ("192.0.2.1", "203.0.113.9", "192.0.2.1 http"),  # not our proxy: the header is a lie
    ],
)
def test_finding_11_a_proxy_list_is_believed_only_from_those_proxies(
    peer: str, forwarded: str, seen: str
) -> None:
    client = Client(TrustedProxyAddresses(echo_address, ["10.0.0.0/24"]))
    response = client.get(
        "/",
        environ_base={"REMOTE_ADDR": peer},
        headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
    )
    assert response.get_data(as_text=True) == seen


@pytest.mark.parametrize("trusted", ["1", "10.0.0.5"])
def test_finding_11_behind_a_trusted_proxy_each_client_has_its_own_address_limit(
    database: Database, settings: Settings, clock: Clock, people: Personas, trusted: str
) -> None:
    app = create_app(
        {
            "settings": environ_settings(settings, AFTERSALES_TRUSTED_PROXIES=trusted),
            "database": database,
            "clock": clock,
        }
    )
    app.extensions["dashboard_login_throttle"] = LoginThrottle(ThrottlePolicy(address_limit=2))
    email = Browser(app.test_client(), people, database).user("receptionist").email

    def through_proxy(client_address: str) -> dict[str, str]:
        return {"X-Forwarded-For": client_address}

    attacker, staff = app.test_client(), app.test_client()
    for n in range(2):
        response = login(
            attacker, f"g{n}@x.test", "x", address="10.0.0.5", headers=through_proxy("203.0.113.9")
        )
        assert response.status_code == 401
    blocked = login(attacker, email, address="10.0.0.5", headers=through_proxy("203.0.113.9"))
    assert blocked.status_code == 429
    signed_in = login(staff, email, address="10.0.0.5", headers=through_proxy("198.51.100.7"))
    assert signed_in.status_code == 302


def test_finding_11_without_trusted_proxies_x_forwarded_for_is_ignored(
    app: Flask, browser: Browser
) -> None:
    app.extensions["dashboard_login_throttle"] = LoginThrottle(ThrottlePolicy(address_limit=2))
    email = browser.user("receptionist").email
    for n in range(2):
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert login(browser.client, f"g{n}@x.test", "x", headers=forged).status_code == 401
    forged = {"X-Forwarded-For": "198.51.100.99"}
    assert login(browser.client, email, headers=forged).status_code == 429


@pytest.mark.parametrize("bad", ["-1", "10.0.0.300", "proxy.example"])
def test_finding_11_a_bad_trusted_proxies_value_is_refused_by_name(
    settings: Settings, bad: str
) -> None:
    with pytest.raises(SettingsError, match="AFTERSALES_TRUSTED_PROXIES"):
        environ_settings(settings, AFTERSALES_TRUSTED_PROXIES=bad)


# --- finding 12: where sign-in leads --------------------------------------------------------

EVIL_NEXT = [
    "/\t/evil.example/phish",
    "/\n/evil.example/phish",
    "/\r\n/evil.example/phish",
    "\t//evil.example/phish",
    "//evil.example/phish",
    "///evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example/phish",
    "https://evil.example/phish",
    "javascript:alert(1)",
    "/\x00/evil.example",
    "/\x0b/evil.example",
    "/\u2028/evil.example",
    "evil.example/phish",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_finding_12_evil_next_values_land_on_the_dashboard_home(
    browser: Browser, target: str
) -> None:
    email = browser.user("receptionist").email
    page = browser.client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    assert login(browser.client, email, next_url=target).location == "/home"
    assert browser.client.get("/login", query_string={"next": target}).location == "/home"
    language = browser.post("/language", {"language": "en", "next": target})
    assert language.status_code == 302 and language.location == "/"


def test_finding_12_a_path_on_this_site_is_kept(browser: Browser) -> None:
    email = browser.user("receptionist").email
    target = "/cases?status=new&q=김"
    assert login(browser.client, email, next_url=target).location.startswith("/cases?status=new")


# --- housekeeping -----------------------------------------------------------------------------


def test_tick_prunes_old_sessions_and_forgotten_failure_counters(
    app: Flask, browser: Browser, database: Database, settings: Settings, clock: Clock
) -> None:
    from backend.composition import tick
    from backend.people.models import LoginFailures

    browser.login("receptionist", password="guess")
    browser.login("receptionist")
    browser.post("/logout")
    browser.login("receptionist")  # never logged out: ends by age
    with database.session() as session:
        # the address's; the account's went with the right password
        assert len(list(session.scalars(select(LoginFailures)))) == 1
    clock.advance(days=2)
    assert tick(database, settings, clock())["sign_in_housekeeping"] == 1  # the counter
    assert len(session_rows(database)) == 2
    clock.advance(days=29)
    assert tick(database, settings, clock())["sign_in_housekeeping"] == 1  # logged out 31 d ago
    clock.advance(days=7)
    assert tick(database, settings, clock())["sign_in_housekeeping"] == 1  # 7 + 30 days old
    assert session_rows(database) == []
