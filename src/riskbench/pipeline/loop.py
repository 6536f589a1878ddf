"""The event loop runs use: uvloop when it is installed (the `fast` extra), else asyncio's.

uvloop's loop and transports cost less CPU per request than asyncio's pure-Python ones;
at thousands of attempts/s that is a measured share of an attempt (docs/performance.md).
Results never depend on which loop ran them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def _factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def runner() -> asyncio.Runner:
    """An `asyncio.Runner` on the fastest loop available (for several `run` calls)."""
    return asyncio.Runner(loop_factory=_factory())


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the fastest loop available."""
    with runner() as each:
        return each.run(main)
