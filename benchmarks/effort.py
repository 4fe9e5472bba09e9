"""Customer effort per journey (issue 16): scripted customers played through both channels.

    python benchmarks/effort.py

Each journey runs on a fresh SQLite database against the app in-process, with Telegram and
Twilio played by the tests' fakes (`tests/telegram`, `tests/ivr`): every Telegram update goes
through the real webhook, every phone request is signed as Twilio signs it. Printed per journey:
the interactions (Telegram: each message, shared contact or button) or prompts (phone: each
question heard), the words the customer typed or said (keys pressed counted apart), and for the
phone the seconds of speech the caller listens to at a normal speaking rate (5 Hangul syllables
or 2.5 other words a second). Targets: a returning report ≤ 5 on both channels, a first report
≤ 10 by Telegram and ≤ 8 by phone.
"""

from __future__ import annotations

import re
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WEDNESDAY_10AM = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
CALLER = "+821030000001"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"
TARGETS = {"first report": (10, 8), "returning report": (5, 5)}  # (Telegram, phone)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass
class Effort:
    steps: int = 0  # interactions (Telegram) or prompts heard (phone)
    words: int = 0  # typed or said
    keys: int = 0  # phone keys pressed
    seconds: float = 0.0  # of the desk's speech (phone)


@dataclass
class World:
    database: Any
    settings: Any
    people: Any
    client: Any
    clock: Any
    extras: dict[str, Any]


@contextmanager
def world() -> Iterator[World]:
    """A fresh database, the app, and the Telegram fake, as the tests build them."""
    from backend.app import create_app
    from backend.db import Database
    from backend.migrate import upgrade
    from backend.settings import load_settings
    from tests.conftest import Clock
    from tests.factories import Personas
    from tests.ivr.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL
    from tests.telegram.fake_bot_api import FakeBotApi

    api = FakeBotApi().start()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/effort.db"
        upgrade(url)
        database = Database(url)
        settings = load_settings(
            {
                "DATABASE_URL": url,
                "AFTERSALES_SECRET_KEY": "bench",
                "AFTERSALES_VAR_DIR": f"{tmp}/var",
                "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_PHONE_NUMBER": "+8215880000",
                "AFTERSALES_HOTLINE_NUMBER": "+82215880001",
                "TELEGRAM_BOT_TOKEN": api.token,
                "TELEGRAM_API_BASE_URL": api.url,
            },
            read_dotenv=False,
        )
        clock = Clock(WEDNESDAY_10AM)
        app = create_app({"settings": settings, "database": database, "clock": clock})
        app.config["TESTING"] = True
        people = Personas(database, settings)
        people.product("AC-1")
        people.product("RF-800", line="refrigerator")
        technician = people.technician()
        try:
            yield World(
                database,
                settings,
                people,
                app.test_client(),
                clock,
                {"api": api, "tech": technician},
            )
        finally:
            database.dispose()
            api.stop()


# Telegram ------------------------------------------------------------------------------------
class Chatter:
    """A Telegram customer whose every update is counted, typed words too."""

    def __init__(self, w: World, user_id: int) -> None:
        from bot.transport import TelegramTransport
        from tests.telegram.conftest import TelegramUser

        self.transport = TelegramTransport(w.settings)
        self.user = TelegramUser(
            w.client, w.database, self.transport, w.extras["api"], user_id, language_code="ko"
        )
        self.effort = Effort()

    def says(self, text: str) -> None:
        self.effort.steps += 1
        if not text.startswith("/"):
            self.effort.words += len(text.split())
        self.user.says(text)

    def taps(self, prefix: str) -> None:
        self.effort.steps += 1
        self.user.presses(next(b for b in self.user.buttons() if b.startswith(prefix)))

    def contact(self) -> None:
        self.effort.steps += 1
        self.user.shares_contact("+82 10-3000-0001")

    def photo_with(self, caption: str) -> None:
        self.effort.steps += 1
        self.effort.words += len(caption.split())
        self.user.sends_photo(caption=caption)

    def location(self) -> None:
        self.effort.steps += 1
        self.user.shares_location(37.5665, 126.978)

    def close(self) -> None:
        self.transport.close()


def chat_first_report(c: Chatter) -> None:
    c.says("/report")
    c.contact()  # the name comes with the contact card
    c.taps("dlg:product:product:")
    c.says("AC1-0001")
    c.says("2026-01-10")
    c.photo_with("찬바람이 안 나와요")
    c.says("서울 중구 세종대로 110")
    c.location()
    c.taps("dlg:confirm:yes")


def chat_returning(c: Chatter) -> None:
    c.says("/report")
    c.taps("dlg:product:unit:")
    c.says("얼음이 안 얼어요")
    c.taps("dlg:photo:")
    c.taps("dlg:confirm:yes")


def chat_complaint(c: Chatter) -> None:
    c.says("/complaint")
    c.taps("dlg:topic:")
    c.taps("dlg:severity:")
    c.says("상자가 찢어져서 왔어요")


def chat_status(c: Chatter) -> None:
    c.says("/status")


def chat_rating(c: Chatter) -> None:
    """The rating of yesterday's repair from the chat (R8.4), without waiting for the call."""
    c.says("/start")
    c.taps("menu:rate")
    c.taps("survey:start:")
    for question, grade in (("attitude", 4), ("skill", 4), ("arrival_time", 3), ("promise", 4)):
        c.taps(f"dlg:{question}:{grade}")
    c.taps("dlg:comment_offer:2")  # no comment


def telegram_journeys(w: World) -> dict[str, Effort]:
    results: dict[str, Effort] = {}
    first = Chatter(w, 7001)
    first.user.says("/start")  # the language, once per chat: not part of any journey
    first.user.presses("lang:ko")
    chat_first_report(first)
    results["first report"] = first.effort
    for name, play in (
        ("returning report", chat_returning),
        ("complaint", chat_complaint),
        ("status", chat_status),
    ):
        again = Chatter(w, 7001)
        play(again)
        results[name] = again.effort
        again.close()
    first.close()
    _yesterdays_repair(w)
    rater = Chatter(w, 7001)
    chat_rating(rater)
    results["rating"] = rater.effort
    rater.close()
    return results


def _yesterdays_repair(w: World) -> None:
    """A repair of this customer's closed yesterday: its survey is open (R8.3)."""
    from backend.composition import tick
    from tests.ivr.jobs import finished_job

    finished_job(
        w.database,
        w.settings,
        w.extras["tech"],
        resolved_at=WEDNESDAY_10AM - timedelta(hours=19),
        phone=CALLER,
    )
    tick(w.database, w.settings, WEDNESDAY_10AM)


# Phone ---------------------------------------------------------------------------------------
class Caller:
    """A phone caller: each TwiML answered is one prompt heard; words and keys are counted."""

    def __init__(self, w: World, sid: str) -> None:
        from tests.ivr.fake_twilio import Call

        self.call = Call(w.client, sid, CALLER)
        self.effort = Effort()

    def heard(self, root: ET.Element) -> None:
        from tests.ivr.fake_twilio import spoken

        if root.find("Gather") is not None or root.find("Record") is not None:
            self.effort.steps += 1
        words = spoken(root)
        syllables = len(HANGUL.findall(words))
        others = len(HANGUL.sub(" ", words).split())
        self.effort.seconds += syllables / 5 + others / 2.5

    def start(self) -> None:
        self.heard(self.call.start())

    def press(self, keys: str) -> None:
        self.effort.keys += len(keys.rstrip("#"))
        self.heard(self.call.press(keys))

    def say(self, words: str) -> None:
        self.effort.words += len(words.split())
        self.heard(self.call.say(words))

    def record(self, words: str) -> None:
        self.effort.words += len(words.split())
        self.heard(self.call.record(RECORDING, transcription=words))


def phone_first_report(c: Caller) -> None:
    c.start()
    c.press("1")
    c.say("홍길동")
    c.press("1")  # the model
    c.press("24000001#")  # the serial's digits, from the label
    c.press("20260110")
    c.record("찬바람이 안 나와요")
    c.say("서울 중구 세종대로 110")
    c.press("1")  # register


def phone_returning(c: Caller) -> None:
    c.start()
    c.press("1")
    c.press("2026000001#")  # the caller ID confirmed by a case number
    c.press("1")  # the registered unit
    c.record("얼음이 안 얼어요")
    c.press("1")  # register: the address on file read back


def phone_complaint(c: Caller) -> None:
    c.start()
    c.press("2")
    c.press("2")  # not about our staff
    c.say("홍길동")
    c.press("2")  # packaging
    c.press("1")  # normal
    c.record("상자가 찢어져서 왔어요")


def phone_status(c: Caller) -> None:
    c.start()
    c.press("3")
    c.press("2026000001#")


def phone_rating(c: Caller) -> None:
    c.start()
    for key in ("4", "4", "3", "4", "4"):  # menu 4, then the four grades (R8.4)
        c.press(key)
    c.press("#")  # no comment


def phone_journeys(w: World) -> dict[str, Effort]:
    results: dict[str, Effort] = {}
    for name, play in (
        ("first report", phone_first_report),
        ("returning report", phone_returning),
        ("complaint", phone_complaint),
        ("status", phone_status),
    ):
        caller = Caller(w, f"CA-{name.replace(' ', '-')}")
        play(caller)
        results[name] = caller.effort
    results["rating"] = _rating(w)
    return results


def _rating(w: World) -> Effort:
    """Menu 4 of a customer whose repair was closed yesterday (its survey open, R8.3)."""
    _yesterdays_repair(w)
    caller = Caller(w, "CA-rating")
    phone_rating(caller)
    return caller.effort


# Report ---------------------------------------------------------------------------------------
Journeys = Callable[[World], dict[str, Effort]]


def measure(journeys: Journeys) -> dict[str, Effort]:
    with world() as w:
        return journeys(w)


def main() -> int:
    telegram = measure(telegram_journeys)
    phone = measure(phone_journeys)
    names = ("first report", "returning report", "complaint", "status", "rating")
    print(
        "| journey | Telegram interactions | words typed | phone prompts | words said | "
        "keys | seconds of speech |"
    )
    print("|---|---|---|---|---|---|---|")
    met = True
    for name in names:
        t, p = telegram.get(name), phone.get(name)
        row = [
            name,
            str(t.steps) if t else "–",
            str(t.words) if t else "–",
            str(p.steps) if p else "–",
            str(p.words) if p else "–",
            str(p.keys) if p else "–",
            f"{p.seconds:.0f}" if p else "–",
        ]
        print("| " + " | ".join(row) + " |")
        if name in TARGETS and t and p:
            chat_target, phone_target = TARGETS[name]
            met &= t.steps <= chat_target and p.steps <= phone_target
    print("\ntargets (returning ≤ 5 / 5, first ≤ 10 / 8):", "met" if met else "NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
