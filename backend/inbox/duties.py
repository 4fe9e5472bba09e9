"""`inbound_retry`: process again the updates whose processing failed or was abandoned.
`media_downloads`: fetch the files people sent (photos) from their channel and keep them.

Both take the channels' processors and fetchers as arguments: backend/composition.py binds them
(the channels live outside `backend`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from backend.inbox.media import Fetcher, fetch_due
from backend.inbox.service import Processor, claim_due, process
from backend.settings import Settings


def retry_inbound_updates(
    session: Session, settings: Settings, now: datetime, *, processors: Mapping[str, Processor]
) -> int:
    """Each due update once; a retry that fails again waits longer (backoff)."""
    rows = claim_due(session, now)
    return sum(
        1 for row in rows if process(session, settings, now, row, processors.get(row.channel))
    )


def download_media(
    session: Session, settings: Settings, now: datetime, *, fetchers: Mapping[str, Fetcher]
) -> int:
    """Files whose download is due, fetched and stored under var/media (none twice)."""
    return fetch_due(session, settings, now, fetchers)
