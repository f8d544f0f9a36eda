"""Memory of the long-running processes (`dvcbot run`, the web workers), set once at start:
the arena before any thread, the freeze once start-up is done."""

from __future__ import annotations

import ctypes
import gc
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


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
