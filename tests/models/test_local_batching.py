"""How the embedded model groups requests into batches (no model is loaded here)."""

from __future__ import annotations

import asyncio

from riskbench.models.local import _Request, take_batch
from riskbench.types import Message


def request(chars: int, max_tokens: int = 128, temperature: float = 0.0) -> _Request:
    loop = asyncio.new_event_loop()
    try:
        future = loop.create_future()
    finally:
        loop.close()
    return _Request((Message("user", "x" * chars),), max_tokens, temperature, 0, future)


def test_the_oldest_request_is_always_served_first() -> None:
    pending = [request(5_000), *(request(100) for _ in range(40))]
    batch = take_batch(pending, size=32, budget_chars=64_000)
    assert batch[0] is pending[0]
    assert len(batch) == 12  # 12 rows padded to 5,000 chars fit 64,000; a 13th does not


def test_short_prompts_are_not_padded_to_a_long_one() -> None:
    long_ones = [request(6_000) for _ in range(3)]
    short = [request(200) for _ in range(40)]
    batch = take_batch([short[0], long_ones[0], *short[1:], *long_ones[1:]], 32, 64_000)
    assert len(batch) == 32 and all(r.chars == 200 for r in batch)


def test_only_requests_with_the_same_sampling_share_a_batch() -> None:
    head, other, same = request(100), request(100, max_tokens=16), request(120)
    assert take_batch([head, other, same], 32, 64_000) == [head, same]


def test_a_prompt_longer_than_the_budget_still_runs_alone() -> None:
    huge = request(100_000)
    assert take_batch([huge, request(100)], 32, 64_000) == [huge]
