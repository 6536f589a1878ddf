"""How the embedded model groups requests into batches (no model is loaded here)."""

from __future__ import annotations

import asyncio

import pytest

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
    batch = take_batch(pending, size=32, budget=64_000)
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


def test_the_length_that_groups_can_be_tokens_not_characters() -> None:
    wordy = [request(400) for _ in range(4)]
    for r in wordy:
        r.tokens = 50  # long in characters, short in tokens
    short = [request(100) for _ in range(4)]
    for r in short:
        r.tokens = 50
    terse = [request(100) for _ in range(4)]
    for r in terse:
        r.tokens = 200
    batch = take_batch([wordy[0], *terse, *short, *wordy[1:]], 8, 16_000, lambda r: r.tokens)
    assert sorted(id(r) for r in batch) == sorted(id(r) for r in (*wordy, *short))


@pytest.mark.slow
def test_the_default_run_forms_full_batches_of_similar_prompt_lengths(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first run through the real engine, planner and tokenizer, with the
    generation replaced by a recorder and the batches formed as for `model.generate`
    (sampled requests, other architectures): the model's default concurrency must let every
    batch but the last be full, and grouped by length the prompts are padded far less
    than in arrival order (56 % more prefill tokens; bench/local_first_run.py)."""
    from riskbench.engine.executor import EngineOptions, Executor, Sampling
    from riskbench.models import get_model
    from riskbench.models.local import LocalModel
    from riskbench.pipeline import plan
    from riskbench.types import Attempt, Generation, RunConfig, TestCase

    model = get_model("local:smollm2")  # the test command installs it: missing is a failure
    assert isinstance(model, LocalModel)
    batches: list[list[_Request]] = []

    def record(batch: list[_Request]) -> list[Generation]:
        batches.append(batch)
        return [Generation(text="no", completion_tokens=1) for _ in batch]

    monkeypatch.setattr(model, "_generate_batch", record)
    monkeypatch.setattr(model, "continuous", False)  # the batches sampled requests get
    cases = plan(RunConfig(attacks=("direct", "prefix_injection", "refusal_suppression",
                                    "roleplay"), max_tokens=128)).cases
    done: list[Attempt] = []

    async def sink(case: TestCase, attempt: Attempt) -> None:
        done.append(attempt)

    executor = Executor(model, EngineOptions(concurrency=model.defaults.concurrency),
                        Sampling(128, 0.0, 0))
    asyncio.run(executor.execute("run", [(c, 0) for c in cases], sink))
    assert len(done) == len(cases) == 336 and all(a.status == "ok" for a in done)
    sizes = [len(b) for b in batches]
    assert sum(sizes) == 336 and all(s == 32 for s in sizes[:-2]), sizes
    tokens = sum(r.tokens for b in batches for r in b)
    padded = sum(len(b) * max(r.tokens for r in b) for b in batches)
    assert padded / tokens < 1.2, (padded, tokens)
