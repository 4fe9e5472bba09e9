"""Webhook throughput against the durable limit, side by side, in one run.

    python benchmarks/webhooks.py                      # 6 s per row, PostgreSQL and SQLite
    python benchmarks/webhooks.py --seconds 30 --no-sqlite
    python benchmarks/webhooks.py --kinds voice --servers waitress   # one row and its durable

Each row is a server driven from outside by wrk (`apt-get install wrk`), 2 threads and 16
connections; the server is one waitress process with 8 threads (as `aftersales serve`), or on
PostgreSQL also gunicorn with 2 processes of 4 threads (`gunicorn -k gthread -w 2 --threads 4
backend.wsgi:app`, the README's production setup; SQLite's one writer gains nothing from it):
  bare           Flask answering a fixed JSON: the web stack's ceiling
  durable        Flask storing each body (one INSERT, one commit) and answering: the durable limit
  telegram       the product's /telegram/webhook, a `/start` from a new user in every request,
                 stored and processed in one transaction (the default)
  tg-queue       the same with AFTERSALES_WEBHOOK_QUEUE=1: stored and acknowledged (the worker
                 processes it; its reply time is measured by benchmarks/delivery.py)
  voice          the product's /ivr/voice, signed, a new inbound call in every request
on a fresh PostgreSQL database (created and dropped here) and on a SQLite file. Each server gets
`--warmup` seconds (2) of the same load, unmeasured, before its measured run: its first
requests open connections and compile statements, which no long-running server repeats. Printed:
requests/s, p50, p99, errors (non-2xx, timeouts, socket errors) and the share of the durable
row's requests/s on the same server. The machine is shared: run it twice before believing a
figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scratch import free_port, postgres_database, process  # benchmarks/scratch.py

BOT_TOKEN = "123456:bench"
SECRET = "bench-secret"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
KINDS = ("bare", "durable", "telegram", "tg-queue", "voice")
WRK_THREADS = 2
WARM = 500_000_000  # the warm-up's ids, apart from the measured run's

# wrk's Lua: each request a new update (unique update_id, new chat) or the next pre-signed call.
LUA = r"""
local counter, lines = 0, {}
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  tid = tonumber(tid) or 0  -- set by setup() as a global of this thread
  if args[1] == "voice" then
    for line in io.lines(args[2]) do table.insert(lines, line) end
  end
  mode = args[1]
  base = tonumber(args[3]) or 0  -- each row its own ids: no update is a redelivery
  share = math.floor(#lines / (tonumber(args[4]) or 1))  -- each thread its own calls
end
function request()
  counter = counter + 1
  local n = base + tid * 10000000 + counter
  if mode == "voice" then
    local line = lines[tid * share + ((counter - 1) % share) + 1]
    local tab = string.find(line, "\t")
    wrk.headers["X-Twilio-Signature"] = string.sub(line, 1, tab - 1)
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", "/ivr/voice", nil, string.sub(line, tab + 1))
  end
  local chat = 500000000 + n
  local body = string.format(
    '{"update_id":%d,"message":{"message_id":1,"date":1764640000,' ..
    '"chat":{"id":%d,"type":"private","first_name":"B"},' ..
    '"from":{"id":%d,"is_bot":false,"first_name":"B","language_code":"ko"},' ..
    '"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}',
    n, chat, chat)
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = "bench-secret"
  return wrk.format("POST", "/telegram/webhook", nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%f,"p50":%f,"p99":%f,"errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status, e.timeout))
end
"""


def product_environ(url: str, port: int, var_dir: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "AFTERSALES_SECRET_KEY": "bench",
        "AFTERSALES_VAR_DIR": var_dir,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",  # nothing is sent: no worker here
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_PHONE_NUMBER": "+8215880000",
        "AFTERSALES_HOTLINE_NUMBER": "+82215880001",
    }


def gunicorn(port: int, target: str, chdir: str | None = None) -> list[str]:
    command = [str(Path(sys.executable).with_name("gunicorn")), "-k", "gthread", "-w", "2"]
    command += ["--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level", "error"]
    return command + (["--chdir", chdir] if chdir else []) + [target]


def durable_app() -> Any:
    """The durable endpoint for gunicorn (BENCH_DATABASE_URL)."""
    import os

    from backend.memory import freeze_startup_objects

    app = durable(os.environ["BENCH_DATABASE_URL"])
    freeze_startup_objects()
    return app


def durable(url: str) -> Any:
    """Flask storing each body in one INSERT and one commit."""
    from flask import Flask, jsonify, request
    from sqlalchemy import JSON, Column, Integer, MetaData, Table

    from backend.db import make_engine

    engine = make_engine(url)
    table = Table(
        "bench_updates",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("payload", JSON),
    )
    table.create(engine, checkfirst=True)
    app = Flask("durable")

    @app.post("/telegram/webhook")
    def store() -> Any:
        with engine.begin() as connection:
            connection.execute(table.insert().values(payload=request.get_json()))
        return jsonify({"ok": True})

    return app


def serve(kind: str, url: str, port: int, threads: int, var_dir: str) -> None:
    """The server of one row (run in a child process)."""
    import logging

    from flask import Flask, jsonify
    from waitress import serve as waitress_serve

    from backend.memory import freeze_startup_objects

    logging.basicConfig(level=logging.ERROR)
    app: Flask
    if kind == "bare":
        app = Flask("bare")
        app.post("/telegram/webhook")(lambda: jsonify({"ok": True}))
    elif kind == "durable":
        app = durable(url)
    else:
        from backend.app import create_app
        from backend.settings import load_settings

        environ = product_environ(url, port, var_dir)
        if kind == "tg-queue":
            environ["AFTERSALES_WEBHOOK_QUEUE"] = "1"
        settings = load_settings(environ, read_dotenv=False)
        app = create_app({"settings": settings})
    freeze_startup_objects()  # as `aftersales serve` and backend/wsgi.py do
    waitress_serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def signed_calls(path: Path, port: int, count: int, base: int) -> None:
    """`count` new inbound calls, each a line "signature<TAB>form body", for wrk to replay."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    with path.open("w") as out:
        for n in range(count):
            params = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": f"CA{base + n:032d}",
                "From": f"+8210{40000000 + n:08d}",
                "To": "+8215880000",
                "Direction": "inbound",
                "CallStatus": "ringing",
            }
            signature = validator.compute_signature(f"http://127.0.0.1:{port}/ivr/voice", params)
            out.write(f"{signature}\t{urlencode(params)}\n")


def drive(
    kind: str, port: int, seconds: int, connections: int, calls: Path | None, base: int
) -> dict[str, Any]:
    script = Path(tempfile.mkdtemp()) / "load.lua"
    script.write_text(LUA)
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s"]
    args += ["-s", str(script), f"http://127.0.0.1:{port}", "--"]
    args += ["voice" if kind == "voice" else "telegram", str(calls or "-"), str(base)]
    args += [str(WRK_THREADS)]
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def run_database(label: str, url: str, options: argparse.Namespace, tmp: Path) -> list[str]:
    from backend.migrate import upgrade

    upgrade(url)
    rows: list[str] = []
    durable_rps = 0.0
    servers = [
        server
        for server in ("waitress", "gunicorn")
        if server in options.servers and (server == "waitress" or url.startswith("postgresql"))
    ]
    kinds = [kind for kind in KINDS if kind in options.kinds or kind == "durable"]
    for server, kind in [(server, kind) for server in servers for kind in kinds]:
        if kind == "bare" and server == "gunicorn":
            continue
        port = free_port()
        base = 1_000_000_000 * (len(rows) + 1)
        calls = warm_calls = None
        if kind == "voice":  # every request a new call: none sent twice, not even by warm-up
            calls, warm_calls = tmp / f"calls-{label}.txt", tmp / f"warm-{label}.txt"
            signed_calls(calls, port, max(40_000, 3_000 * options.seconds), base)
            signed_calls(warm_calls, port, max(4_000, 3_000 * options.warmup), base + WARM)
        command = [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--database",
            url,
            "--port",
            str(port),
        ]
        command += ["--threads", str(options.threads), "--var-dir", str(tmp / "var")]
        environ: dict[str, str] = {}
        if server == "gunicorn" and kind != "durable":
            environ = product_environ(url, port, str(tmp / "var"))
            if kind == "tg-queue":
                environ["AFTERSALES_WEBHOOK_QUEUE"] = "1"
            command = gunicorn(port, "backend.wsgi:app")
        elif server == "gunicorn":
            environ = {"BENCH_DATABASE_URL": url}
            command = gunicorn(port, "webhooks:durable_app()", chdir=str(Path(__file__).parent))
        with process(command, port=port, env=environ):
            if options.warmup:  # first requests compile statements, open connections: not measured
                drive(kind, port, options.warmup, options.connections, warm_calls, base + WARM)
            result = drive(kind, port, options.seconds, options.connections, calls, base)
        if kind == "durable":
            durable_rps = result["rps"]
        share = f"{100 * result['rps'] / durable_rps:5.0f} %" if durable_rps else "      "
        rows.append(
            f"{label:<10} {server:<8} {kind:<9} {result['rps']:>9.0f} {result['p50']:>8.1f} "
            f"{result['p99']:>8.1f} {result['errors']:>6} {result['timeouts']:>8}   {share}"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each row")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per server")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=KINDS, help="rows to run (durable always)"
    )
    parser.add_argument(
        "--servers", nargs="+", choices=("waitress", "gunicorn"), default=("waitress", "gunicorn")
    )
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.database, options.port, options.threads, options.var_dir)
        return
    header = (
        f"{'database':<10} {'server':<8} {'endpoint':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
    )
    print(f"{header} {'errors':>6} {'timeouts':>8}   of durable", flush=True)
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if options.postgres:
            with postgres_database() as url:
                if url is not None:
                    run_database("postgresql", url, options, tmp)
        if options.sqlite:
            run_database("sqlite", f"sqlite:///{tmp}/bench.db", options, tmp)


if __name__ == "__main__":
    main()
