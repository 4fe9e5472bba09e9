"""The `aftersales` command."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import click

from backend.db import Database, utcnow
from backend.errors import DomainError
from backend.logs import configure_logging
from backend.memory import freeze_startup_objects
from backend.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from backend.scheduler import Worker


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from error


def _database(settings: Settings) -> Database:
    """The database, with every table's mapping known first: a command that loads one domain's
    models (seed, user …) still meets foreign keys to tables of others (a technician's partner)."""
    from backend.models import Base

    Base.registry.configure()
    return Database(settings.database_url)


def _configure_logging(settings: Settings) -> None:
    configure_logging(settings.secrets, level=logging.INFO)


@click.group()
def main() -> None:
    """After-sales service desk."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not run the scheduler and outbox worker here.")
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--sandbox/--no-sandbox",
    default=None,
    help="Answer Telegram and Twilio inside the app and serve /sandbox (default: when neither "
    "is configured).",
)
def serve(host: str, port: int, no_worker: bool, threads: int, sandbox: bool | None) -> None:
    """Run the web app (API, dashboard, webhooks) and, unless --no-worker, the worker."""
    settings = _settings()
    _configure_logging(settings)
    from waitress import create_server

    from backend.app import create_app
    from backend.composition import COMPONENTS
    from backend.sandbox.clock import SandboxClock
    from backend.sandbox.config import real_credentials, sandbox_settings

    clock: Callable[[], datetime] = utcnow
    if sandbox or (sandbox is None and not real_credentials(settings)):
        try:
            settings = sandbox_settings(settings, _sandbox_base(settings, host, port))
        except SettingsError as error:
            raise click.ClickException(f"sandbox: {error}") from error
        clock = SandboxClock()
    database = _database(settings)
    app = create_app(
        {"settings": settings, "database": database, "components": COMPONENTS, "clock": clock}
    )
    # Bind the port first: in the sandbox the worker's first deliveries go to this very server.
    server = create_server(app, host=host, port=port, threads=threads, ident="aftersales")
    worker = None if no_worker else _worker(database, settings, clock)
    if worker is not None:
        worker.start()
    _welcome(database, settings, f"http://{host}:{port}", worker is not None)
    freeze_startup_objects()
    try:
        server.run()
    finally:
        if worker is not None:
            worker.stop()


def _welcome(database: Database, settings: Settings, base: str, with_worker: bool) -> None:
    """Where to go: the dashboard, the demo logins if the demo is loaded, the sandbox."""
    from backend.seed import DEMO_PASSWORD, demo_logins

    with database.session() as session:
        logins = demo_logins(session)
    click.echo(
        f"After-sales service desk on {base}/ ({'with' if with_worker else 'without'} worker)"
    )
    click.echo(f"  Staff dashboard: {base}/")
    if logins:
        click.echo(f"  Demo logins (password {DEMO_PASSWORD}): {', '.join(logins)}")
    if settings.sandbox:
        click.echo(
            f"  SANDBOX: Telegram and Twilio are answered by the app itself; play customer, "
            f"technician and caller at {base}/sandbox"
        )


def _sandbox_base(settings: Settings, host: str, port: int) -> str:
    """Where the app's own transports reach the sandbox: PUBLIC_BASE_URL when it names this
    server, otherwise the address being served."""
    served = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    return settings.public_base_url if settings.public_base_url.rstrip("/") == served else served


def _worker(
    database: Database, settings: Settings, clock: Callable[[], datetime] = utcnow
) -> Worker:
    """The scheduler and outbox worker, with the composition root's duties and transports."""
    from backend.composition import COMPONENTS
    from backend.scheduler import Worker

    return Worker(
        database,
        settings,
        duties=COMPONENTS.duties,
        dialogues=COMPONENTS.dialogues,
        build_transports=COMPONENTS.build_transports,
        processors=COMPONENTS.processors,
        clock=clock,
    )


@main.command()
def worker() -> None:
    """Run the scheduler and the outbound-message worker alone (any number may run)."""
    settings = _settings()
    _configure_logging(settings)
    running = _worker(_database(settings), settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    running.start()
    freeze_startup_objects()
    click.echo("worker running; Ctrl-C stops it")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@main.command()
@click.option("--polling", is_flag=True, help="Long-poll getUpdates (no public URL needed).")
@click.option(
    "--set-webhook",
    "set_hook",
    is_flag=True,
    help="Register PUBLIC_BASE_URL/telegram/webhook with TELEGRAM_WEBHOOK_SECRET.",
)
@click.option("--delete-webhook", "delete_hook", is_flag=True, help="Remove the webhook.")
def bot(polling: bool, set_hook: bool, delete_hook: bool) -> None:
    """Telegram: long polling, or register / remove the webhook that `serve` answers."""
    if [polling, set_hook, delete_hook].count(True) != 1:
        raise click.UsageError("choose one of --polling, --set-webhook, --delete-webhook")
    settings = _settings()
    _configure_logging(settings)
    if not settings.telegram_enabled:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")
    from backend.composition import COMPONENTS
    from bot.polling import run_polling
    from bot.registration import WebhookSetupError, delete_webhook, set_webhook

    if polling:
        COMPONENTS.install_dialogues()
        run_polling(settings)
        return
    try:
        if set_hook:
            click.echo(f"Telegram now delivers updates to {set_webhook(settings)}")
        else:
            delete_webhook(settings)
            click.echo("webhook removed; use `aftersales bot --polling` or --set-webhook")
    except WebhookSetupError as error:
        raise click.ClickException(str(error)) from error


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply migrations (Alembic) to DATABASE_URL."""
    from backend.migrate import upgrade as run_upgrade

    settings = _settings()
    run_upgrade(settings.database_url)
    click.echo("database is up to date")


@main.command()
@click.option("--demo", is_flag=True, required=True, help="Load the demo catalogue and people.")
def seed(demo: bool) -> None:
    """Idempotent demo data: products, technicians, contracts, users."""
    from backend.seed import seed_demo

    settings = _settings()
    database = _database(settings)
    with database.session() as session:
        summary = seed_demo(session, settings=settings, now=utcnow())
    click.echo(json.dumps(summary, ensure_ascii=False))


@main.group()
def user() -> None:
    """Staff accounts."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True)
@click.option("--password", default=None, help="Omit for an API-only account.")
@click.option("--name", default="")
def user_create(email: str, role: str, password: str | None, name: str) -> None:
    """Create a staff account."""
    from backend.people.service import create_user

    settings = _settings()
    try:
        with _database(settings).session() as session:
            account = create_user(session, email=email, role=role, password=password, name=name)
            click.echo(f"user {account.id} {account.email} ({account.role})")
    except DomainError as error:
        raise click.ClickException(f"{error.field or 'input'}: {error.message}") from error


@user.command("deactivate")
@click.option("--email", required=True)
def user_deactivate(email: str) -> None:
    """Deactivate an account: no sign-in, every API token revoked at once."""
    from backend.people.service import deactivate_user, get_user_by_email

    settings = _settings()
    try:
        with _database(settings).session() as session:
            revoked = deactivate_user(session, get_user_by_email(session, email), utcnow())
            click.echo(f"user {email} deactivated; {revoked} token(s) revoked")
    except DomainError as error:
        raise click.ClickException(error.message) from error


@user.command("reactivate")
@click.option("--email", required=True)
def user_reactivate(email: str) -> None:
    """Let a deactivated account sign in again (it needs new API tokens)."""
    from backend.people.service import get_user_by_email, reactivate_user

    settings = _settings()
    try:
        with _database(settings).session() as session:
            reactivate_user(session, get_user_by_email(session, email))
            click.echo(f"user {email} reactivated")
    except DomainError as error:
        raise click.ClickException(error.message) from error


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--email", required=True)
@click.option(
    "--expires-in-days",
    "days",
    type=click.IntRange(1, 3650),
    default=None,
    help="The token stops working after this many days (default: until revoked).",
)
def token_create(email: str, days: int | None) -> None:
    """Print a new API bearer token for that account."""
    from backend.people.service import create_token, get_user_by_email, token_expiry

    settings = _settings()
    try:
        with _database(settings).session() as session:
            user = get_user_by_email(session, email)
            token = create_token(session, user, expires_at=token_expiry(utcnow(), days))
            click.echo(token)
    except DomainError as error:
        raise click.ClickException(error.message) from error


@token.command("list")
@click.option("--email", required=True)
def token_list(email: str) -> None:
    """List the account's tokens: id, prefix, created, expires, last used, revoked."""
    from backend.people.service import get_user_by_email, list_tokens

    settings = _settings()
    try:
        with _database(settings).session() as session:
            for row in list_tokens(session, get_user_by_email(session, email)):
                moments = (row.created_at, row.expires_at, row.last_used_at, row.revoked_at)
                shown = [m.isoformat(timespec="seconds") if m else "-" for m in moments]
                click.echo(f"{row.id}\t{row.prefix}…\t" + "\t".join(shown))
    except DomainError as error:
        raise click.ClickException(error.message) from error


@token.command("revoke")
@click.argument("reference", required=False)
@click.option("--email", default=None, help="Revoke every token of this account instead.")
def token_revoke(reference: str | None, email: str | None) -> None:
    """Revoke a token by its id or prefix (as `token list` shows), or all of --email's."""
    from backend.people.service import find_token, get_user_by_email, revoke_token, revoke_tokens

    if (reference is None) == (email is None):
        raise click.UsageError("give a token id or prefix, or --email (not both)")
    settings = _settings()
    try:
        with _database(settings).session() as session:
            if email is not None:
                count = revoke_tokens(session, get_user_by_email(session, email), now=utcnow())
                click.echo(f"revoked {count} token(s) of {email}")
            else:
                row = find_token(session, reference or "")
                changed = revoke_token(row, now=utcnow())
                click.echo(
                    f"token {row.id} ({row.prefix}…) {'revoked' if changed else 'was revoked'}"
                )
    except DomainError as error:
        raise click.ClickException(error.message) from error


@main.group()
def technician() -> None:
    """Technicians."""


@technician.command("link-code")
@click.option("--technician-id", "technician_id", required=True, type=int)
def technician_link_code(technician_id: int) -> None:
    """Print a one-time code that links the technician's Telegram account (send /link CODE)."""
    from backend.fieldwork.links import create_link_code
    from backend.people.service import get_technician

    settings = _settings()
    try:
        with _database(settings).session() as session:
            code, expires_at = create_link_code(
                session, get_technician(session, technician_id), now=utcnow(), created_by="cli"
            )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(code)
    click.echo(
        f"valid until {expires_at.astimezone(settings.tz).isoformat()}; "
        f"the technician sends /link {code} to the bot",
        err=True,
    )


@main.command()
@click.option("--at", "at", default=None, help="ISO-8601 moment with offset (default: now).")
def tick(at: str | None) -> None:
    """Run every time-driven duty once, as of --at."""
    from backend.composition import COMPONENTS

    settings = _settings()
    moment = utcnow()
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError as error:
            raise click.BadParameter("use ISO-8601, e.g. 2026-11-27T18:05:00+09:00") from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=settings.tz)
    results = COMPONENTS.tick(_database(settings), settings, moment)
    click.echo(json.dumps(results))


@main.command()
@click.option("--date", "day", default=None, help="YYYY-MM-DD (default: the next day served).")
def plan(day: str | None) -> None:
    """Re-plan a day for every technician now, and push each their day."""
    from datetime import date as date_type

    from backend.calendar import calendar_for
    from backend.dispatch.duties import push_day
    from backend.dispatch.flows import replan_day
    from backend.dispatch.service import service_day

    settings = _settings()
    calendar = calendar_for(settings)
    now = utcnow()
    try:
        target = date_type.fromisoformat(day) if day else service_day(calendar, now)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from error
    with _database(settings).session() as session:
        run = replan_day(
            session, calendar=calendar, settings=settings, day=target, now=now, kind="manual"
        )
        if run is None:
            raise click.ClickException(f"{target.isoformat()} is not a working day: no plan")
        pushed = push_day(session, settings, target, now=now)
        click.echo(
            json.dumps(
                {
                    "day": target.isoformat(),
                    "jobs": run.jobs,
                    "assigned": run.assigned,
                    "unassigned": run.unassigned,
                    "seconds": run.seconds,
                    "technicians_told": pushed,
                }
            )
        )


if __name__ == "__main__":  # pragma: no cover
    main()
