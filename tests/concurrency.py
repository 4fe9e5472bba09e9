"""Doing things at the same moment, as separate processes do: one engine (and app) per thread.

Build every thread's engine and app before the threads start: CPython 3.11's compiler, which
werkzeug runs on each URL rule, is not safe to use from several threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from backend.db import Database

T = TypeVar("T")
JOIN_TIMEOUT = 120  # seconds: a deadlock fails the test instead of hanging the suite


@contextmanager
def own_databases(url: str, count: int) -> Iterator[list[Database]]:
    """`count` engines on one database, like `count` processes; disposed afterwards."""
    databases = [Database(url) for _ in range(count)]
    try:
        yield databases
    finally:
        for database in databases:
            database.dispose()


def at_once(jobs: Sequence[Callable[[], T]]) -> list[T]:
    """Run every job in its own thread, all released together; their results, in order.

    An exception in any job is raised here, after every thread has finished."""
    start = threading.Barrier(len(jobs))
    results: list[T | None] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], T]) -> None:
        start.wait()
        try:
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]  # every slot was filled
