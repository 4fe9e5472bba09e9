"""The product in sandbox mode on a real port: the app, its outbox worker delivering through the
real transports to the app's own sandbox endpoints, and the sandbox's clock over the test's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from backend.app import create_app
from backend.composition import COMPONENTS
from backend.db import Database
from backend.outbox.transport import Transport
from backend.outbox.worker import deliver_due, run_forever
from backend.sandbox.clock import SandboxClock
from backend.sandbox.config import sandbox_settings
from backend.settings import Settings


@dataclass
class SandboxSite:
    url: str
    app: Flask
    settings: Settings
    clock: SandboxClock
    database: Database
    transports: dict[str, Transport]

    def address(self, path: str) -> str:
        return self.url + path

    def deliver(self) -> dict[str, int]:
        """One pass of the outbox worker, here and now (for tests without the background one)."""
        return deliver_due(self.database, self.transports, clock=self.clock)


@contextmanager
def serve_sandbox(
    database: Database,
    settings: Settings,
    clock: Callable[[], datetime],
    *,
    background_worker: bool = False,
) -> Iterator[SandboxSite]:
    """Serve the app in sandbox mode until the block ends; with `background_worker`, the outbox
    worker delivers on its own as in `aftersales serve` (for the browser)."""
    holder: dict[str, Flask] = {}

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        return holder["app"](environ, start_response)

    server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    sandboxed = sandbox_settings(settings, url)
    sandbox_clock = SandboxClock(base=clock)
    app = create_app({"settings": sandboxed, "database": database, "clock": sandbox_clock})
    holder["app"] = app
    stop = threading.Event()
    transports = COMPONENTS.build_transports(sandboxed)
    worker = threading.Thread(
        target=run_forever,
        args=(database, transports, stop),
        kwargs={"idle_seconds": 0.05, "clock": sandbox_clock},
        name="sandbox-worker",
        daemon=True,
    )
    serving = threading.Thread(target=server.serve_forever, name="sandbox-site", daemon=True)
    serving.start()
    if background_worker:
        worker.start()
    try:
        yield SandboxSite(url, app, sandboxed, sandbox_clock, database, transports)
    finally:
        stop.set()
        if background_worker:
            worker.join(timeout=10)
        server.shutdown()
        serving.join(timeout=10)
        for transport in transports.values():
            close = getattr(transport, "close", None)
            if close is not None:
                close()
