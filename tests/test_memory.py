"""Memory freed by a burst of work goes back to the system (backend/memory.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from pathlib import Path

import pytest

from backend.memory import freeze_startup_objects, release_free_memory

CHUNK = 4096  # below malloc's mmap threshold: these come from the heap, like a tick's rows
CHUNKS = 20_000  # 80 MiB


def resident_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not release_free_memory(), reason="glibc only"
)
def test_pages_freed_between_chunks_still_in_use_go_back_to_the_system() -> None:
    """A heap left with every 16th chunk in use keeps the free ones resident (glibc can only
    shrink a heap from its top) until release_free_memory hands their pages back."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    chunks = [libc.malloc(CHUNK) for _ in range(CHUNKS)]
    for chunk in chunks:
        ctypes.memset(chunk, 1, CHUNK)  # touched: resident
    kept = set(chunks[::16])
    for chunk in chunks:
        if chunk not in kept:
            libc.free(chunk)
    before = resident_kib()
    assert release_free_memory()
    after = resident_kib()
    for chunk in kept:
        libc.free(chunk)
    assert before - after > 40 * 1024  # most of the 75 MiB freed between the kept chunks


def test_objects_alive_at_startup_are_no_longer_walked_by_the_collector() -> None:
    """A server freezes what it built before serving: those objects leave the generations a
    collection walks (the ~45 ms full collection that stalled every request thread)."""
    alive: list[object] = [type("Startup", (), {})() for _ in range(1000)]  # tracked objects
    try:
        frozen = freeze_startup_objects()
        assert frozen >= len(alive) and gc.get_freeze_count() == frozen
        walked = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        assert not any(id(o) in walked for o in alive)
        later: list[object] = [type("Later", (), {})() for _ in range(10)]
        walked = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
        assert all(id(o) in walked for o in later)  # what comes after is collected as ever
    finally:
        gc.unfreeze()
