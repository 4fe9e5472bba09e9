"""The home-made outbox worker against procrastinate (a PostgreSQL job library), side by side.

    python benchmarks/jobqueue.py                    # 10,000 rows, 100 wake-ups, 300 enqueues
    python benchmarks/jobqueue.py --rows 2000 --no-takeover

Needs the `bench` extra (`pip install -e '.[bench]'`); without procrastinate it says so and exits.
Each figure on a fresh PostgreSQL database, both sides through the same fakes of Telegram and
Twilio as benchmarks/delivery.py and the product's real transports (python-telegram-bot, twilio):
1. Throughput: N due outbox rows (70 % Telegram messages to distinct chats, 30 % calls) by 2
   worker processes × the same concurrency. (a) the product's worker as delivery.py runs it;
   (b) procrastinate workers (`concurrency` jobs in flight, the same number of threads for the
   synchronous task) whose job names an outbox row and whose task is the product's
   `deliver_one`: the same load of the row, the same transport call, the same one-UPDATE record
   of the delivery — so the two differ only in how work is claimed, woken and finished.
   Printed: rows/s, and that each row reached the fakes exactly once.
2. Wake-up on an idle system: one message every 100 ms, each queued in a transaction of its own;
   from its commit to the fake Bot API receiving the sendMessage (outbox: NOTIFY doorbell;
   procrastinate: its LISTEN/NOTIFY on job insert).
3. Enqueue cost in a business transaction (an INSERT standing for the case change, then the
   commit): + an outbox row; + a procrastinate job deferred on the same connection, inside the
   same transaction; + both (a job naming the outbox row, as run 1 does).
4. Takeover: a worker killed (SIGKILL) with a message in flight; the time until the other worker
   delivers it. procrastinate does not retry a dead worker's jobs by itself; its workers here run
   the documented remedy, a periodic task (every 5 s) retrying jobs whose worker has sent no
   heartbeat for 30 s.
The machine is shared with other work: the load average is printed; run twice before believing.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from delivery import Fakes, environ, queue_rows, sent_count  # benchmarks/delivery.py
from scratch import percentile, postgres_database, process  # benchmarks/scratch.py

TASK = "deliver_outbox_row"
DELIVERY = str(Path(__file__).with_name("delivery.py"))
POOL = "BENCH_PROCRASTINATE_POOL"  # its connections a worker (the outbox's: SQLAlchemy's 5 + 10)


@dataclass
class Figures:
    """One side's measurements; None where a run was skipped."""

    rows_per_second: float | None = None
    delivered: str = ""
    wake_p50: float | None = None
    wake_p95: float | None = None
    enqueue_ms: float | None = None
    takeover_s: float | None = None


def conninfo(url: str) -> str:
    """A libpq URL from a SQLAlchemy one."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def deferrer_app(url: str) -> Any:
    """A synchronous procrastinate app for deferring from this process (schema applied)."""
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(url), min_size=1)
    )
    app.open()
    return app


def apply_schema(url: str) -> None:
    app = deferrer_app(url)
    app.schema_manager.apply_schema()
    app.close()


def work_procrastinate(concurrency: int, pool: int) -> None:
    """A procrastinate worker process: its task is the product's delivery of one outbox row."""
    import asyncio
    import logging
    from concurrent.futures import ThreadPoolExecutor

    import procrastinate

    from backend.composition import COMPONENTS
    from backend.db import Database
    from backend.outbox.pacing import Limits, Pacer
    from backend.outbox.worker import deliver_one
    from backend.settings import load_settings

    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(read_dotenv=False)
    database = Database(settings.database_url)
    transports = COMPONENTS.build_transports(settings)
    limits = Limits(
        telegram=settings.telegram_per_second,
        voice=settings.twilio_calls_per_second,
        sms=settings.twilio_sms_per_second,
    )
    pacer = Pacer(limits)
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url), min_size=2, max_size=pool
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK)
    def deliver(message_id: int, channel: str) -> str:
        return deliver_one(database, transports[channel], message_id, pacer=pacer)

    # A dead worker's jobs stay `doing` for ever unless something retries them: the remedy the
    # library documents is a periodic task like this one (seconds are croniter's sixth field).
    @app.periodic(cron="* * * * * */5")
    @app.task(name="retry_stalled", queueing_lock="retry_stalled", pass_context=True)
    async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=30):
            await manager.retry_job(job)

    async def run() -> None:
        # A synchronous task runs on the loop's default executor: give it `concurrency` threads
        # (the default is min(32, cores + 4), which would cap this side below the outbox's).
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(concurrency))
        async with app.open_async():
            await app.run_worker_async(concurrency=concurrency, queues=["default"])

    asyncio.run(run())


def worker_command(kind: str, threads: int) -> list[str]:
    if kind == "outbox":  # the product's worker exactly as benchmarks/delivery.py runs it
        return [sys.executable, DELIVERY, "--work", "--threads", str(threads)]
    return [
        *(sys.executable, __file__, "--work-procrastinate"),
        *("--threads", str(threads), "--pool", os.environ.get(POOL, "10")),
    ]


def defer_all(url: str) -> None:
    """One procrastinate job per pending outbox row, in one statement."""
    from sqlalchemy import select

    from backend.db import Database
    from backend.outbox.models import OutboundMessage

    database = Database(url)
    with database.session() as session:
        rows = session.execute(
            select(OutboundMessage.id, OutboundMessage.channel).order_by(OutboundMessage.id)
        ).all()
    database.dispose()
    app = deferrer_app(url)
    deferrer = app.configure_task(name=TASK)
    deferrer.batch_defer(*({"message_id": row_id, "channel": channel} for row_id, channel in rows))
    app.close()


def throughput(kind: str, url: str, rows: int, threads: int, tmp: Path, figures: Figures) -> None:
    from backend.migrate import upgrade

    upgrade(url)
    fakes = Fakes((0.1, 0.3)).start()
    queue_rows(url, rows)
    if kind == "procrastinate":
        apply_schema(url)
        defer_all(url)
    env = environ(url, fakes, 9, str(tmp / f"var-{kind}"))
    env |= {"AFTERSALES_TELEGRAM_PER_SECOND": "1000", "AFTERSALES_TWILIO_CALLS_PER_SECOND": "1000"}
    started = time.monotonic()
    with ExitStack() as children:
        for _ in range(2):
            children.enter_context(process(worker_command(kind, threads), env=env))
        while (done := sent_count(url)) < rows and time.monotonic() - started < 900:
            time.sleep(0.5)
    fakes.shutdown()
    twice = sum(1 for count in fakes.seen.values() if count > 1)
    span = max(fakes.arrivals) - min(fakes.arrivals) if fakes.arrivals else 0.0
    figures.rows_per_second = len(fakes.arrivals) / span if span else 0.0
    figures.delivered = f"{done}/{rows} sent, {len(fakes.seen)} distinct, {twice} twice"
    print(
        f"  {kind:<13} throughput: {figures.rows_per_second:.0f} rows/s; {figures.delivered}",
        flush=True,
    )


class QuietFakes(Fakes):
    """The fakes, without a traceback for the answer a killed worker no longer reads."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def queue_one(database: Any, app: Any, chat: int, text: str, *, flush: bool = True) -> None:
    """One message queued in a transaction of its own: its outbox row and, with a procrastinate
    `app`, a job naming the row deferred in the same transaction. Without `flush` the row is
    left to the commit's own flush, which comes after the doorbell's before_commit hook: no
    NOTIFY is sent (README "Home-made or a library?": a bug, reported)."""
    from datetime import UTC, datetime

    from backend.outbox.service import enqueue

    with database.session() as session:
        message = enqueue(
            session,
            channel="telegram",
            recipient=chat,
            payload={"text": text},
            now=datetime.now(UTC),
        )
        if flush:
            session.flush()
        if app is not None and message is not None:
            driver = session.connection().connection.driver_connection
            job = app.configure_task(name=TASK, connection=driver)
            job.defer(message_id=message.id, channel="telegram")


def wakeups(
    kind: str, url: str, count: int, tmp: Path, figures: Figures, *, flush: bool = True
) -> None:
    """`count` messages one every 100 ms to idle workers: commit → the fake's sendMessage."""
    from backend.db import Database
    from backend.migrate import upgrade
    from backend.outbox.wakeup import doorbell

    upgrade(url)
    database = Database(url)
    app = None
    if kind == "procrastinate":
        apply_schema(url)
        app = deferrer_app(url)
    else:
        doorbell(database)  # the session hooks: a commit that queued a row sends NOTIFY
    fakes = QuietFakes((0.0, 0.0)).start()
    env = environ(url, fakes, 9, str(tmp / f"var-wake-{kind}"))
    committed: dict[int, float] = {}
    with ExitStack() as children:
        for _ in range(2):
            children.enter_context(process(worker_command(kind, 32), env=env))
        warm = [700_000_000 + n for n in range(5)]
        for chat in warm:  # warm-up, not measured: until both workers are up and answering
            queue_one(database, app, chat, f"warm {chat}")
        deadline = time.monotonic() + 120
        while len(fakes.first_reply.keys() & set(warm)) < len(warm):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not deliver the warm-up messages")
            time.sleep(0.1)
        time.sleep(8.0)  # the other worker's start-up too (its imports compete for the CPU)
        for n in range(count):
            chat = 710_000_000 + n
            queue_one(database, app, chat, f"wake {n}", flush=flush)
            committed[chat] = time.monotonic()
            time.sleep(0.1)
        deadline = time.monotonic() + 30
        while len(fakes.first_reply.keys() & committed.keys()) < count:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    fakes.shutdown()
    if app is not None:
        app.close()
    database.dispose()
    waits = [
        (fakes.first_reply[c] - at) * 1000 for c, at in committed.items() if c in fakes.first_reply
    ]
    label = kind if flush else f"{kind}, enqueue then commit (no flush: no NOTIFY)"
    p50, p95 = percentile(waits, 50), percentile(waits, 95)
    if flush:
        figures.wake_p50, figures.wake_p95 = p50, p95
    print(
        f"  {label:<13} wake-up: {len(waits)}/{count} delivered; p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, max {max(waits, default=0):.0f} ms",
        flush=True,
    )


def enqueue_costs(url: str, count: int) -> dict[str, list[float]]:
    """Milliseconds per business transaction: alone, + outbox row, + job, + both."""
    from sqlalchemy import text

    from backend.db import Database
    from backend.migrate import upgrade
    from backend.outbox.wakeup import doorbell

    upgrade(url)
    apply_schema(url)
    database = Database(url)
    doorbell(database)  # as in the product: a commit that queued a row sends NOTIFY
    with database.session() as session:
        session.execute(text("CREATE TABLE bench_change (id serial PRIMARY KEY, note text)"))
    app = deferrer_app(url)

    def business(outbox: bool, job: bool, n: int) -> None:
        from datetime import UTC, datetime

        from backend.outbox.service import enqueue

        with database.session() as session:
            session.execute(text("INSERT INTO bench_change (note) VALUES (:n)"), {"n": str(n)})
            message_id = 0
            if outbox:
                message = enqueue(
                    session,
                    channel="telegram",
                    recipient=720_000_000 + n,
                    payload={"text": f"enqueue {n}"},
                    now=datetime.now(UTC),
                )
                assert message is not None
                session.flush()
                message_id = message.id
            if job:
                driver = session.connection().connection.driver_connection
                deferrer = app.configure_task(name=TASK, connection=driver)
                deferrer.defer(message_id=message_id, channel="telegram")

    variants = {
        "alone": (False, False),
        "outbox": (True, False),
        "procrastinate": (False, True),
        "both": (True, True),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for n in range(count + 20):
        for name, (outbox, job) in variants.items():  # interleaved: the load drifts alike
            started = time.perf_counter()
            business(outbox, job, n)
            if n >= 20:  # the first 20 warm connections and caches
                times[name].append((time.perf_counter() - started) * 1000)
    app.close()
    database.dispose()
    return times


def takeover(kind: str, url: str, tmp: Path, figures: Figures) -> None:
    """Worker A has the only message in flight (the fake holds it 20 s); A is killed; how long
    until worker B's delivery of it reaches the fake."""
    from backend.db import Database
    from backend.migrate import upgrade
    from backend.outbox.wakeup import doorbell

    upgrade(url)
    database = Database(url)
    app = None
    if kind == "procrastinate":
        apply_schema(url)
        app = deferrer_app(url)
    else:
        doorbell(database)
    fakes = QuietFakes((20.0, 20.0)).start()
    env = environ(url, fakes, 9, str(tmp / f"var-takeover-{kind}"))
    marker = "bench takeover"
    taken_over: float | None = None
    with ExitStack() as children:
        first = children.enter_context(process(worker_command(kind, 8), env=env))
        queue_one(database, app, 730_000_000, marker)
        deadline = time.monotonic() + 90  # the first worker's start-up, then its delivery
        while fakes.seen[marker] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        fakes.latency = (0.0, 0.0)  # the second delivery is answered at once
        children.enter_context(process(worker_command(kind, 8), env=env))
        time.sleep(8.0)  # the second worker up and idle (the row is leased / the job doing)
        killed = time.monotonic()
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        while fakes.seen[marker] < 2 and time.monotonic() - killed < 120:
            time.sleep(0.05)
        if fakes.seen[marker] >= 2:
            taken_over = time.monotonic() - killed
    fakes.shutdown()
    if app is not None:
        app.close()
    database.dispose()
    figures.takeover_s = taken_over
    shown = f"{taken_over:.1f} s" if taken_over is not None else "not within 120 s"
    print(f"  {kind:<13} takeover after SIGKILL: {shown}", flush=True)


def _cell(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.1f}{unit}" if value < 100 else f"{value:,.0f}{unit}"


def _ratio(procrastinate: float | None, outbox: float | None) -> str:
    if procrastinate is None or not outbox:
        return "—"
    return f"{procrastinate / outbox:.2f}"


def report(outbox: Figures, library: Figures, load: tuple[str, str]) -> None:
    rows = [
        ("throughput, rows/s (2 workers)", outbox.rows_per_second, library.rows_per_second),
        ("wake-up p50, ms", outbox.wake_p50, library.wake_p50),
        ("wake-up p95, ms", outbox.wake_p95, library.wake_p95),
        ("enqueue in a business txn, ms added", outbox.enqueue_ms, library.enqueue_ms),
        ("takeover after SIGKILL, s", outbox.takeover_s, library.takeover_s),
    ]
    print()
    print(f"{'figure':<38} {'outbox':>10} {'procrastinate':>14} {'ratio p/o':>10}")
    for label, mine, theirs in rows:
        print(f"{label:<38} {_cell(mine):>10} {_cell(theirs):>14} {_ratio(theirs, mine):>10}")
    print(f"delivered: outbox {outbox.delivered or '—'}; procrastinate {library.delivered or '—'}")
    print(f"load average: before {load[0]}; after {load[1]}")


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=32, help="deliveries in flight a worker")
    parser.add_argument("--wakeups", type=int, default=100)
    parser.add_argument("--enqueues", type=int, default=300)
    parser.add_argument("--takeover", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--pool", type=int, default=10, help="procrastinate's connections a worker")
    parser.add_argument("--work-procrastinate", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.work_procrastinate:
        work_procrastinate(options.threads, options.pool)
        return
    os.environ[POOL] = str(options.pool)
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        print("procrastinate is not installed (pip install -e '.[bench]'); nothing measured")
        return
    logging.getLogger("procrastinate").setLevel(logging.ERROR)  # "App in __main__" notices
    before = load_average()
    outbox, library = Figures(), Figures()
    sides = (("outbox", outbox), ("procrastinate", library))
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if options.rows:
            print(f"1. {options.rows:,} due rows, 2 workers × {options.threads} in flight")
            for kind, figures in sides:
                with postgres_database() as url:
                    if url is None:
                        return
                    throughput(kind, url, options.rows, options.threads, tmp, figures)
        if options.wakeups:
            print(f"2. wake-up: {options.wakeups} messages one every 100 ms, idle workers")
            for kind, figures in sides:
                with postgres_database() as url:
                    if url is not None:
                        wakeups(kind, url, options.wakeups, tmp, figures)
            with postgres_database() as url:
                if url is not None:
                    wakeups("outbox", url, options.wakeups, tmp, Figures(), flush=False)
        if options.enqueues:
            print(f"3. enqueue cost: {options.enqueues} business transactions of each kind")
            with postgres_database() as url:
                if url is not None:
                    times = enqueue_costs(url, options.enqueues)
                    medians = {name: percentile(values, 50) for name, values in times.items()}
                    for name, values in times.items():
                        print(
                            f"  {name:<13} p50 {medians[name]:.2f} ms, "
                            f"p95 {percentile(values, 95):.2f} ms a transaction",
                            flush=True,
                        )
                    outbox.enqueue_ms = medians["outbox"] - medians["alone"]
                    library.enqueue_ms = medians["procrastinate"] - medians["alone"]
                    both = medians["both"] - medians["alone"]
                    print(f"  outbox row + job naming it (run 1's layout): {both:.2f} ms added")
        if options.takeover:
            print("4. takeover: the worker holding a message in flight is killed")
            for kind, figures in sides:
                with postgres_database() as url:
                    if url is not None:
                        takeover(kind, url, tmp, figures)
    report(outbox, library, (before, load_average()))


if __name__ == "__main__":
    main()
