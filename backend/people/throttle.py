"""Password guessing, slowed down for every web process at once (finding 11).

Counters live in the database (`login_failures`), so two processes share them. Per account: the
first few failures are free, then each further attempt waits twice as long as the one before, up
to a cap; the right password after the wait succeeds, so the owner is never locked out for long.
Per client address: a higher limit in a fixed window, so one address guessing at many accounts
is stopped without a single account's failures closing the door for everyone else there.

An attempt is counted before its password is checked and refunded when it succeeds: concurrent
guesses cannot all slip past a check that only reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.people.models import LoginFailures

NO_WAIT = timedelta(0)


@dataclass(frozen=True)
class ThrottlePolicy:
    """The limits; the defaults are the README's (Security → Sessions and login)."""

    free_failures: int = 5  # per account, before any wait
    first_delay: timedelta = timedelta(seconds=2)  # then 4, 8, 16 … seconds
    max_delay: timedelta = timedelta(minutes=5)
    account_memory: timedelta = timedelta(hours=24)  # failures forgotten after a quiet day
    address_limit: int = 100  # failed sign-ins from one address …
    address_window: timedelta = timedelta(minutes=15)  # … in this window

    def account_delay(self, failures: int) -> timedelta:
        """How long the next attempt waits after `failures` failures in a row."""
        if failures < self.free_failures:
            return NO_WAIT
        doublings = min(failures - self.free_failures, 30)  # 2**30 s is far past any cap
        return min(self.first_delay * 2**doublings, self.max_delay)


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _locked_row(session: Session, key: str, now: datetime) -> LoginFailures:
    """The key's counter, locked for this transaction (created at zero when missing)."""
    for _ in range(3):
        row = session.scalar(
            select(LoginFailures)
            .where(LoginFailures.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is not None:
            return row
        try:
            with session.begin_nested():
                row = LoginFailures(key=key, failures=0, window_started_at=now, next_attempt_at=now)
                session.add(row)
            return row
        except IntegrityError:
            continue  # another process created it just now: lock theirs
    raise RuntimeError("login_failures row could not be created or locked")  # pragma: no cover


class LoginThrottle:
    """Per-account and per-address sign-in limits; methods take the caller's session, which
    should be committed at once (the counters are only shared once committed)."""

    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()

    def claim(self, session: Session, *, email: str, address: str, now: datetime) -> timedelta:
        """Count an attempt before its password is checked: NO_WAIT lets it go on, anything
        else is how long this account or address must wait (the password is not checked)."""
        wait = self._claim_address(session, _key("address", address), now)
        if wait > NO_WAIT:
            return wait
        wait = self._claim_account(session, _key("account", email), now)
        if wait > NO_WAIT:
            self._refund_address(session, address)  # no password was tried
        return wait

    def succeeded(self, session: Session, *, email: str, address: str) -> None:
        """The right password: the account starts afresh, the address gets its attempt back."""
        session.execute(delete(LoginFailures).where(LoginFailures.key == _key("account", email)))
        self._refund_address(session, address)

    def _claim_account(self, session: Session, key: str, now: datetime) -> timedelta:
        row = _locked_row(session, key, now)
        if now - row.next_attempt_at >= self.policy.account_memory:
            row.failures, row.window_started_at = 0, now
        if now < row.next_attempt_at:
            return row.next_attempt_at - now
        if row.failures == 0:
            row.window_started_at = now
        row.failures += 1
        row.next_attempt_at = now + self.policy.account_delay(row.failures)
        return NO_WAIT

    def _claim_address(self, session: Session, key: str, now: datetime) -> timedelta:
        row = _locked_row(session, key, now)
        window_ends = row.window_started_at + self.policy.address_window
        if now >= window_ends:
            row.failures, row.window_started_at = 0, now
            window_ends = now + self.policy.address_window
        if row.failures >= self.policy.address_limit:
            return window_ends - now
        row.failures += 1
        row.next_attempt_at = window_ends if row.failures >= self.policy.address_limit else now
        return NO_WAIT

    def _refund_address(self, session: Session, address: str) -> None:
        session.flush()
        session.execute(
            update(LoginFailures)
            .where(LoginFailures.key == _key("address", address), LoginFailures.failures > 0)
            .values(failures=LoginFailures.failures - 1)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class WindowLimit:
    """At most `limit` claims per key in a fixed `window` (the public suggestion form, R9.8)."""

    limit: int
    window: timedelta


def claim_window(
    session: Session, *, kind: str, value: str, limit: WindowLimit, now: datetime
) -> timedelta:
    """Count one use of `kind` by `value` (a client address): NO_WAIT while under the limit, else
    how long until the window ends. The same shared counters as sign-ins (`login_failures`, keyed
    by a hash), so every web process sees one count; the housekeeping duty prunes them."""
    row = _locked_row(session, _key(kind, value), now)
    window_ends = row.window_started_at + limit.window
    if now >= window_ends:
        row.failures, row.window_started_at = 0, now
        window_ends = now + limit.window
    if row.failures >= limit.limit:
        return window_ends - now
    row.failures += 1
    row.next_attempt_at = now
    return NO_WAIT
