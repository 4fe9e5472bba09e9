"""Webhook throughput against the durable limit, side by side, in one run.

    python benchmarks/webhooks.py                      # 10 s per row, PostgreSQL and SQLite
    python benchmarks/webhooks.py --seconds 30 --no-sqlite

Each row is a server process (waitress, 8 threads, as `aftersales serve`) driven from outside by
wrk (`apt-get install wrk`), 2 threads and 16 connections:
  bare           Flask answering a fixed JSON: the web stack's ceiling
  durable        Flask storing each body (one INSERT, one commit) and answering: the durable limit
  telegram       the product's /telegram/webhook, a `/start` from a new user in every request
  voice          the product's /ivr/voice, signed, a new inbound call in every request
on a fresh PostgreSQL database (created and dropped here) and on a SQLite file. Printed:
requests/s, p50, p99, errors (non-2xx, timeouts, socket errors) and the share of the durable
row's requests/s. The machine is shared: run it twice before believing a figure.
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
KINDS = ("bare", "durable", "telegram", "voice")

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
end
function request()
  counter = counter + 1
  local n = tid * 10000000 + counter
  if mode == "voice" then
    local line = lines[((n - 1) % #lines) + 1]
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


def serve(kind: str, url: str, port: int, threads: int, var_dir: str) -> None:
    """The server of one row (run in a child process)."""
    import logging

    from flask import Flask, jsonify, request
    from waitress import serve as waitress_serve

    logging.basicConfig(level=logging.ERROR)
    app: Flask
    if kind == "bare":
        app = Flask("bare")
        app.post("/telegram/webhook")(lambda: jsonify({"ok": True}))
    elif kind == "durable":
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
    else:
        from backend.app import create_app
        from backend.settings import load_settings

        settings = load_settings(product_environ(url, port, var_dir), read_dotenv=False)
        app = create_app({"settings": settings})
    waitress_serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)


def signed_calls(path: Path, port: int, count: int) -> None:
    """`count` new inbound calls, each a line "signature<TAB>form body", for wrk to replay."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    with path.open("w") as out:
        for n in range(count):
            params = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": f"CA{n:032d}",
                "From": f"+8210{40000000 + n:08d}",
                "To": "+8215880000",
                "Direction": "inbound",
                "CallStatus": "ringing",
            }
            signature = validator.compute_signature(f"http://127.0.0.1:{port}/ivr/voice", params)
            out.write(f"{signature}\t{urlencode(params)}\n")


def drive(kind: str, port: int, seconds: int, connections: int, calls: Path | None) -> dict[str, Any]:
    script = Path(tempfile.mkdtemp()) / "load.lua"
    script.write_text(LUA)
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "2s", "-s", str(script)]
    args += [f"http://127.0.0.1:{port}", "--", "voice" if kind == "voice" else "telegram"]
    if calls is not None:
        args.append(str(calls))
    output = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def run_database(label: str, url: str, options: argparse.Namespace, tmp: Path) -> list[str]:
    from backend.migrate import upgrade

    upgrade(url)
    rows, durable_rps = [], 0.0
    for kind in KINDS:
        port = free_port()
        calls = None
        if kind == "voice":
            calls = tmp / f"calls-{label}.txt"
            signed_calls(calls, port, 40_000)
        command = [sys.executable, __file__, "--serve", kind, "--database", url, "--port", str(port)]
        command += ["--threads", str(options.threads), "--var-dir", str(tmp / "var")]
        with process(command, port=port):
            result = drive(kind, port, options.seconds, options.connections, calls)
        if kind == "durable":
            durable_rps = result["rps"]
        share = f"{100 * result['rps'] / durable_rps:5.0f} %" if durable_rps else "      "
        rows.append(
            f"{label:<10} {kind:<9} {result['rps']:>9.0f} {result['p50']:>8.1f} "
            f"{result['p99']:>8.1f} {result['errors']:>6} {result['timeouts']:>8}   {share}"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per server")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--serve", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.database, options.port, options.threads, options.var_dir)
        return
    header = f"{'database':<10} {'endpoint':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
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
