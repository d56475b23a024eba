"""Allocator tuning for training loops (opt-in).

A training step allocates and frees the same large arrays (activations, gradients) over
and over.  glibc's malloc serves arrays above a *dynamic* threshold (128 kB to start)
with fresh ``mmap`` pages and returns freed memory to the system, so every step can pay
a page fault per 4 kB touched: measured here, up to 20-30% of an MLP step, and the
amount depends on how many arrays happen to be alive at once — a lottery that hits
autodiff (which keeps the forward values for the backward pass) and hand-written NumPy
alike.  :func:`tune_malloc` raises the mmap and trim thresholds so freed memory is
reused instead.  It changes process-wide behaviour, so bibun never calls it on import;
``bibun train`` and the benchmarks do.  No effect (returns False) off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

_tuned = False


def tune_malloc(mmap_threshold: int = 64 << 20, trim_threshold: int = 256 << 20) -> bool:
    """Keep allocations below ``mmap_threshold`` bytes on the heap and do not give freed
    memory back to the system below ``trim_threshold``.  True if glibc accepted it."""
    global _tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))) and \
        bool(mallopt(M_TRIM_THRESHOLD, int(trim_threshold)))
    _tuned = _tuned or ok
    return ok


def is_tuned() -> bool:
    return _tuned
