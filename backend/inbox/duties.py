"""`inbound_retry`: process again the updates whose processing failed or was abandoned.
`media_downloads`: fetch the files people sent (photos) from their channel and keep them."""

from __future__ import annotations

import importlib
from datetime import datetime

from sqlalchemy.orm import Session

from backend.duties import register_duty
from backend.inbox.media import FETCHERS, fetch_due
from backend.inbox.service import PROCESSORS, claim_due, process
from backend.settings import Settings

# The channels that process inbound updates; each registers its processor when imported.
PROCESSOR_MODULES = {"telegram": "bot.handlers"}
# The channels whose files can be fetched; each registers its fetcher when imported.
FETCHER_MODULES = {"telegram": "bot.files"}


def load_processors() -> None:
    for channel, module in PROCESSOR_MODULES.items():
        if channel not in PROCESSORS:
            importlib.import_module(module)


def load_fetchers() -> None:
    for channel, module in FETCHER_MODULES.items():
        if channel not in FETCHERS:
            importlib.import_module(module)


def retry_inbound_updates(session: Session, settings: Settings, now: datetime) -> int:
    """Each due update once; a retry that fails again waits longer (backoff)."""
    load_processors()
    rows = claim_due(session, now)
    return sum(1 for row in rows if process(session, settings, now, row))


def download_media(session: Session, settings: Settings, now: datetime) -> int:
    """Files whose download is due, fetched and stored under var/media (none twice)."""
    load_fetchers()
    return fetch_due(session, settings, now)


register_duty("inbound_retry", retry_inbound_updates)
register_duty("media_downloads", download_media)
