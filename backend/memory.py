"""Handing memory a burst of work freed back to the operating system.

A tick reads and writes many rows at once and frees them all when it ends; glibc's malloc keeps
what was freed inside its heaps for later (scattered between chunks still in use, so it cannot
shrink the heap's top), and with a dozen threads each allocating in its own arena the resident
size of a worker ratchets up after every larger tick. `malloc_trim` returns those free pages (the
soak measured it: README "Soak"). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
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
