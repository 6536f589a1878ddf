"""A run's missing attempts on a Ray cluster (`--executor ray`): the driver shards them by
test-case id, each shard's worker generates, judges and writes its attempts to the run's
database, and the driver shows progress; `runs` then writes the reports as for a local run.

Results are those of the local executor: the same test cases, seeds and cache keys, the
same judges (in one actor per run), attempts keyed by (run, test case, sample) and written
once (an insert of a stored key is ignored). A worker lost mid-shard is retried by Ray;
the retry first reads what its shard has stored and sends only the rest, as `--resume` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from riskbench import store
from riskbench.engine import EngineOptions, ResponseCache, Sampling, default_cache_path
from riskbench.engine import ray_executor as rx
from riskbench.errors import UsageError
from riskbench.judges import get_judges
from riskbench.models import Model, get_model
from riskbench.pipeline.judge import judge_context
from riskbench.pipeline.options import Progress, RunOptions
from riskbench.store.database import resolve_url
from riskbench.types import Attempt, Run, RunConfig, TestCase, Verdict

EXECUTORS = ("local", "ray")
SHARDS_PER_WORKER = 4  # smaller shards: a lost worker costs less, workers finish together
SHARD_RETRIES = 3


def check(options: RunOptions) -> None:
    """Before anything is written: a known executor, Ray installed, and no SQLite file for
    a cluster whose workers may sit on other machines."""
    if options.executor not in EXECUTORS:
        raise UsageError(f"unknown executor {options.executor!r}; use local or ray")
    if options.executor != "ray":
        if options.ray_address:
            raise UsageError("--ray-address needs --executor ray")
        return
    rx.import_ray()
    if options.ray_workers is not None and options.ray_workers < 1:
        raise UsageError(f"--ray-workers must be at least 1 (got {options.ray_workers})")
    if _is_sqlite(options.db_url) and not rx.is_local_address(options.ray_address):
        raise UsageError(f"a SQLite database cannot be shared by the nodes of the Ray "
                         f"cluster at {options.ray_address}; give --db postgresql+psycopg://"
                         "... (or drop --ray-address for a Ray instance on this machine)")


def driver_model(spec: str, options: RunOptions) -> Model | None:
    """On Ray, a local model (`local:`, `hf:`) loads in its actor on the cluster; the
    driver keeps a stand-in. None: the driver builds the model as for a local run."""
    if options.executor == "ray" and rx.served_by_actor(spec):
        return rx.ClusterModel(spec)
    return None


def _is_sqlite(url: str | None) -> bool:
    return resolve_url(url).startswith("sqlite")


def worker_url(db: Engine) -> str:
    """The database URL as a worker opens it: a SQLite path made absolute (workers do
    not share the driver's working folder)."""
    url = db.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=os.path.abspath(url.database))
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class ShardJob:
    """What one shard's worker needs; every name is resolved on the worker's machine
    (models, judges, API keys from its environment)."""

    run_id: str
    config: RunConfig
    db_url: str
    work: tuple[tuple[TestCase, int], ...]
    engine: EngineOptions
    cache_path: str | None
    use_cache: bool
    coordinator: Any
    judges: Any
    model_server: Any  # the ModelServer actor of a local model, or None
    defaults: Any


class JudgeServer:
    """The run's judges, loaded once (a learned tier, a scanner) in one actor with its
    own CPUs; workers send attempts in batches and get each one's verdicts back."""

    def __init__(self, config: RunConfig, options: RunOptions) -> None:
        self.cache = ResponseCache(options.cache_path or default_cache_path()) \
            if options.use_cache else None
        judge_model = get_model(config.judge_model) if config.judge_model else None
        self.judges = get_judges(config.judges, judge_context(judge_model, options, self.cache))

    def ready(self) -> bool:
        return True

    async def judge(self, pairs: Sequence[tuple[TestCase, Attempt]]) -> list[list[Verdict]]:
        per_judge = [await j.judge_batch(pairs) for j in self.judges]
        if self.cache is not None:
            self.cache.flush()
        return [list(vs) for vs in zip(*per_judge, strict=True)] if per_judge else \
            [[] for _ in pairs]


class _Batches:
    """Collects a worker's attempts for a few milliseconds and judges them in one call."""

    def __init__(self, server: Any, wait_s: float = 0.02, most: int = 64) -> None:
        self.server, self.wait_s, self.most = server, wait_s, most
        self._pending: list[tuple[TestCase, Attempt, asyncio.Future[list[Verdict]]]] = []
        self._task: asyncio.Task[None] | None = None

    async def judge(self, case: TestCase, attempt: Attempt) -> list[Verdict]:
        future: asyncio.Future[list[Verdict]] = asyncio.get_running_loop().create_future()
        self._pending.append((case, attempt, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._send())
        return await future

    async def _send(self) -> None:
        while self._pending:
            await asyncio.sleep(self.wait_s)
            batch, self._pending = self._pending[: self.most], self._pending[self.most:]
            try:
                verdicts = await self.server.judge.remote([(c, a) for c, a, _ in batch])
            except Exception as exc:
                for *_, future in batch:
                    future.set_exception(exc)
                continue
            for (*_, future), vs in zip(batch, verdicts, strict=True):
                future.set_result(vs)


def run_shard(job: ShardJob) -> int:
    """One shard on a worker: its attempts not yet stored, made, judged and written."""
    return asyncio.run(_shard(job))


async def _shard(job: ShardJob) -> int:
    db = store.connect(job.db_url)
    done = store.done_keys(db, job.run_id)
    work = [(c, s) for c, s in job.work if (c.id, s) not in done]
    if not work:
        return 0
    config = job.config
    model: Model = rx.ActorModel(config.model, job.model_server, job.defaults) \
        if job.model_server is not None else get_model(config.model)
    helpers = {role: get_model(spec) for role, spec in
               (("attacker", config.attacker), ("judge", config.attack_judge)) if spec}
    cache = ResponseCache(Path(job.cache_path) if job.cache_path else default_cache_path()) \
        if job.use_cache else None
    limit = rx.GlobalLimit(job.coordinator, job.engine.requests_per_minute is not None)
    executor = rx.shard_executor(
        model, job.engine, Sampling(config.max_tokens, config.effective_temperature,
                                    config.seed), cache, helpers, limit)
    writer = store.AttemptWriter(db)
    batches = _Batches(job.judges)
    unreported: list[tuple[str, int, str, bool]] = []

    async def flush() -> None:
        writer.flush()
        written = list(unreported)  # taken before the await: the sink keeps adding
        unreported.clear()
        limit.not_before = max(limit.not_before, await job.coordinator.stored.remote(written))

    last_flush = time.monotonic()

    async def sink(case: TestCase, attempt: Attempt) -> None:
        """Stored with its verdicts; written (and the run's pause read) twice a second."""
        nonlocal last_flush
        writer.add(attempt, await batches.judge(case, attempt))
        unreported.append((attempt.test_case_id, attempt.sample, attempt.status,
                           attempt.cached))
        if time.monotonic() - last_flush >= 0.5:
            last_flush = time.monotonic()
            await flush()

    try:
        await executor.execute(job.run_id, work, sink)
    finally:
        await flush()
        if cache is not None:
            cache.close()
        for each in (model, *helpers.values()):
            await each.aclose()
    return writer.written


async def ray_attempts(db: Engine, run: Run, cases: Sequence[TestCase], model: Model,
                       options: RunOptions, progress: Progress | None,
                       helpers: dict[str, Model] | None = None) -> int:
    """The driver: the run's missing attempts over the cluster, `ray_workers` shards at a
    time; the number written. Interrupted, it cancels the shards; what they stored stays
    for --resume."""
    config = run.config
    done = store.done_keys(db, run.id)
    work = [(c, s) for c in cases for s in range(config.k) if (c.id, s) not in done]
    try:
        if not work:
            return 0
        return await _drive(db, run, work, len(cases) * config.k, len(done), model, options,
                            progress)
    finally:
        for each in (model, *(helpers or {}).values()):
            await each.aclose()


async def _drive(db: Engine, run: Run, work: list[tuple[TestCase, int]], total: int,
                 done: int, model: Model, options: RunOptions,
                 progress: Progress | None) -> int:
    resources = rx.RayResources(judge_cpus=options.ray_judge_cpus,
                                model_gpus=options.ray_model_gpus)
    config = run.config
    actor_model = rx.served_by_actor(config.model)
    ray = rx.connect(options.ray_address, num_cpus=(options.ray_workers or 2) + math.ceil(
        resources.judge_cpus) + actor_model)
    if _is_sqlite(options.db_url) and len(rx.node_addresses(ray)) > 1:
        raise UsageError("this Ray cluster has nodes on several machines; a SQLite "
                         "database cannot be shared by them: give --db postgresql+psycopg://...")
    judges = ray.remote(JudgeServer).options(num_cpus=resources.judge_cpus,
                                             **rx.RESTARTS).remote(config, options)
    coordinator = rx.coordinator(ray, run.id, options.requests_per_minute)
    running: dict[asyncio.Future[int], Any] = {}
    try:
        await judges.ready.remote()  # placed before any shard waits on it (no deadlock)
        server = rx.model_server(ray, config.model, resources) if actor_model else None
        defaults = (await server.check.remote()) if server is not None else model.defaults
        engine = EngineOptions(
            concurrency=options.concurrency or defaults.concurrency,
            requests_per_minute=options.requests_per_minute,
            timeout_s=options.timeout_s or defaults.timeout_s,
            retries=options.retries, backoff_base_s=options.backoff_base_s)
        window, share = rx.split_concurrency(engine.concurrency, options.ray_workers or max(
            1, int(ray.cluster_resources().get("CPU", 1) - resources.judge_cpus
                   - actor_model)))
        task = ray.remote(run_shard).options(num_cpus=resources.shard_cpus,
                                             max_retries=SHARD_RETRIES,
                                             scheduling_strategy="SPREAD")
        cache_path = str(options.cache_path) if options.cache_path else None
        shard_engine = replace(engine, concurrency=share)
        jobs = [ShardJob(run.id, config, worker_url(db), tuple(part), shard_engine,
                         cache_path, options.use_cache, coordinator, judges, server, defaults)
                for part in rx.split(work, window * SHARDS_PER_WORKER)]
        if progress:
            progress.start(total, done)
        store.set_status(db, run.id, "running")
        written = 0
        while jobs or running:
            while jobs and len(running) < window:
                ref = task.remote(jobs.pop(0))
                running[asyncio.ensure_future(ref)] = ref
            finished, _ = await asyncio.wait(running, timeout=0.5,
                                             return_when=asyncio.FIRST_COMPLETED)
            await _report(coordinator, run.id, progress)
            for future in finished:
                del running[future]
                written += future.result()  # a shard's error (after Ray's retries) stops all
        await _report(coordinator, run.id, progress)
        return written
    finally:
        for ref in running.values():
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        for actor in (judges, coordinator):
            with contextlib.suppress(Exception):
                ray.kill(actor)
        if progress:
            progress.stop()


async def _report(coordinator: Any, run_id: str, progress: Progress | None) -> None:
    """The attempts workers stored since the last call, to the driver's progress."""
    if progress:
        for tc, sample, status, cached in await coordinator.take.remote():
            progress.advance(Attempt(run_id, tc, sample, status, "", (),
                                     cached=cached))
