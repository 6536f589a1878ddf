"""Retries with exponential backoff and jitter that honour the server's Retry-After.

A plain loop rather than tenacity: the first try is every call's hot path, and building
tenacity's retry state for each of thousands of calls per second cost more CPU than the
rest of an attempt's engine work (docs/performance.md)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from riskbench.errors import TransientModelError

T = TypeVar("T")
RETRYABLE = (TransientModelError, TimeoutError)


def delay_s(attempt_number: int, exc: BaseException, base_s: float, max_s: float) -> float:
    """Wait after failed try number `attempt_number` (1 = the first)."""
    exponential = min(max_s, base_s * 2 ** (attempt_number - 1))
    delay = exponential + random.uniform(0, base_s)  # jitter spreads synchronized retries
    retry_after = getattr(exc, "retry_after", None)
    return max(delay, min(retry_after, 300.0)) if retry_after else delay


async def with_retries(
    call: Callable[[], Awaitable[T]], *, retries: int, base_s: float, max_s: float
) -> tuple[T, int]:
    """Result of `call` and how many retries it took; re-raises the last error."""
    attempt_number = 1
    while True:
        try:
            return await call(), attempt_number - 1
        except RETRYABLE as exc:
            if attempt_number > retries:
                raise
            await asyncio.sleep(delay_s(attempt_number, exc, base_s, max_s))
        attempt_number += 1
