"""What dispatch decided for one case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.people.models import Technician


@dataclass(frozen=True)
class Assignment:
    technician: Technician | None
    explanation: str
    manual: bool = False
    runner_up: Technician | None = None
    planned_arrival_at: datetime | None = None
