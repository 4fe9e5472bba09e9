"""create_app(): settings, database, the composition root's blueprints, error handling."""

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
from backend.composition import COMPONENTS, Components
from backend.db import Database, utcnow
from backend.dispatch.travel import use_travel_model
from backend.outbox.wakeup import doorbell
from backend.settings import Settings, load_settings
from backend.web import security

logger = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The web application. `config` may carry `settings`, `database`, `clock` and `components`
    (for tests); the blueprints and dialogues come from the composition root."""
    config = config or {}
    components: Components = config.get("components") or COMPONENTS
    settings: Settings = config.get("settings") or load_settings()
    database: Database = config.get("database") or Database(settings.database_url)
    use_travel_model(settings)  # issue 17: a routing engine's table, rush hours
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
    doorbell(database)  # a commit that queues a reply wakes the worker (NOTIFY on PostgreSQL)
    # The sandbox's clock control runs tick as the scheduler would (backend/sandbox/views.py).
    app.extensions["aftersales"]["components"] = components
    security.install(app, settings)
    register_error_handlers(app)

    components.install_dialogues()
    for blueprint in components.blueprints:
        app.register_blueprint(blueprint)

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
