"""Memory of our processes, set once at start: the arena before any thread, young collections
less often in every command that opens the database, the freeze once start-up is done."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import sys

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
YOUNG_COLLECTION_EVERY = 10_000  # container objects allocated; Python's default is 700


def use_one_malloc_arena() -> None:
    """glibc gives every thread that allocates its own malloc arena, which then keeps memory it
    no longer uses; the database driver's thread alone grows one by about 7 MB. That thread and
    the event loop seldom allocate at the same moment, so sharing the main arena costs little
    (bench/throughput.py shows no change). Not glibc: nothing is changed."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no C library to open, or not glibc
        return
    if mallopt(M_ARENA_MAX, 1) != 1:
        log.debug("mallopt(M_ARENA_MAX) refused; keeping the default arenas")


def freeze_startup_objects() -> None:
    """Take what start-up made (modules, mappers, the catalog: about 100,000 objects that live
    as long as the process) out of the garbage collector's sight. Without this every full
    collection walks them all, and a report of 10,000 villages, which allocates enough to
    trigger several, spends a third of its time there."""
    gc.freeze()


def collect_less_often() -> None:
    """Run the garbage collector's young collection every 10,000 new objects instead of 700.
    A report of 10,000 villages makes about 100,000 (rows, figures, villages), so by default
    it pays for over a hundred young collections, each promoting survivors towards a full one;
    coverage of a province took 48 ms on PostgreSQL that way and 39 ms like this (the daily
    tally 118 and 82 ms). Almost nothing we make is in a cycle (reference counting frees it),
    so collecting less often keeps about the same memory (bench/startup.py: idle RSS 86 MB
    either way, 154 MB after load against 152)."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


def without_docstrings() -> None:
    """Start this same command again under `python -OO`, which keeps no docstrings (and skips
    asserts, which only narrow types for mypy): nothing in a running bot reads a docstring, and
    the libraries' hold about 6 MB (bench/startup.py). Only on POSIX, where exec keeps the
    process id a supervisor watches; elsewhere, or already so, nothing happens."""
    if sys.flags.optimize >= 2 or os.name != "posix":
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-OO", *sys.orig_argv[1:]])
