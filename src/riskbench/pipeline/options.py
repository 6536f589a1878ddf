"""How a run executes (options that never change its results) and how it reports
progress; shared by every pipeline entry point and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from riskbench.types import Attempt


class Progress(Protocol):
    def start(self, total: int, done: int) -> None: ...
    def advance(self, attempt: Attempt) -> None: ...
    def stop(self) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    """How a run executes; none of this changes its results."""

    db_url: str | None = None
    concurrency: int | None = None
    requests_per_minute: float | None = None
    timeout_s: float | None = None
    retries: int = 5
    backoff_base_s: float = 1.0
    use_cache: bool = True
    cache_path: Path | None = None
    report_dir: Path | None = None
    tier: str = "both"  # reports: public, restricted or both (report/__init__.py)
    exclude_blocked: bool = False  # provider blocks out of the rates (model-only figures)
    retry_errors: bool = False
    # where attempts are made: this process (local) or a Ray cluster (docs/scaling.md)
    executor: str = "local"
    ray_address: str | None = None  # None: a Ray instance of this run's own
    ray_workers: int | None = None  # shards in parallel (default: the cluster's CPUs)
    ray_judge_cpus: float = 1.0
    ray_model_gpus: float | None = None  # local models' actor; None: 1 if the cluster has GPUs
    # judging and storing: in a worker process (`process`), judged in the engine's with
    # a writer thread storing (`thread`, what `auto` picks), or both on the engine's loop
    # (`inline`); pipeline/judge_worker.py. None: RISKBENCH_JUDGE_WORKER, else auto
    judge_worker: str | None = None
