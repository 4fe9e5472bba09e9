"""Domain errors: every flow raises these; the API turns them into 4xx JSON answers."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TransitionNotAllowed(Conflict):
    code = "action_not_allowed"

    def __init__(self, action: str, status: str, allowed: Sequence[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"'{action}' is not allowed while the case is {status}; allowed: {allowed_text}",
            field="action",
        )
        self.allowed = list(allowed)


class OutOfStock(Conflict):
    """R5.3: a move would take a location's stock of a part below zero (409 naming both)."""

    code = "out_of_stock"

    def __init__(
        self, part_code: str, location: str, on_hand: int, needed: int, field: str
    ) -> None:
        super().__init__(
            f"not enough {part_code} at {location}: {on_hand} on hand, {needed} needed",
            field=field,
        )
        self.part_code = part_code
        self.location = location
