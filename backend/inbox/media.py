"""Files people send (Telegram photos, voice notes): fetched from the channel after the update is
answered, kept under `<var_dir>/media/<case number>/`, and shown to the staff (R2.3: the record of a
contact is complete, the photo included).

A channel only hands over an id (Telegram's `file_id`); `queue_case_media` notes the case's files
to fetch, the `media_downloads` duty fetches them through the channel's fetcher, off the
webhook's path, with retries. A file that cannot be fetched keeps its id in the case's media list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.cases.models import Case
from backend.errors import NotFound
from backend.inbox.models import MediaFile, MediaStatus
from backend.settings import Settings

logger = logging.getLogger(__name__)

DOWNLOADABLE = ("photo", "voice")
MAX_ATTEMPTS = 6
BATCH = 10
MAX_BYTES = 20 * 1024 * 1024  # the Bot API's own limit for getFile downloads
# Only types we know are served inline; the extension is ours, never the sender's file name.
TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
}
DEFAULT_EXTENSION = {"photo": ".jpg", "voice": ".ogg"}


class FetchError(Exception):
    """The channel could not hand over the file; `permanent` when asking again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message, self.permanent = message, permanent


@dataclass(frozen=True)
class FetchedFile:
    content: bytes
    remote_path: str | None  # the channel's path for it ("photos/file_3.jpg"): its extension


Fetcher = Callable[[Settings, str], FetchedFile]


def media_root(settings: Settings) -> Path:
    return Path(settings.var_dir) / "media"


def queue_case_media(session: Session, case: Case, *, channel: str, now: datetime) -> int:
    """Note each file of `case.media` that has a channel id and is not noted yet; how many."""
    session.flush()  # the case needs its id
    known = set(session.scalars(select(MediaFile.position).where(MediaFile.case_id == case.id)))
    added = 0
    for position, entry in enumerate(case.media or [], start=1):
        if position in known or entry.get("kind") not in DOWNLOADABLE or not entry.get("file_id"):
            continue
        session.add(
            MediaFile(
                case_id=case.id,
                position=position,
                channel=channel,
                kind=str(entry["kind"]),
                file_id=str(entry["file_id"])[:255],
                status=MediaStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
        added += 1
    return added


def attach_media(
    session: Session, case: Case, media: list[dict[str, Any]], *, channel: str, now: datetime
) -> None:
    """Add files sent later (a message about the case) to its media, and fetch them too."""
    if not media:
        return
    case.media = [*(case.media or []), *(dict(item) for item in media)]  # a new list: saved
    queue_case_media(session, case, channel=channel, now=now)


# fetching ------------------------------------------------------------------------------------
def extension_for(row: MediaFile, remote_path: str | None) -> str:
    suffix = PurePosixPath(remote_path or "").suffix.lower()
    return suffix if suffix in TYPES else DEFAULT_EXTENSION.get(row.kind, ".bin")


def fetch_due(
    session: Session, settings: Settings, now: datetime, fetchers: Mapping[str, Fetcher]
) -> int:
    """Fetch the files whose turn has come and store them; the number stored.

    The downloads happen before anything is written, so no database lock is held while the
    channel answers (SQLite has a single writer); two workers fetching the same file at once
    write the same bytes to the same place.
    """
    rows = session.scalars(
        select(MediaFile)
        .where(
            MediaFile.status == MediaStatus.PENDING,
            or_(MediaFile.next_attempt_at.is_(None), MediaFile.next_attempt_at <= now),
        )
        .order_by(MediaFile.id)
        .limit(BATCH)
    ).all()
    outcomes = [(row, fetch_one(settings, row, fetchers.get(row.channel))) for row in rows]
    stored = 0
    for row, outcome in outcomes:
        if isinstance(outcome, FetchError):
            record_failure(row, outcome, now)
        else:
            store(session, settings, row, outcome, now)
            stored += 1
    return stored


def fetch_one(
    settings: Settings, row: MediaFile, fetcher: Fetcher | None
) -> FetchedFile | FetchError:
    if fetcher is None:
        return FetchError(f"no fetcher for {row.channel} files")
    try:
        fetched = fetcher(settings, row.file_id)
    except FetchError as error:
        return error
    except Exception as error:  # noqa: BLE001 - a library failure is retried, never fatal
        logger.exception("fetching media %s failed", row.id)
        return FetchError(repr(error))
    if len(fetched.content) > MAX_BYTES:
        return FetchError("the file is larger than 20 MB", permanent=True)
    return fetched


def store(
    session: Session, settings: Settings, row: MediaFile, fetched: FetchedFile, now: datetime
) -> None:
    case = session.get(Case, row.case_id)
    assert case is not None
    relative = f"{case.number}/{row.position}{extension_for(row, fetched.remote_path)}"
    target = media_root(settings) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(fetched.content)
    partial.replace(target)  # readers never see half a file
    row.status, row.path, row.stored_at, row.last_error = MediaStatus.STORED, relative, now, None
    row.size, row.content_type = len(fetched.content), TYPES.get(target.suffix)
    row.attempts += 1
    logger.info("stored media %s of case %s (%s bytes)", row.position, case.number, row.size)


def record_failure(row: MediaFile, error: FetchError, now: datetime) -> None:
    row.attempts += 1
    row.last_error = error.message[:1000]
    if error.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = MediaStatus.FAILED
        logger.warning(
            "media %s given up after %s attempt(s): %s", row.id, row.attempts, error.message
        )
        return
    row.next_attempt_at = now + timedelta(minutes=2**row.attempts)  # 2, 4, 8 … minutes


# reading -------------------------------------------------------------------------------------
def media_url(case: Case, position: int) -> str:
    return f"/api/v1/cases/{case.number}/media/{position}"


def media_rows_of(session: Session, cases: Sequence[Case]) -> dict[int, list[MediaFile]]:
    """The stored-file rows of `cases`, by case id: one statement, none when no case has files."""
    ids = [case.id for case in cases if case.media]
    rows: dict[int, list[MediaFile]] = {}
    if ids:
        for row in session.scalars(select(MediaFile).where(MediaFile.case_id.in_(ids))):
            rows.setdefault(row.case_id, []).append(row)
    return rows


def media_json(case: Case, files: Sequence[MediaFile]) -> list[dict[str, Any]]:
    """The case's files as the API shows them: where a stored one is served, what is pending
    (`files`: its rows, from `media_rows_of`)."""
    rows = {row.position: row for row in files}
    entries = []
    for position, entry in enumerate(case.media or [], start=1):
        row = rows.get(position)
        stored = row is not None and row.status == MediaStatus.STORED
        entries.append(
            {
                "n": position,
                "kind": entry.get("kind"),
                "status": row.status if row is not None else None,
                "url": media_url(case, position) if stored else None,
                "content_type": row.content_type if stored and row else None,
                "size": row.size if stored and row else None,
                "transcription": entry.get("text"),
            }
        )
    return entries


def stored_media(
    session: Session, settings: Settings, case: Case, position: int
) -> tuple[Path, str]:
    """The file at `position` of the case and its content type; NotFound when not stored."""
    row = session.scalar(
        select(MediaFile).where(MediaFile.case_id == case.id, MediaFile.position == position)
    )
    if row is None or row.status != MediaStatus.STORED or not row.path:
        waiting = row is not None and row.status == MediaStatus.PENDING
        raise NotFound(
            f"media {position} of {case.number} is "
            + ("not downloaded yet" if waiting else "not stored"),
            field="n",
        )
    root = media_root(settings).resolve()
    path = (root / row.path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(f"media {position} of {case.number} is missing from storage", field="n")
    return path, row.content_type or "application/octet-stream"
