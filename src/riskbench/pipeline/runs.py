"""Runs: plan, evaluate, resume and reports. The stages (suites -> attacks -> engine ->
judges -> store -> metrics -> report) only meet in `riskbench.pipeline`; none imports a
later one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from riskbench import attacks, judges, metrics, report, store
from riskbench.engine import (
    EngineOptions,
    Executor,
    ResponseCache,
    Sampling,
    collector,
    default_cache_path,
)
from riskbench.errors import RunInterrupted, UsageError
from riskbench.judges import get_judges
from riskbench.metrics import RunScores
from riskbench.models import Model, get_model
from riskbench.pipeline import judge_worker, loop
from riskbench.pipeline.judge import judge_context, validation_context
from riskbench.pipeline.judge_worker import ProcessSink
from riskbench.pipeline.options import Progress, RunOptions
from riskbench.pipeline.ray_runs import check as check_executor
from riskbench.pipeline.ray_runs import driver_model, ray_attempts, worker_url
from riskbench.pipeline.sink import JudgingSink
from riskbench.suites import Suite, load_suite
from riskbench.suites.sample import stratified
from riskbench.types import Item, Run, RunConfig, TestCase


@dataclass(frozen=True)
class Plan:
    config: RunConfig
    cases: list[TestCase]

    @property
    def attempts(self) -> int:
        return len(self.cases) * self.config.k

    @property
    def requests(self) -> int:
        """Model calls if nothing is cached: one per turn of every attempt."""
        return sum(1 + len(c.conversation.followups) for c in self.cases) * self.config.k


@dataclass(frozen=True)
class RunResult:
    run: Run
    scores: RunScores
    reports: Mapping[str, Path]
    new_attempts: int


def plan(config: RunConfig) -> Plan:
    """Resolve every name and build the test cases; raises UsageError before any write."""
    if config.k < 1:
        raise UsageError(f"-k must be at least 1 (got {config.k})")
    if config.max_tokens < 1:
        raise UsageError(f"--max-tokens must be at least 1 (got {config.max_tokens})")
    suite = load_suite(config.suite)
    items = _limited(suite, config)
    if config.attacks:
        chosen = attacks.resolve(config.attacks, suite.modality)
        cases = attacks.build_test_cases(items, chosen, config.seed)
    else:  # none given: items bound to an attack get theirs
        cases, chosen = attacks.build_bound_test_cases(items, config.default_attacks,
                                                       config.seed, suite.modality)
    adaptive = attacks.needs_helpers(chosen)
    if adaptive and not (config.attacker and config.attack_judge):
        raise UsageError(f"adaptive attack {adaptive[0]} needs --attacker MODEL and "
                         "--attack-judge MODEL (any model spec)")
    alone = [p for p in chosen if attacks.helper_roles(p) == ("attacker",)]
    if alone and not config.attacker:  # the translator, or the writer of injected text
        raise UsageError(f"attack {alone[0].name} needs --attacker MODEL, "
                         f"{getattr(alone[0].adaptive, 'attacker_is', 'its attacker')}")
    config = replace(config, attacks=tuple(a.name for a in chosen),
                     judges=config.judges or suite_judges(suite, config.judge_model))
    get_judges(config.judges, validation_context(config))
    return Plan(config, cases)


def _limited(suite: Suite, config: RunConfig) -> tuple[Item, ...]:
    if config.sample not in ("first", "stratified"):
        raise UsageError(f"unknown sample {config.sample!r}; use first or stratified")
    if not config.limit:
        return tuple(suite.items)
    if config.sample == "stratified":
        return stratified(suite.items, config.limit, config.seed)
    return tuple(suite.items[: config.limit])


def suite_judges(suite: Suite, judge_model: str | None = None) -> tuple[str, ...]:
    """The judges a suite is scored with when the user names none: the suite's own (or
    those every item names in meta["judges"], as a JSONL export keeps them), plus its
    model judges when there is a judge model; those not registered (yet) are dropped, and
    with none left it is the refusal judge."""
    wanted = list(suite.judges)
    if not wanted:
        named = {tuple(item.meta.get("judges") or ()) for item in suite.items}
        wanted = list(named.pop()) if len(named) == 1 else []
    if judge_model:
        wanted += suite.model_judges
    known = set(judges.judges.names())
    return tuple(dict.fromkeys(name for name in wanted if name in known)) or ("refusal",)


@collector.paced()  # plan, attempts, metrics and reports (engine/collector.py)
def evaluate(config: RunConfig, options: RunOptions | None = None,
             progress: Progress | None = None) -> RunResult:
    """Run a new evaluation to the end and write its reports."""
    options = options or RunOptions()
    check_executor(options)
    the_plan = plan(config)
    model = driver_model(config.model, options) or get_model(config.model)
    helpers = _helpers(config)
    db = store.connect(options.db_url)

    async def go() -> RunResult:
        for each in (model, *helpers.values()):
            await each.check()
        run = store.create_run(db, the_plan.config, the_plan.cases)
        return await _execute(db, run, the_plan.cases, model, options, progress,
                              helpers)

    return loop.run(go())


def _helpers(config: RunConfig) -> dict[str, Model]:
    """The attacker and judge models of adaptive attacks, when the run names them."""
    specs = {"attacker": config.attacker, "judge": config.attack_judge,
             "judge_model": config.judge_model}
    return {role: get_model(spec) for role, spec in specs.items() if spec}


@collector.paced()
def resume(run_id: str, options: RunOptions | None = None,
           progress: Progress | None = None) -> RunResult:
    """Finish the missing attempts of a stored run ('latest' for the newest)."""
    options = options or RunOptions()
    check_executor(options)
    db = store.connect(options.db_url)
    run = store.get_run(db, run_id)
    model = driver_model(run.config.model, options) or get_model(run.config.model)
    helpers = _helpers(run.config)
    get_judges(run.config.judges, validation_context(run.config))
    cases = store.load_cases(db, run.id)

    async def go() -> RunResult:
        for each in (model, *helpers.values()):
            await each.check()
        if options.retry_errors:
            store.forget_failed(db, run.id)
        return await _execute(db, run, cases, model, options, progress, helpers)

    return loop.run(go())


async def _execute(db: Engine, run: Run, cases: Sequence[TestCase], model: Model,
                   options: RunOptions, progress: Progress | None,
                   helpers: dict[str, Model] | None = None) -> RunResult:
    with _stops_as_interrupted(db, run.id):  # loading judges may take long, or fail
        written = await _attempts(db, run, cases, model, options, progress, helpers)
    store.set_status(db, run.id, "finished")
    run = store.get_run(db, run.id)
    scores = metrics.cached_score_run(db, run.id, run.config.judges[0], run.config.k,
                                      options.exclude_blocked)
    out_dir = options.report_dir or Path("reports") / run.id
    reports = report.write_reports(db, run, scores, out_dir, tier=options.tier)
    return RunResult(run, scores, reports, written)


@contextlib.contextmanager
def _stops_as_interrupted(db: Engine, run_id: str) -> Iterator[None]:
    """A run stopped by anything before its last attempt (Ctrl-C, a refused key, a
    crash) is `interrupted`, so `--resume` finishes it; never left `running`. Ctrl-C
    becomes RunInterrupted."""
    try:
        yield
    except (KeyboardInterrupt, asyncio.CancelledError):
        store.set_status(db, run_id, "interrupted")
        raise RunInterrupted(run_id) from None
    except BaseException:
        store.set_status(db, run_id, "interrupted")
        raise


async def _attempts(db: Engine, run: Run, cases: Sequence[TestCase], model: Model,
                    options: RunOptions, progress: Progress | None,
                    helpers: dict[str, Model] | None) -> int:
    """Run the missing attempts, each stored with its verdicts; the number written."""
    if options.executor == "ray":
        return await ray_attempts(db, run, cases, model, options, progress, helpers)
    config = run.config
    done = store.done_keys(db, run.id)
    work = [(c, s) for c in cases for s in range(config.k) if (c.id, s) not in done]
    cache = ResponseCache(options.cache_path or default_cache_path()) if options.use_cache \
        else None
    executor = Executor(
        model,
        EngineOptions(
            concurrency=options.concurrency or model.defaults.concurrency,
            requests_per_minute=options.requests_per_minute,
            timeout_s=options.timeout_s or model.defaults.timeout_s,
            retries=options.retries, backoff_base_s=options.backoff_base_s,
        ),
        Sampling(config.max_tokens, config.effective_temperature, config.seed),
        cache,
        helpers,
    )
    sink = _sink(db, run, options, progress, helpers, cache)

    stop = asyncio.Event()

    async def flush_periodically() -> None:
        """Judge what waits every 0.1 s, store every 0.5 s; stopped between batches, never
        cancelled inside one (a batch being judged would be lost)."""
        ticks = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
            await sink.drain()
            ticks += 1
            if ticks % 5 == 0:
                sink.flush()

    if progress:
        progress.start(len(cases) * config.k, len(done))
    store.set_status(db, run.id, "running")
    flusher: asyncio.Task[None] | None = None
    try:
        try:
            if isinstance(sink, ProcessSink):
                await sink.start()
            flusher = asyncio.create_task(flush_periodically())
            await executor.execute(run.id, work, sink)
        finally:
            stop.set()
            try:
                if flusher is not None:
                    await flusher
            finally:
                await sink.close()  # on any stop: what is judged is stored, the rest redone
    finally:
        if cache is not None:
            cache.close()
        for each in (model, *(helpers or {}).values()):
            await each.aclose()
        if progress:
            progress.stop()
    return sink.written


def _sink(db: Engine, run: Run, options: RunOptions, progress: Progress | None,
          helpers: dict[str, Model] | None, cache: ResponseCache | None
          ) -> JudgingSink | ProcessSink:
    """Where finished attempts are judged and stored: a worker process, or this one."""
    config = run.config
    mode = judge_worker.sink_mode(options.judge_worker, config.judge_model)
    if mode == "process":
        return ProcessSink(run.id, worker_url(db), config.judges, progress)
    chosen = get_judges(config.judges, judge_context((helpers or {}).get("judge_model"),
                                                      options, cache))
    return JudgingSink(chosen, store.AttemptWriter(db), progress, threaded=mode == "thread")


def write_run_reports(run_id: str, options: RunOptions | None = None) -> RunResult:
    """Regenerate a run's reports from the store alone."""
    options = options or RunOptions()
    db = store.connect(options.db_url)
    run = store.get_run(db, run_id)
    scores = metrics.cached_score_run(db, run.id, run.config.judges[0], run.config.k,
                                      options.exclude_blocked)
    out_dir = options.report_dir or Path("reports") / run.id
    return RunResult(run, scores, report.write_reports(db, run, scores, out_dir,
                                                       tier=options.tier), 0)


__all__ = ["Plan", "RunResult", "evaluate", "plan", "resume", "suite_judges",
           "write_run_reports"]
