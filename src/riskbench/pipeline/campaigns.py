"""Campaigns: every model of a spec over its suites, providers concurrently and each
within its own limits, one ordinary run per model x suite under one campaign id, and the
comparison report from the store alone."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from riskbench import metrics, report, store
from riskbench.errors import RunInterrupted, UsageError
from riskbench.judges import get_judges
from riskbench.metrics.campaign import Comparison
from riskbench.models import Model, get_model
from riskbench.pipeline.campaign_spec import CampaignSpec, ModelSpec, key_variable, parse_spec
from riskbench.pipeline.judge import validation_context
from riskbench.pipeline.options import Progress, RunOptions
from riskbench.pipeline.ray_runs import check as check_executor
from riskbench.pipeline.ray_runs import driver_model
from riskbench.pipeline.runs import RunResult, _execute, _helpers, plan
from riskbench.types import Attempt, RunConfig, TestCase


@dataclass(frozen=True)
class CampaignResult:
    campaign_id: str
    runs: tuple[tuple[str, RunResult], ...]  # (model label, result), in spec order
    reports: dict[str, Path]
    comparison: Comparison


class CampaignInterrupted(RunInterrupted):
    """A campaign stopped part-way; `run_id` holds the campaign id to resume."""


_env_lock = threading.Lock()


@contextmanager
def _key_from(spec: ModelSpec) -> Iterator[None]:
    """The provider reads its key from its own variable: for the moment of construction it
    holds the value of the variable the spec names. Nothing is written anywhere."""
    target = key_variable(spec.model)
    if not (spec.api_key_env and target):
        yield
        return
    with _env_lock:
        before = os.environ.get(target)
        os.environ[target] = os.environ[spec.api_key_env]
        try:
            yield
        finally:
            if before is None:
                del os.environ[target]
            else:
                os.environ[target] = before


def _model(spec: ModelSpec) -> Model:
    with _key_from(spec):
        return get_model(spec.model)


def _config(spec: CampaignSpec, model: ModelSpec, suite: str,
            default_attacks: tuple[str, ...]) -> RunConfig:
    return RunConfig(model=model.model, suite=suite, attacks=spec.attacks,
                     default_attacks=default_attacks, judges=spec.judges, k=spec.k,
                     seed=spec.seed, temperature=spec.sampling.temperature,
                     max_tokens=spec.sampling.max_tokens, limit=spec.limit,
                     sample=spec.sample,
                     judge_model=spec.judge_model)


class _Shared:
    """One progress over every run of the campaign: started once with the whole total."""

    def __init__(self, inner: Progress) -> None:
        self.inner = inner

    def start(self, total: int, done: int) -> None:
        return None

    def advance(self, attempt: Attempt) -> None:
        self.inner.advance(attempt)

    def stop(self) -> None:
        return None


def run_campaign(spec: CampaignSpec | None, options: RunOptions | None = None,
                 progress: Progress | None = None, resume: str | None = None,
                 default_attacks: tuple[str, ...] = ("direct",),
                 out_dir: Path | None = None) -> CampaignResult:
    """Plan every model x suite (any mistake raises before a write or a request), store
    the campaign and its runs, execute them concurrently and write the comparison. With
    `resume` (a campaign id or 'latest') the stored campaign's spec is used and each run
    finishes its missing attempts."""
    options = options or RunOptions()
    if spec is not None and not resume:
        _on_executor(options, spec)  # a refused executor: nothing stored yet
    db = store.connect(options.db_url)
    existing: dict[tuple[str, str], str] = {}
    if resume:
        campaign_id, _, stored = store.get_campaign(db, resume)
        spec = parse_spec(stored, source=f"campaign {campaign_id}")
        existing = {(r.label, r.suite): r.run_id for r in store.campaign_runs(db, campaign_id)}
    elif spec is None:
        raise UsageError("give a campaign spec or a campaign to resume")
    options = _on_executor(options, spec)
    jobs: list[tuple[int, ModelSpec, str, RunConfig, Sequence[TestCase] | None]] = []
    for m in spec.models:
        for suite in spec.suites:
            if (m.label, suite) in existing:
                run = store.get_run(db, existing[(m.label, suite)])
                get_judges(run.config.judges, validation_context(run.config))
                jobs.append((len(jobs), m, suite, run.config, None))
            else:
                the_plan = plan(_config(spec, m, suite, default_attacks))
                jobs.append((len(jobs), m, suite, the_plan.config, the_plan.cases))
    models = [driver_model(m.model, options) or _model(m) for _, m, _, _, _ in jobs]
    helpers = [_helpers(config) for _, _, _, config, _ in jobs]
    if not resume:
        campaign_id = store.create_campaign(db, spec.name or "campaign", spec.to_json())
    out_dir = out_dir or Path("reports") / campaign_id

    async def go() -> list[RunResult | BaseException]:
        for each in (*models, *(h for hs in helpers for h in hs.values())):
            await each.check()
        runs = []
        for position, m, suite, config, cases in jobs:
            if cases is None:
                run = store.get_run(db, existing[(m.label, suite)])
                cases = store.load_cases(db, run.id)
                if options.retry_errors:
                    store.forget_failed(db, run.id)
            else:
                run = store.create_run(db, config, cases)
                store.add_campaign_run(db, campaign_id, m.label, suite, run.id, position)
            runs.append((run, cases))
        shared = _Shared(progress) if progress else None
        if progress:
            total = sum(len(cases) * run.config.k for run, cases in runs)
            progress.start(total, sum(len(store.done_keys(db, run.id)) for run, _ in runs))
        tasks = []
        for (_, m, _, _, _), model, hs, (run, cases) in zip(jobs, models, helpers, runs,
                                                             strict=True):
            run_options = replace(
                options, concurrency=m.concurrency or options.concurrency,
                requests_per_minute=m.rpm or options.requests_per_minute,
                timeout_s=m.timeout or options.timeout_s,
                report_dir=out_dir / "runs" / _slug(m.label, run.id))
            tasks.append(_execute(db, run, cases, model, run_options, shared, hs))
        try:
            return list(await asyncio.gather(*tasks, return_exceptions=True))
        finally:
            if progress:
                progress.stop()

    try:
        outcomes = asyncio.run(go())
    except KeyboardInterrupt:
        raise CampaignInterrupted(campaign_id) from None
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    if any(isinstance(o, (RunInterrupted, KeyboardInterrupt)) for o in failed):
        raise CampaignInterrupted(campaign_id)
    if failed:
        raise failed[0]
    results = tuple((job[1].label, o) for job, o in zip(jobs, outcomes, strict=True)
                    if isinstance(o, RunResult))
    comparison, reports = write_campaign_report(campaign_id, options, out_dir)
    return CampaignResult(campaign_id, results, reports, comparison)


def _on_executor(options: RunOptions, spec: CampaignSpec) -> RunOptions:
    """The spec's executor unless the command line named one; checked. Ray workers read
    a provider's key from their own environment, so a model's `api_key_env` (a variable
    read on this machine only) is refused there."""
    options = replace(options, executor=options.executor if options.executor != "local"
                      else spec.executor, ray_address=options.ray_address or spec.ray_address)
    check_executor(options)
    keyed = [m.label for m in spec.models if m.api_key_env]
    if options.executor == "ray" and keyed:
        raise UsageError(f"models {keyed[0]!r}: api_key_env is not read on Ray workers; "
                         "drop it and set the provider's key variable on every node")
    return options


def _slug(label: str, run_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60]
    return f"{safe}-{run_id[-6:]}"


def campaign_labels(campaign_id: str, options: RunOptions | None = None
                    ) -> list[tuple[str, str]]:
    """(label, run id) of every run of a stored campaign."""
    db = store.connect((options or RunOptions()).db_url)
    cid, _, _ = store.get_campaign(db, campaign_id)
    runs = store.campaign_runs(db, cid)
    several = len({r.suite for r in runs}) > 1  # then a label names the suite too
    return [(f"{r.label} / {r.suite}" if several else r.label, r.run_id) for r in runs]


def compare_runs(labelled: Sequence[tuple[str, str]], options: RunOptions | None = None,
                 title: str = "comparison") -> Comparison:
    """The comparison of stored runs, from the store alone."""
    db = store.connect((options or RunOptions()).db_url)
    if not labelled:
        raise UsageError("nothing to compare: give a campaign id or run ids")
    runs = [store.get_run(db, run_id) for _, run_id in labelled]
    unfinished = [r.id for r in runs if r.status != "finished"]
    if unfinished:
        raise UsageError(f"run {unfinished[0]} is not finished; resume it first")
    return metrics.compare(db, [(label, run) for (label, _), run in zip(labelled, runs,
                                                                          strict=True)],
                           title)


def write_campaign_report(campaign_id: str, options: RunOptions | None = None,
                          out_dir: Path | None = None) -> tuple[Comparison, dict[str, Path]]:
    db = store.connect((options or RunOptions()).db_url)
    cid, name, _ = store.get_campaign(db, campaign_id)
    comparison = compare_runs(campaign_labels(cid, options), options, f"{name} ({cid})")
    folder = out_dir or Path("reports") / cid
    return comparison, report.write_comparison(comparison, folder)


def write_runs_report(run_ids: Sequence[str], options: RunOptions | None = None,
                      out_dir: Path | None = None) -> tuple[Comparison, dict[str, Path]]:
    db = store.connect((options or RunOptions()).db_url)
    labelled = []
    for run_id in run_ids:
        run = store.get_run(db, run_id)
        labelled.append((f"{run.config.model} ({run.id[-6:]})", run.id))
    comparison = compare_runs(labelled, options)
    return comparison, report.write_comparison(comparison, out_dir or Path("reports") /
                                               "comparison")
