"""The interface every outbound channel implements, and its one error type."""

from __future__ import annotations

from typing import Protocol

from backend.outbox.models import OutboundMessage


class TransportError(Exception):
    """Delivery failed. `permanent`: retrying cannot help; `retry_after`: the provider's ask."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class Transport(Protocol):
    channel: str

    def notify(self, message: OutboundMessage) -> str | None:
        """Deliver `message`; return the provider's id for it, raise TransportError on failure."""
        ...
