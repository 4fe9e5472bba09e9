"""Every error as JSON `{"error": {"code", "message", "field"}}` with a 4xx status."""

from __future__ import annotations

import logging

import pydantic
from flask import Flask, current_app, has_request_context, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from backend.errors import DomainError, OutOfStock, TransitionNotAllowed

logger = logging.getLogger(__name__)

# Seconds a client (Telegram, Twilio, a program) should wait before trying again while the
# database does not answer; both webhooks retry on a 5xx, so nothing they sent is lost.
RETRY_AFTER_SECONDS = 5
# What a database that is down, restarting or unreachable raises: refused or dropped connections
# (OperationalError, InterfaceError), a full pool (TimeoutError).
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def error_response(
    status: int, code: str, message: str, field: str | None = None, **extra: object
) -> ResponseReturnValue:
    error: dict[str, object] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    error.update(extra)
    return jsonify({"error": error}), status


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


MACHINE_PATHS = ("/api/", "/telegram/", "/ivr/", "/healthz")
HTML_ERROR_PAGE = "html_error_page"  # app.extensions key: the dashboard's error page renderer


def _for_people(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> ResponseReturnValue | None:
    """An HTML page for a person's browser (the dashboard registers the renderer); programs
    under /api, and the Telegram and Twilio webhooks, keep JSON."""
    render = current_app.extensions.get(HTML_ERROR_PAGE)
    if render is None or not has_request_context() or request.path.startswith(MACHINE_PATHS):
        return None
    if "Authorization" in request.headers or _wants_json():
        return None  # a program (a bearer token, or asking for JSON) gets JSON anywhere
    body: str = render(status, code, message)
    return body, status, headers or {}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> ResponseReturnValue:
        extra: dict[str, object] = (
            {"allowed_actions": error.allowed} if isinstance(error, TransitionNotAllowed) else {}
        )
        if isinstance(error, OutOfStock):
            extra = {"part_code": error.part_code, "location": error.location}
        return error_response(error.status, error.code, error.message, error.field, **extra)

    @app.errorhandler(pydantic.ValidationError)
    def _invalid(error: pydantic.ValidationError) -> ResponseReturnValue:
        first = error.errors(include_url=False)[0]
        field = _field_path(tuple(first["loc"]))
        details = [
            {"field": _field_path(tuple(e["loc"])), "message": e["msg"]}
            for e in error.errors(include_url=False)[:20]
        ]
        return error_response(422, "invalid", f"{field}: {first['msg']}", field, details=details)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> ResponseReturnValue:
        code = (error.name or "error").lower().replace(" ", "_")
        # A 405 names the methods the resource takes (RFC 9110 `Allow`), as werkzeug's own does.
        allow = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
        page = _for_people(error.code or 400, code, error.name or "Error", allow)
        if page is not None:
            return page
        answer = make_response(
            error_response(error.code or 400, code, error.description or error.name or "")
        )
        for name, value in allow.items():
            answer.headers[name] = value
        return answer

    def _database_down(error: Exception) -> ResponseReturnValue:
        # The error's text can carry SQL parameters (phones, addresses): log its kind only.
        logger.warning("database unavailable (%s): answered 503", type(error).__name__)
        error_body = {
            "code": "database_unavailable",
            "message": "the database does not answer; try again shortly",
        }
        return jsonify({"error": error_body}), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    for kind in DATABASE_DOWN:
        app.register_error_handler(kind, _database_down)

    @app.errorhandler(sa_exc.DBAPIError)
    def _dbapi(error: sa_exc.DBAPIError) -> ResponseReturnValue:
        if error.connection_invalidated:  # a disconnect seen mid-request
            return _database_down(error)
        logger.exception("database error %s", type(error.orig).__name__)
        return error_response(500, "internal_error", "an unexpected error; it has been logged")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The contract forbids 500s for any input; reaching here is a bug worth a stack trace.
        logger.exception("unhandled error")
        page = _for_people(500, "internal_error", "Something went wrong. It has been logged.")
        if page is not None:
            return page
        return error_response(500, "internal_error", "an unexpected error; it has been logged")
