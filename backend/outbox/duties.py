"""`delivery_failure_bursts`: many messages failing for good at once is an outage (a revoked bot
token, a provider down), not bad luck — the service director hears of it once per burst.

The alert itself (a task and a message) belongs to the tasks domain, which sits above this one:
backend/composition.py binds it as `alert`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.i18n import Message, message
from backend.outbox.models import OutboundMessage, OutboxStatus
from backend.people.models import Role
from backend.settings import Settings

BURST_FAILURES = 5  # this many failed for good …
BURST_WINDOW = timedelta(minutes=15)  # … within this long is a burst; this long quiet ends it
LOOKBACK = timedelta(hours=24)  # a burst older than a day that still goes on is a new one


class Alert(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        kind: str,
        role: str,
        title: str | Message,
        detail: str | None = None,
        dedupe_key: str | None = None,
        now: datetime,
    ) -> object: ...


def burst_start(failure_times: list[datetime], now: datetime) -> datetime | None:
    """The first failure of the burst going on at `now`, or None when there is no burst.

    `failure_times` newest first. A burst: at least BURST_FAILURES failures in the last
    BURST_WINDOW; it began at the failure before which none came for a whole BURST_WINDOW."""
    recent = [moment for moment in failure_times if moment > now - BURST_WINDOW]
    if len(recent) < BURST_FAILURES:
        return None
    start = recent[-1]
    for moment in failure_times[len(recent) :]:
        if start - moment >= BURST_WINDOW:
            break
        start = moment
    return start


def delivery_failure_bursts(
    session: Session, settings: Settings, now: datetime, *, alert: Alert
) -> int:
    """One alert to the service director per burst of permanent delivery failures."""
    rows = session.execute(
        select(OutboundMessage.failed_at, OutboundMessage.channel)
        .where(
            OutboundMessage.status == OutboxStatus.FAILED,
            OutboundMessage.failed_at > now - LOOKBACK,
            OutboundMessage.failed_at <= now,
        )
        .order_by(OutboundMessage.failed_at.desc())
    ).all()
    start = burst_start([failed_at for failed_at, _channel in rows if failed_at], now)
    if start is None:
        return 0
    in_burst = Counter(channel for failed_at, channel in rows if failed_at and failed_at >= start)
    by_channel = ", ".join(f"{channel} {count}" for channel, count in sorted(in_burst.items()))
    created = alert(
        session,
        kind="delivery_failures",
        role=Role.SERVICE_DIRECTOR,
        title=message(
            "{count} outbound messages failed since {time}",
            count=sum(in_burst.values()),
            time=f"{start.astimezone(settings.tz):%H:%M}",
        ),
        detail=f"By channel: {by_channel}. See the failed messages on the dashboard (Delivery).",
        dedupe_key=f"outbox-burst:{start:%Y%m%dT%H%M%S}",
        now=now,
    )
    return 1 if created is not None else 0
