"""Every error as JSON `{"error": {"code", "message", "field"}}` with a 4xx status."""

from __future__ import annotations

import logging

import pydantic
from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from backend.errors import DomainError, TransitionNotAllowed

logger = logging.getLogger(__name__)


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> ResponseReturnValue:
        extra = (
            {"allowed_actions": error.allowed} if isinstance(error, TransitionNotAllowed) else {}
        )
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
        return error_response(error.code or 400, code, error.description or error.name or "")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        # The contract forbids 500s for any input; reaching here is a bug worth a stack trace.
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error; it has been logged")
