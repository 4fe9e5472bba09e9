"""Sending no faster than the providers allow, per worker process.

Telegram accepts about 30 messages a second from one bot and about one a second into one chat
(bursts are tolerated, then it answers 429); Twilio starts calls at the account's calls-per-second
(CPS, 1 by default). Each limit is a `Pace`: evenly spaced slots handed out in order. A worker
thread waits for its slot in the channel's overall pace (short: the pool is small beside the
rate); a message whose chat had a message less than a second ago is not waited for but put
back with its next attempt at the chat's next slot (`Pacer.chat_wait`).
With several worker processes each keeps its own paces: give each 1/N of the account's rate.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


class Pace:
    """At most `per_second` slots a second, evenly spaced."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    def book(self) -> float:
        """Take the next slot; the seconds until it comes (0: now)."""
        with self._lock:
            now = self.clock()
            slot = max(self._next, now)
            self._next = slot + self.interval
            return slot - now

    def wait(self) -> None:
        """Take the next slot and wait for it."""
        delay = self.book()
        if delay > 0:
            self.sleep(delay)


@dataclass(frozen=True)
class Limits:
    """Per-second limits of one worker process (settings: AFTERSALES_*_PER_SECOND)."""

    telegram: float = 30.0
    telegram_chat: float = 1.0
    voice: float = 1.0
    sms: float = 10.0


class Pacer:
    """The paces of one worker: one per channel, and one per Telegram chat."""

    def __init__(
        self,
        limits: Limits = Limits(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limits, self.clock = limits, clock
        self.channels = {
            "telegram": Pace(limits.telegram, clock=clock, sleep=sleep),
            "voice": Pace(limits.voice, clock=clock, sleep=sleep),
            "sms": Pace(limits.sms, clock=clock, sleep=sleep),
        }
        # chat → when it may hear from us again, in that order (each slot is now + the same
        # interval, and now only moves forward); a chat whose slot has passed is forgotten, so
        # the map holds the chats of the last second, not every customer ever answered.
        self._chat_next: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def chat_wait(self, channel: str, recipient: str) -> float:
        """0 and the chat's slot taken, or the seconds until the chat may hear from us again."""
        if channel != "telegram":
            return 0.0
        with self._lock:
            now = self.clock()
            self._forget_until(now)
            due = self._chat_next.get(recipient, now)
            if due > now:
                return due - now
            self._chat_next[recipient] = now + 1.0 / self.limits.telegram_chat
            self._chat_next.move_to_end(recipient)
            return 0.0

    def chats_remembered(self) -> int:
        """How many chats the pacer remembers (those it sent to within the chat interval)."""
        with self._lock:
            return len(self._chat_next)

    def _forget_until(self, now: float) -> None:
        while self._chat_next and next(iter(self._chat_next.values())) <= now:
            self._chat_next.popitem(last=False)

    def wait_for_channel(self, channel: str) -> None:
        """Wait for the channel's next overall slot (no limit for an unknown channel)."""
        pace = self.channels.get(channel)
        if pace is not None:
            pace.wait()
