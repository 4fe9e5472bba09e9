"""The WSGI entry point for a multi-process server: `gunicorn 'backend.wsgi:app'`.

Every web process builds the app from the environment (the same settings as `aftersales serve`)
and runs no worker: the scheduler and the outbox worker are `aftersales worker` processes of
their own (README "Operations")."""

from __future__ import annotations

from backend.app import create_app
from backend.memory import freeze_startup_objects

app = create_app()
freeze_startup_objects()
