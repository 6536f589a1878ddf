"""The cyclic garbage collector paced for a run's attempts phase.

Each attempt allocates a few hundred short-lived containers (coroutine frames, request
and reply dicts, records), nearly all freed by reference counting, yet at the default
threshold (a young-generation pass every 700 net allocations) the collector ran ~370
young, ~34 middle and 2 full passes per 10,000 attempts, the full ones over every
object the plan, the imports and the store left alive (~250,000): 0.5-0.7 s of CPU, a
fifth of riskbench's CPU per attempt (docs/performance.md, engine step 5). During the
phase the objects alive at its start are frozen out of the collector's scans (they live
for the whole run) and a young pass waits for `YOUNG` allocations; cyclic garbage is
still collected, in fewer, larger passes. Thresholds and the frozen set are given back
as they were found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG = 20_000  # net container allocations between young passes (default 700)

_lock = threading.Lock()


class _Phases:
    open = 0  # attempts phases open in the process
    thresholds: tuple[int, ...] = ()  # as the first found them
    froze = False  # whether the first found nothing frozen


@contextmanager
def paced() -> Iterator[None]:
    """The collector paced while any attempts phase of the process is open (runs may
    overlap, in one loop or in threads); the first to open saves the settings, the last
    to close restores them."""
    with _lock:
        if _Phases.open == 0:
            thresholds = _Phases.thresholds = gc.get_threshold()
            _Phases.froze = gc.get_freeze_count() == 0
            # 0: the collector is switched off by threshold; left off
            gc.set_threshold(thresholds[0] and max(YOUNG, thresholds[0]), *thresholds[1:])
        _Phases.open += 1
        gc.freeze()  # what this phase starts with lives through it
    try:
        yield
    finally:
        with _lock:
            _Phases.open -= 1
            if _Phases.open == 0:
                gc.set_threshold(*_Phases.thresholds)
                if _Phases.froze:  # a freeze found in place (the CLI's start-up) is kept
                    gc.unfreeze()
