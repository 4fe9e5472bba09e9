"""create_app(): settings, database, blueprints and error handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from backend import web
from backend.api.errors import error_response, register_error_handlers
from backend.db import Database, utcnow
from backend.settings import Settings, load_settings

logger = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The web application. `config` may carry `settings`, `database` and `clock` (for tests)."""
    config = config or {}
    settings: Settings = config.get("settings") or load_settings()
    database: Database = config.get("database") or Database(settings.database_url)
    clock: Callable[[], datetime] = config.get("clock") or utcnow

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    web.init_app(app, database, settings, clock)
    register_error_handlers(app)

    from backend.api import openapi  # noqa: F401  (adds /openapi.json to the blueprint)
    from backend.api.views import api
    from backend.calls import views as _calls  # noqa: F401  (adds /cases/<number>/calls)
    from backend.dispatch import views as _dispatch  # noqa: F401  (adds /plans/<date>)
    from backend.inbox import views as _media  # noqa: F401  (adds /cases/<number>/media/<n>)
    from backend.surveys import views as _surveys  # noqa: F401  (adds /reports/surveys)

    app.register_blueprint(api)
    _register_optional_blueprints(app)

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            logger.warning("health check: database unreachable")
            return error_response(503, "database_unavailable", "the database does not answer")
        return jsonify({"status": "ok", "database": "ok"})

    return app


def _register_optional_blueprints(app: Flask) -> None:
    """Channels and the dashboard live in their own packages; each adds one blueprint."""
    from backend.dashboard.views import dashboard

    app.register_blueprint(dashboard)
    for module_name in ("bot.webhook", "ivr.views"):
        try:
            module = __import__(module_name, fromlist=["blueprint"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        app.register_blueprint(module.blueprint)
