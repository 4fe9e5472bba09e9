"""What the sandbox's Telegram and Twilio have seen: one ordered feed the page polls.

Kept in the process's memory: the sandbox is the single-process embedded default (`aftersales
serve`), where the web app, the scheduler and the worker share one process. A restart empties
the feed; the cases, messages and calls themselves live in the database as always.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

MAX_EVENTS = 2000  # the feed keeps the newest; a page that fell further behind reloads
MAX_FILES = 200


@dataclass
class Event:
    id: int
    kind: str  # telegram.message, telegram.edit, twilio.call, twilio.sms, clock
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, **self.data}


@dataclass
class SandboxStore:
    events: list[Event] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # file id → (bytes, type)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._event_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._sids = itertools.count(1)

    def add(self, kind: str, **data: Any) -> Event:
        with self._lock:
            event = Event(next(self._event_ids), kind, data)
            self.events.append(event)
            del self.events[:-MAX_EVENTS]
            return event

    def after(self, event_id: int) -> list[Event]:
        with self._lock:
            return [event for event in self.events if event.id > event_id]

    def message_id(self) -> int:
        return next(self._message_ids)

    def sid(self, prefix: str) -> str:
        return f"{prefix}{next(self._sids):032x}"

    def keep_file(self, file_id: str, content: bytes, content_type: str) -> None:
        with self._lock:
            self.files[file_id] = (content, content_type)
            while len(self.files) > MAX_FILES:
                self.files.pop(next(iter(self.files)))

    def file(self, file_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self.files.get(file_id)
