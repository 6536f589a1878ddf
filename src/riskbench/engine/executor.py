"""The local executor: one asyncio loop, a fixed pool of workers, per-model limits.

Workers pull (test case, sample) pairs from one iterator, so a million pending attempts
cost no more memory than a thousand. Each finished attempt goes to `sink` (judging and
the store's batched writer) before the worker takes the next one, which bounds the work
in progress to the concurrency.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace

from aiolimiter import AsyncLimiter

from riskbench.attacks.adaptive import adaptive_attacks
from riskbench.attacks.adaptive.base import AdaptiveResult, Episode, InjectionResult
from riskbench.engine import collector
from riskbench.engine.cache import ResponseCache, cache_key
from riskbench.engine.retry import with_retries
from riskbench.errors import BlockedError, ModelError
from riskbench.models.base import Model
from riskbench.models.keys import scrub
from riskbench.types import Attempt, AttemptStatus, Generation, Message, TestCase, stable_hash

Sink = Callable[[TestCase, Attempt], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class EngineOptions:
    concurrency: int = 64
    requests_per_minute: float | None = None
    timeout_s: float = 120.0
    retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0


@dataclass(frozen=True, slots=True)
class Sampling:
    max_tokens: int
    temperature: float
    seed: int


# An attacker should explore; a judge should be repeatable and short; a translator should
# be faithful and have room for a whole reply.
HELPER_SAMPLING = {"attacker": (1.0, 768), "judge": (0.0, 32), "translator": (0.0, 1024)}
# Roles played by another role's model: the translation attack's translator is --attacker.
HELPER_MODEL = {"translator": "attacker"}


class Executor:
    def __init__(
        self, model: Model, options: EngineOptions, sampling: Sampling,
        cache: ResponseCache | None = None, helpers: dict[str, Model] | None = None,
        limiter: AbstractAsyncContextManager[object] | None = None,
    ) -> None:
        """`helpers` are the attacker and judge models of adaptive attacks, by role.
        `limiter` is entered before each call's time-out starts; by default a
        requests-per-minute bucket of this process (the Ray executor passes one shared by
        every worker of the run)."""
        self.model = model
        self.helpers = helpers or {}
        self.options = options
        self.sampling = sampling
        self.cache = cache
        self._limiter = limiter or (
            AsyncLimiter(options.requests_per_minute, 60.0)
            if options.requests_per_minute else None
        )

    async def execute(self, run_id: str, work: Iterable[tuple[TestCase, int]], sink: Sink) -> None:
        pending = iter(work)

        async def worker() -> None:
            for case, sample in pending:
                await sink(case, await self.attempt(run_id, case, sample))

        with collector.paced():
            await asyncio.gather(*(worker() for _ in range(self.options.concurrency)))
        if self.cache is not None:
            self.cache.flush()

    async def attempt(self, run_id: str, case: TestCase, sample: int) -> Attempt:
        """Play the conversation (opening messages, then each scripted follow-up)."""
        if "agent" in case.params:  # tools in the loop (engine/agent_loop.py)
            return await self._agent(run_id, case, sample)
        if "adaptive" in case.params:  # helper models in the loop (any family)
            return await self._adaptive(run_id, case, sample)
        started = time.perf_counter()
        transcript = list(case.conversation.messages)
        turns = [None, *case.conversation.followups]
        prompt_tokens = completion_tokens = 0
        all_cached = True
        status: AttemptStatus = "ok"
        error = ""
        output = ""
        for followup in turns:
            if followup is not None:
                transcript.append(Message("user", followup))
            try:
                generation, cached = await self._generate(transcript, sample)
            except BlockedError as exc:
                status, error = "blocked", scrub(str(exc))
            except TimeoutError:
                status, error = "timeout", f"no reply within {self.options.timeout_s:g} s"
            except ModelError as exc:
                status, error = "error", scrub(str(exc))
            if status != "ok":
                break
            all_cached &= cached
            transcript.append(Message("assistant", generation.text))
            output = generation.text
            prompt_tokens += generation.prompt_tokens
            completion_tokens += generation.completion_tokens
        return Attempt(
            run_id=run_id, test_case_id=case.id, sample=sample, status=status,
            output=output, transcript=tuple(transcript), prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens, latency_s=time.perf_counter() - started,
            error=error, cached=all_cached and status == "ok",
        )

    async def complete(self, messages: Sequence[Message], max_tokens: int | None = None,
                       sample: int = 0) -> str:
        """One reply of this executor's model, through cache, retries and limits; what
        rubric judges call their judge model with."""
        sampling = replace(self.sampling, max_tokens=max_tokens) if max_tokens else None
        return (await self._generate(list(messages), sample, sampling=sampling))[0].text

    async def _adaptive(self, run_id: str, case: TestCase, sample: int) -> Attempt:
        """Run an adaptive attack's search; every target, attacker and judge call goes
        through the same cache, retries, time-outs and rate limit."""
        started = time.perf_counter()
        attack = adaptive_attacks.get(case.attack.split("[")[0])

        async def target(messages: Sequence[Message]) -> str:
            return (await self._generate(list(messages), sample))[0].text

        async def search() -> Attempt:
            result = await attack.run(case.item, target, self._ask(sample),
                                      **dict(case.params.get("adaptive", {})))
            if not isinstance(result, AdaptiveResult):
                raise TypeError(f"{case.attack} is an agent attack; this case has no agent")
            return Attempt(run_id=run_id, test_case_id=case.id, sample=sample, status="ok",
                           output=result.output, transcript=result.transcript,
                           latency_s=time.perf_counter() - started)

        return await self._guarded(run_id, case, sample, started, search())

    def _ask(self, sample: int) -> Callable[[str, Sequence[Message]], Awaitable[str]]:
        """A helper model's reply by role (attacker, judge, translator)."""

        async def ask(role: str, messages: Sequence[Message]) -> str:
            temperature, max_tokens = HELPER_SAMPLING[role]
            sampling = Sampling(max_tokens, temperature, self.sampling.seed)
            model = self.helpers[HELPER_MODEL.get(role, role)]
            generation, _ = await self._generate(list(messages), sample, model, sampling)
            return generation.text

        return ask

    async def _guarded(self, run_id: str, case: TestCase, sample: int, started: float,
                       work: Awaitable[Attempt]) -> Attempt:
        """A loop of model calls (adaptive search, agent) whose failure fails the attempt."""
        try:
            return await work
        except TimeoutError:
            return self._failed(run_id, case, sample, "timeout",
                                f"no reply within {self.options.timeout_s:g} s", started)
        except ModelError as exc:
            status: AttemptStatus = "blocked" if isinstance(exc, BlockedError) else "error"
            return self._failed(run_id, case, sample, status, scrub(str(exc)), started)

    async def _agent(self, run_id: str, case: TestCase, sample: int) -> Attempt:
        """Run the agent loop against the case's environment, or, under an adaptive
        injection attack, the attack's search over episodes (engine/agent_episode.py);
        each model call goes through the same cache, retries, time-outs and rate limit."""
        from riskbench.engine.agent_episode import play_episode

        started = time.perf_counter()
        agent = case.params["agent"]
        native = bool(getattr(self.model, "native_tools", False))
        searched = "adaptive" in case.params and bool(agent["task"].get("injection_task"))

        async def step(messages: Sequence[Message], tools: Sequence[dict] | None
                       ) -> Generation:
            return (await self._generate(list(messages), sample, tools=tools))[0]

        async def play(injections: Mapping[str, str]) -> Episode:
            return await play_episode(case, injections, step, native=native, check=searched)

        async def loop() -> Attempt:
            if searched:
                attack = adaptive_attacks.get(case.attack.split("[")[0])
                found = await attack.run(case.item, play, self._ask(sample),
                                         **dict(case.params["adaptive"]))
                if not isinstance(found, InjectionResult):
                    raise TypeError(f"{case.attack} is not an attack on agents")
                transcript, done = found.transcript, found.final
                tokens = (found.prompt_tokens, found.completion_tokens)
            else:
                done = await play(agent["injections"])
                transcript, tokens = done.transcript, (done.prompt_tokens,
                                                       done.completion_tokens)
            return Attempt(run_id=run_id, test_case_id=case.id, sample=sample, status="ok",
                           output=done.output, transcript=transcript,
                           prompt_tokens=tokens[0], completion_tokens=tokens[1],
                           latency_s=time.perf_counter() - started)

        return await self._guarded(run_id, case, sample, started, loop())

    def _failed(self, run_id: str, case: TestCase, sample: int, status: AttemptStatus,
                error: str, started: float) -> Attempt:
        return Attempt(run_id=run_id, test_case_id=case.id, sample=sample, status=status,
                       output="", transcript=case.conversation.messages, error=error,
                       latency_s=time.perf_counter() - started)

    async def _generate(self, messages: list[Message], sample: int, model: Model | None = None,
                        sampling: Sampling | None = None, tools: Sequence[dict] | None = None
                        ) -> tuple[Generation, bool]:
        """`tools`: native tool calls (the model's generate_tools); they enter the key."""
        model = model or self.model
        s = sampling or self.sampling
        seed = s.seed + sample
        if self.cache is None:
            key = ""
        else:
            spec = f"{model.spec}|tools:{stable_hash(list(tools))}" if tools else model.spec
            key = cache_key(spec, messages, s.max_tokens, s.temperature, s.seed, sample)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit, True

        async def bounded() -> Generation:
            async with asyncio.timeout(self.options.timeout_s):
                if tools:
                    return await model.generate_tools(  # type: ignore[attr-defined]
                        messages, tools, max_tokens=s.max_tokens,
                        temperature=s.temperature, seed=seed)
                return await model.generate(
                    messages, max_tokens=s.max_tokens, temperature=s.temperature, seed=seed
                )

        async def limited() -> Generation:
            assert self._limiter is not None
            async with self._limiter:  # entered before the time-out starts
                return await bounded()

        # no limiter: no context of its own (an empty `async with` per call is measurable)
        call = bounded if self._limiter is None else limited

        o = self.options
        generation, _ = await with_retries(
            call, retries=o.retries, base_s=o.backoff_base_s, max_s=o.backoff_max_s
        )
        if self.cache is not None:
            self.cache.put(key, generation)
        return generation, False
