"""Timing helper shared by the benchmark modules (``benchmarks/run.py`` puts this folder on
``sys.path``)."""

from __future__ import annotations

import statistics
import time

__all__ = ["median_time"]


def median_time(fn, reps: int = 3):
    """Median wall time of ``reps`` calls of ``fn`` and the last call's result."""
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out
