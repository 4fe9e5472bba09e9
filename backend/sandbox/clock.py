"""The sandbox's clock: real time, shifted forward when the visitor skips ahead to tomorrow."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from backend.db import utcnow


class SandboxClock:
    """Real time plus an offset that only grows; the app, the scheduler and the worker share it,
    so a skip to tomorrow moves every part of the process together."""

    def __init__(self, base: Callable[[], datetime] = utcnow) -> None:
        self._base = base
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self._base() + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance_to(self, moment: datetime) -> datetime:
        """From now on the clock reads `moment` and runs on; never backwards."""
        with self._lock:
            gap = moment - self()
            if gap > timedelta(0):
                self._offset += gap
            return self()
