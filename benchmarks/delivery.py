"""Outbox delivery throughput and reply latency, against local fakes of Telegram and Twilio.

    python benchmarks/delivery.py                  # 10,000 rows by 2 workers; 40 replies x 3
    python benchmarks/delivery.py --rows 2000 --replies 20 --no-sqlite

1. Throughput: N due rows (70 % Telegram messages to distinct chats, 30 % Twilio calls) on a
   fresh PostgreSQL database, delivered by 2 worker processes (the product's loop, its real
   transports: python-telegram-bot and twilio) through fakes answering each request after
   100-300 ms. Printed: rows/s, and that each row reached the fake exactly once. The
   providers' per-worker limits are raised for this run (AFTERSALES_TELEGRAM_PER_SECOND,
   AFTERSALES_TWILIO_CALLS_PER_SECOND: an account with raised limits); tests check the pacing.
2. Reply latency: `/start` from new chats, one every 100 ms, through the real webhook; the time
   from posting the update to the fake Bot API receiving the reply's sendMessage. Rows:
   PostgreSQL, one process (`aftersales serve`); PostgreSQL, a web process and a worker process
   with the store-and-acknowledge webhook (the doorbell crosses processes by NOTIFY); SQLite,
   one process.
The machine is shared with other work: run twice before believing a figure.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from scratch import free_port, percentile, postgres_database, process  # benchmarks/scratch.py

BOT_TOKEN = "123456:bench"
SECRET = "bench-secret"
ACCOUNT_SID = "AC" + "d" * 32
AUTH_TOKEN = "bench-auth-token"


class Fakes(ThreadingHTTPServer):
    """Telegram's Bot API and Twilio's REST API, answering after `latency` seconds."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, latency: tuple[float, float]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.latency = latency
        self.lock = threading.Lock()
        self.seen: Counter[str] = Counter()  # each delivered row's marker
        self.first_reply: dict[int, float] = {}  # chat → when its first sendMessage arrived
        self.arrivals: list[float] = []  # when each request arrived

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> Fakes:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class Handler(BaseHTTPRequestHandler):
    server: Fakes

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(200, {"ok": True})

    def do_POST(self) -> None:
        arrived = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params = _params(body, self.headers.get("Content-Type", ""))
        fakes = self.server
        answer: dict[str, Any]
        if "/Calls.json" in self.path:
            marker, answer = str(params.get("Url", "")), {"sid": "CA" + "0" * 32}
        else:
            chat = int(params.get("chat_id", 0))
            text = str(params.get("text", ""))
            marker = text if text.startswith("bench ") else f"chat {chat}"
            with fakes.lock:
                fakes.first_reply.setdefault(chat, arrived)
            answer = {
                "ok": True,
                "result": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"},
                    "text": text,
                },
            }
        with fakes.lock:
            fakes.seen[marker] += 1
            fakes.arrivals.append(arrived)
        time.sleep(random.uniform(*fakes.latency))  # the provider's own time
        self._answer(201 if "/Calls.json" in self.path else 200, answer)

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _params(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        loaded: dict[str, Any] = json.loads(body or b"{}")
        return loaded
    return {key: values[0] for key, values in parse_qs(body.decode()).items()}


def environ(url: str, fakes: Fakes, port: int, var_dir: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "AFTERSALES_SECRET_KEY": "bench",
        "AFTERSALES_VAR_DIR": var_dir,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": fakes.url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": "+8215880000",
        "TWILIO_API_BASE_URL": fakes.url,
        "AFTERSALES_HOTLINE_NUMBER": "+82215880001",
    }


def queue_rows(url: str, count: int) -> None:
    """`count` due rows written in one statement (70 % messages, 30 % calls)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from backend.db import Database
    from backend.outbox.models import OutboundMessage

    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        if n % 10 < 7:
            rows.append(
                {
                    "channel": "telegram",
                    "recipient": str(800_000_000 + n),
                    "payload": {"text": f"bench {n}"},
                }
            )
        else:
            rows.append(
                {
                    "channel": "voice",
                    "recipient": f"+8210{50000000 + n:08d}",
                    "payload": {"path": f"/ivr/bench/{n}"},
                }
            )
    for row in rows:
        row.update(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            first_due_at=now,
            purpose="bench",
        )
    database = Database(url)
    with database.session() as session:
        session.execute(insert(OutboundMessage), rows)
    database.dispose()


def sent_count(url: str) -> int:
    from sqlalchemy import func, select

    from backend.db import Database
    from backend.outbox.models import OutboundMessage

    database = Database(url)
    with database.session() as session:
        count = session.scalar(select(func.count()).where(OutboundMessage.status != "pending"))
    database.dispose()
    return int(count or 0)


def work(threads: int) -> None:
    """A worker process for the throughput run: the product's delivery loop alone."""
    import logging
    import signal

    from backend.composition import COMPONENTS
    from backend.db import Database
    from backend.outbox.pacing import Limits, Pacer
    from backend.outbox.wakeup import OUTBOX, doorbell, listen
    from backend.outbox.worker import run_forever
    from backend.settings import load_settings

    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(read_dotenv=False)
    database = Database(settings.database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    bell = doorbell(database, OUTBOX)
    threading.Thread(target=listen, args=(database, {OUTBOX: bell}, stop), daemon=True).start()
    limits = Limits(
        telegram=settings.telegram_per_second,
        voice=settings.twilio_calls_per_second,
        sms=settings.twilio_sms_per_second,
    )
    run_forever(
        database,
        COMPONENTS.build_transports(settings),
        stop,
        threads=threads,
        pacer=Pacer(limits),
        wake=bell,
    )


def throughput(url: str, rows: int, workers: int, threads: int, tmp: Path) -> None:
    from backend.migrate import upgrade

    upgrade(url)
    fakes = Fakes((0.1, 0.3)).start()
    queue_rows(url, rows)
    env = environ(url, fakes, 9, str(tmp / "var"))
    env |= {"AFTERSALES_TELEGRAM_PER_SECOND": "1000", "AFTERSALES_TWILIO_CALLS_PER_SECOND": "1000"}
    command = [sys.executable, __file__, "--work", "--threads", str(threads)]
    started = time.monotonic()
    with ExitStack() as children:
        for _ in range(workers):
            children.enter_context(process(command, env=env))
        while (done := sent_count(url)) < rows and time.monotonic() - started < 600:
            time.sleep(0.5)
        elapsed = time.monotonic() - started
    fakes.shutdown()
    twice = sum(1 for count in fakes.seen.values() if count > 1)
    span = max(fakes.arrivals) - min(fakes.arrivals) if fakes.arrivals else 0.0
    print(
        f"throughput  {workers} workers x {threads} threads: {done} of {rows} rows, "
        f"{len(fakes.arrivals) / span if span else 0:.0f} rows/s from the first request to "
        f"the last ({elapsed:.1f} s with the processes' start-up); reached the fakes: "
        f"{len(fakes.seen)} distinct, {twice} more than once",
        flush=True,
    )


def post_start(port: int, chat: int, update_id: int) -> None:
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "B"},
            "from": {"id": chat, "is_bot": False, "first_name": "B", "language_code": "ko"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram/webhook",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    urllib.request.urlopen(request, timeout=10).close()


def reply_latency(label: str, url: str, count: int, split: bool, tmp: Path) -> None:
    """`count` /starts one every 100 ms; the time until each chat's first sendMessage."""
    from backend.migrate import upgrade

    upgrade(url)
    fakes = Fakes((0.0, 0.0)).start()
    port = free_port()
    env = environ(url, fakes, port, str(tmp / f"var-{label}"))
    aftersales = str(Path(sys.executable).with_name("aftersales"))
    serve = [aftersales, "serve", "--no-sandbox", "--port", str(port)]
    if split:
        env["AFTERSALES_WEBHOOK_QUEUE"] = "1"
        commands = [serve + ["--no-worker"], [aftersales, "worker"]]
    else:
        commands = [serve]
    with ExitStack() as children:
        for n, command in enumerate(commands):
            children.enter_context(process(command, port=port if n == 0 else None, env=env))
        time.sleep(3.0)  # the worker's start-up (its first tick) out of the way
        for n in range(5):  # warm-up, not measured: first connections, each thread's Bot
            post_start(port, 1_000 + n, 1_000 + n)
            time.sleep(0.2)
        time.sleep(1.0)
        posted: dict[int, float] = {}
        for n in range(count):
            chat = 900_000_000 + n + random.randrange(10**6) * 1000
            posted[chat] = time.monotonic()
            post_start(port, chat, chat)
            time.sleep(0.1)
        deadline = time.monotonic() + 30
        while len(fakes.first_reply.keys() & posted.keys()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
    fakes.shutdown()
    waits = [
        (fakes.first_reply[chat] - at) * 1000
        for chat, at in posted.items()
        if chat in fakes.first_reply
    ]
    print(
        f"reply       {label:<34} {len(waits)}/{count} answered; p50 {percentile(waits, 50):.0f} "
        f"ms, p95 {percentile(waits, 95):.0f} ms, max {max(waits, default=0):.0f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32, help="delivery threads per worker")
    parser.add_argument("--replies", type=int, default=40)
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--work", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.work:
        work(options.threads)
        return
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        with postgres_database() as url:
            if url is not None and options.rows:
                throughput(url, options.rows, options.workers, options.threads, tmp)
        with postgres_database() as url:
            if url is not None and options.replies:
                reply_latency("postgresql, one process", url, options.replies, False, tmp)
        with postgres_database() as url:
            if url is not None and options.replies:
                reply_latency("postgresql, web + worker (queue)", url, options.replies, True, tmp)
        if options.sqlite and options.replies:
            reply_latency(
                "sqlite, one process", f"sqlite:///{tmp}/r.db", options.replies, False, tmp
            )


if __name__ == "__main__":
    main()
