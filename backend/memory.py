"""Handing memory a burst of work freed back to the operating system, and keeping the garbage
collector off what lives as long as the process.

A tick reads and writes many rows at once and frees them all when it ends; glibc's malloc keeps
what was freed inside its heaps for later (scattered between chunks still in use, so it cannot
shrink the heap's top), and with a dozen threads each allocating in its own arena the resident
size of a worker ratchets up after every larger tick. `malloc_trim` returns those free pages (the
soak measured it: README "Soak"). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)


@cache
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):  # not glibc: no malloc_trim
        return None
    return libc


def release_free_memory() -> bool:
    """Give the free pages of every malloc arena back to the system; False where unsupported."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def freeze_startup_objects() -> int:
    """Move every object alive now — the app, its modules, the mapped classes, the compiled
    statements: some 200,000 once the app is built — out of the collector's reach, for a server
    process about to serve; the number frozen.

    CPython's full collection walks every tracked object while holding the interpreter lock: with
    the app built it takes ~45 ms, in which no request thread runs (a webhook's p99, measured
    by benchmarks/webhooks.py). These objects live as long as the process, so the collector
    never frees any of them; frozen, they are no longer walked."""
    gc.collect()  # what startup left for the collector goes first, not into the frozen set
    gc.freeze()
    return gc.get_freeze_count()
