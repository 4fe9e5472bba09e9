"""`aftersales serve` as the soak runs it: the same command, watched from inside.

    python benchmarks/soak_server.py STATS_FILE TRACE_DIR serve --no-sandbox --port 5000

Only benchmarks/soak.py starts this; the product knows nothing of it. Every few seconds it
writes to STATS_FILE (JSON) how many database connections this process has checked out of its
pools (SQLAlchemy's pool events, every pool of the process) and how many it ever checked out. With
a TRACE_DIR other than "-", Python's allocations are traced (tracemalloc) and a snapshot is
written there at each request of the harness (a file `take-<label>` appearing in TRACE_DIR), for
soak.py to compare the first with the last.
"""

from __future__ import annotations

import ctypes
import json
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool

from backend.cli import main

FRAMES = 8


class PoolCount:
    """Connections checked out of every pool of this process, counted by the pool's events."""

    def __init__(self) -> None:
        self.out = 0
        self.total = 0
        self._lock = threading.Lock()
        event.listen(Pool, "checkout", self._checkout)
        event.listen(Pool, "checkin", self._checkin)

    def _checkout(self, *_args: Any) -> None:
        with self._lock:
            self.out += 1
            self.total += 1

    def _checkin(self, *_args: Any) -> None:
        with self._lock:
            self.out -= 1


class MallInfo2(ctypes.Structure):
    """glibc's `struct mallinfo2` (glibc 2.33+): what malloc holds, in use and free."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_figures() -> dict[str, int]:
    """Bytes malloc has in use and holds free (all arenas); empty off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = MallInfo2
    except (OSError, AttributeError):
        return {}
    info = libc.mallinfo2()
    return {"in_use": info.uordblks + info.hblkhd, "free_held": info.fordblks}


def watch(stats: Path, trace: Path | None, pools: PoolCount) -> None:
    while True:
        payload: dict[str, float] = {
            "checked_out": pools.out,
            "checkouts": pools.total,
            "at": time.time(),
            **malloc_figures(),
        }
        stats.with_suffix(".tmp").write_text(json.dumps(payload))
        stats.with_suffix(".tmp").replace(stats)
        if trace is not None:
            for request in sorted(trace.glob("take-*")):
                label = request.name.removeprefix("take-")
                tracemalloc.take_snapshot().dump(str(trace / f"{label}.snapshot"))
                request.unlink()
        time.sleep(2)


if __name__ == "__main__":
    stats_file, trace_dir, *command = sys.argv[1:]
    trace = None if trace_dir == "-" else Path(trace_dir)
    if trace is not None:
        tracemalloc.start(FRAMES)
    counter = PoolCount()
    threading.Thread(
        target=watch, args=(Path(stats_file), trace, counter), daemon=True, name="soak-watch"
    ).start()
    sys.argv = ["aftersales", *command]
    main()
