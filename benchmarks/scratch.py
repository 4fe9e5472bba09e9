"""What the throughput benchmarks share: a throw-away PostgreSQL database, free ports, server
processes started and stopped, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def postgres_database(
    prefix: str = "aftersales_bench", *, keep: str | None = None
) -> Iterator[str | None]:
    """A fresh database on the local server (its SQLAlchemy URL), dropped afterwards; None
    when no server answers. With `keep`, the database of that name: created when missing and
    never dropped, so a long fill can be measured again later."""
    name = keep or f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"PostgreSQL unavailable ({error}); its rows are skipped", file=sys.stderr)
        yield None
        return
    base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        if keep is None:
            with psycopg.connect(SERVER, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, timeout: float = 90.0) -> None:
    """Until an HTTP server answers on `port` (any status: a pre-forking server may bind its
    port long before its workers have loaded the app)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no HTTP answer on port {port} after {timeout} s")


@contextmanager
def process(
    args: Sequence[str], *, port: int | None = None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process (waited for on `port` if given), terminated and reaped afterwards."""
    child = subprocess.Popen(
        list(args), cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL
    )
    try:
        if port is not None:
            wait_for_port(port)
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
