"""The Ray executor's limits without a cluster: the Coordinator is a plain class that Ray
serves as an actor, and how the run's concurrency is shared between shards."""

from __future__ import annotations

import time

import pytest

from riskbench.engine.ray_executor import Coordinator, shard_of, split_concurrency


@pytest.mark.parametrize(("concurrency", "workers"), [(64, 2), (64, 3), (2, 4), (1, 1),
                                                      (5, 2)])
def test_shards_at_once_never_exceed_the_run_concurrency(concurrency: int,
                                                         workers: int) -> None:
    window, share = split_concurrency(concurrency, workers)
    assert 1 <= window <= workers and share >= 1
    assert window * share <= concurrency


async def test_a_retry_after_pauses_every_token() -> None:
    coordinator = Coordinator(requests_per_minute=6000)
    coordinator.hold(time.time() + 0.4)
    started = time.perf_counter()
    await coordinator.token()
    assert time.perf_counter() - started >= 0.35
    assert coordinator.stored([("c", 0, "ok", False)]) > 0  # workers learn the pause
    assert coordinator.take() == [("c", 0, "ok", False)] and coordinator.take() == []


def test_a_case_keeps_its_shard() -> None:
    assert [shard_of("tc-1", 8) for _ in range(3)] == [shard_of("tc-1", 8)] * 3
    assert len({shard_of(f"tc-{i}", 8) for i in range(200)}) == 8
