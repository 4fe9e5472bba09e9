"""Who is acting: a staff user, a technician, a customer in a channel, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "technician" | "customer" | "system"
    id: int | None = None
    role: str | None = None
    channel: str | None = None
    technician_id: int | None = None  # a staff user or Telegram account linked to a technician

    @property
    def label(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


SYSTEM = Actor("system")
