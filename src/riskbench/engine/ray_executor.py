"""The engine half of the Ray executor: connecting, sharding, limits held for the whole
run, and local models served by actors. The local `Executor` still makes every attempt:
each shard's worker runs one, with its share of the run's concurrency and its rate limit
replaced by the run's `Coordinator`.

Ray is an optional extra (`riskbench[ray]`), imported only here and only when a run asks
for it. Judging and writing a shard's attempts belong to later stages; the pipeline's
`ray_runs` composes them with what is here.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

from aiolimiter import AsyncLimiter

from riskbench.engine.cache import ResponseCache
from riskbench.engine.executor import EngineOptions, Executor, Sampling
from riskbench.errors import TransientModelError, UsageError
from riskbench.models import get_model
from riskbench.models.base import Model, ModelDefaults
from riskbench.types import Generation, Message, TestCase

RAY_HINT = "the Ray executor needs ray; install it with: pip install -e '.[ray]'"
NAMESPACE = "riskbench"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# Providers whose weights load in-process: served by one actor per model on the cluster.
ACTOR_PROVIDERS = ("local", "hf")
MAX_HOLD_S = 300.0  # the longest Retry-After honoured, as engine.retry caps it
# An actor whose process or node is lost starts again and its calls are sent again (they
# are idempotent: a judgement, a seeded generation, a token), instead of stopping the run.
RESTARTS = {"max_restarts": 2, "max_task_retries": 2}


def import_ray() -> ModuleType:
    try:
        import ray
    except ModuleNotFoundError:
        raise UsageError(RAY_HINT) from None
    return ray


def is_local_address(address: str | None) -> bool:
    """No address (a Ray instance of our own) or a head on this machine's loopback."""
    if address in (None, "", "local"):
        return True
    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    return host in LOOPBACK


def shard_of(test_case_id: str, shards: int) -> int:
    """A case's shard, the same on every machine and run (not Python's salted hash)."""
    return int(hashlib.sha256(test_case_id.encode()).hexdigest()[:12], 16) % shards


def split(work: Iterable[tuple[TestCase, int]], shards: int
          ) -> list[list[tuple[TestCase, int]]]:
    """Work by shard of its test case; all samples of a case land in the same shard."""
    out: list[list[tuple[TestCase, int]]] = [[] for _ in range(shards)]
    for case, sample in work:
        out[shard_of(case.id, shards)].append((case, sample))
    return [part for part in out if part]


@dataclass(frozen=True)
class RayResources:
    """What a cluster reserves: each shard's worker, the judges' actor and a local
    model's actor. `model_gpus` None: one GPU where the cluster has any, else none."""

    shard_cpus: float = 1.0
    judge_cpus: float = 1.0
    model_gpus: float | None = None


def connect(address: str | None, num_cpus: int = 2) -> ModuleType:
    """Ray, connected: to `address`, or to a small Ray instance of our own (no dashboard,
    worker logs kept off the terminal, a bounded object store)."""
    ray = import_ray()
    if ray.is_initialized():
        return ray
    common: dict[str, Any] = {"namespace": NAMESPACE, "log_to_driver": False,
                              "configure_logging": False}
    if address in (None, "", "local"):
        ray.init(num_cpus=num_cpus, object_store_memory=80 * 2**20, include_dashboard=False,
                 **common)
    else:
        ray.init(address=address, **common)
    return ray


def node_addresses(ray: ModuleType) -> set[str]:
    return {n["NodeManagerAddress"] for n in ray.nodes() if n.get("Alive")}


class Coordinator:
    """One per run (one model), named after it: the run's requests-per-minute bucket for
    every worker of the cluster together, the pause a server asked for (Retry-After), and
    the tally of stored attempts that the driver's progress reads.

    Concurrency needs no call here: the driver runs at most `window` shards at once and
    gives each `share` requests in flight (see `split_concurrency`), so their sum never
    exceeds the run's limit, and a worker that dies takes its requests with it."""

    def __init__(self, requests_per_minute: float | None) -> None:
        self._bucket = AsyncLimiter(requests_per_minute, 60.0) if requests_per_minute else None
        self._not_before = 0.0  # wall clock: workers on other machines compare with it
        self._stored: list[tuple[str, int, str, bool]] = []

    async def token(self) -> None:
        """One request's token (only asked when the run has a requests-per-minute cap)."""
        while (wait := self._not_before - time.time()) > 0:
            await asyncio.sleep(wait)
        if self._bucket is not None:
            await self._bucket.acquire()

    def hold(self, until: float) -> None:
        """A server asked every client to wait: no token before `until` (wall clock)."""
        self._not_before = max(self._not_before, min(until, time.time() + MAX_HOLD_S))

    def stored(self, keys: list[tuple[str, int, str, bool]]) -> float:
        """A worker's newly stored (test case, sample, status, cached); answers the pause
        in force, which the worker then keeps for every request it sends."""
        self._stored.extend(keys)
        return self._not_before

    def take(self) -> list[tuple[str, int, str, bool]]:
        """What was stored since the last call."""
        out, self._stored = self._stored, []
        return out


def split_concurrency(concurrency: int, workers: int) -> tuple[int, int]:
    """(shards at once, requests in flight per shard) within the run's concurrency."""
    window = max(1, min(workers, concurrency))
    return window, concurrency // window


class GlobalLimit:
    """The executor's limiter, entered before its time-out starts, so waiting never counts
    as the model's time: the run's pause (Retry-After, from any worker) and, with a
    requests-per-minute cap, a token of the run's bucket."""

    def __init__(self, coordinator: Any, rate_limited: bool) -> None:
        self.coordinator, self.rate_limited = coordinator, rate_limited
        self.not_before = 0.0  # refreshed by the shard's periodic flush

    async def __aenter__(self) -> None:
        while (wait := self.not_before - time.time()) > 0:
            await asyncio.sleep(wait)
        if self.rate_limited:
            await self.coordinator.token.remote()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if isinstance(exc, TransientModelError) and exc.retry_after:
            until = time.time() + min(exc.retry_after, MAX_HOLD_S)
            self.not_before = max(self.not_before, until)
            self.coordinator.hold.remote(until)


def shard_executor(model: Model, options: EngineOptions, sampling: Sampling,
                   cache: ResponseCache | None, helpers: dict[str, Model],
                   limit: GlobalLimit) -> Executor:
    """The local Executor of one shard (`options.concurrency` is the shard's share),
    limited by the run's GlobalLimit instead of a limiter of its own."""
    return Executor(model, EngineOptions(
        concurrency=options.concurrency, requests_per_minute=None, timeout_s=options.timeout_s,
        retries=options.retries, backoff_base_s=options.backoff_base_s,
        backoff_max_s=options.backoff_max_s), sampling, cache, helpers, limiter=limit)


class ModelServer:
    """A local model (`local:`, `hf:`) loaded once in an actor; concurrent requests from
    every shard arrive together, so the model's own batching sees them as one batch."""

    def __init__(self, spec: str) -> None:
        self.model = get_model(spec)

    async def check(self) -> ModelDefaults:
        await self.model.check()
        return self.model.defaults

    async def generate(self, messages: Sequence[Message], max_tokens: int, temperature: float,
                       seed: int) -> Generation:
        return await self.model.generate(messages, max_tokens=max_tokens,
                                         temperature=temperature, seed=seed)


class ActorModel:
    """A Model whose calls go to a ModelServer actor."""

    def __init__(self, spec: str, handle: Any, defaults: ModelDefaults) -> None:
        self.spec, self.handle, self.defaults = spec, handle, defaults

    async def generate(self, messages: Sequence[Message], *, max_tokens: int,
                       temperature: float, seed: int) -> Generation:
        result: Generation = await self.handle.generate.remote(list(messages), max_tokens,
                                                               temperature, seed)
        return result

    async def check(self) -> None:
        await self.handle.check.remote()

    async def aclose(self) -> None:
        return None


class ClusterModel:
    """The driver's stand-in for a model served by an actor: the weights load on the
    cluster (ModelServer), not in the driver, which only needs the spec."""

    defaults = ModelDefaults()

    def __init__(self, spec: str) -> None:
        self.spec = spec

    async def generate(self, messages: Sequence[Message], *, max_tokens: int,
                       temperature: float, seed: int) -> Generation:
        raise RuntimeError("a cluster model answers through its ModelServer actor")

    async def check(self) -> None:
        return None  # checked where it loads, by ModelServer.check

    async def aclose(self) -> None:
        return None


def model_server(ray: ModuleType, spec: str, resources: RayResources) -> Any:
    """The cluster's actor for a local model, started once per model spec."""
    gpus = resources.model_gpus
    if gpus is None:
        gpus = 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
    return ray.remote(ModelServer).options(
        name=f"model:{spec}", get_if_exists=True, num_gpus=gpus, num_cpus=1,
        max_concurrency=256, **RESTARTS).remote(spec)


def served_by_actor(spec: str) -> bool:
    return spec.partition(":")[0] in ACTOR_PROVIDERS


def coordinator(ray: ModuleType, run_id: str, requests_per_minute: float | None) -> Any:
    """The run's Coordinator, found by name: every shard and retry of the run shares it."""
    return ray.remote(Coordinator).options(
        name=f"run:{run_id}", get_if_exists=True, num_cpus=0, max_concurrency=10_000,
        **RESTARTS).remote(requests_per_minute)


__all__ = ["RAY_HINT", "RESTARTS", "ActorModel", "ClusterModel", "Coordinator", "GlobalLimit",
           "ModelServer", "RayResources", "connect", "coordinator", "import_ray",
           "is_local_address", "model_server", "node_addresses", "served_by_actor",
           "shard_executor", "shard_of", "split", "split_concurrency"]
