"""The frontier-risk monitor's Python API, over the store and the metrics. The CLI
(`riskbench models ...`, `riskbench monitor ...`) and the dashboard call this.

Runs link to registry models by the run's model spec: a run counts for the registry
model whose id equals its spec or whose `specs` list holds it (`riskbench models add
NAME --spec openai:gpt-4o`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy import Engine

from riskbench.metrics import monitor as m
from riskbench.metrics.monitor import (
    BenchmarkSpec,
    BenchmarkValue,
    DomainConfig,
    DomainScore,
    GroupComparison,
    Growth,
    JailbreakRow,
    MonitorConfig,
    RiskPoint,
    TrendPoint,
)
from riskbench.store.monitor import ImportedScore, ModelInfo

__all__ = [
    "BenchmarkSpec", "BenchmarkValue", "DomainConfig", "DomainScore", "GroupComparison",
    "Growth", "ImportedScore", "JailbreakRow", "ModelInfo", "MonitorConfig", "RiskPoint",
    "TrendPoint", "add_model", "compute", "cumulative_max_risk", "domains",
    "export_models", "family_trends", "frontier", "get_model_info", "group_comparison",
    "growth", "import_models", "import_scores", "jailbreak_table", "list_imported",
    "list_models", "load_scores",
]


def domains(path: str | Path | None = None) -> MonitorConfig:
    """The domain config: the packaged YAML, or the file at `path` instead."""
    return m.load_config(path)


def list_models(engine: Engine) -> list[ModelInfo]:
    raise NotImplementedError


def get_model_info(engine: Engine, model: str) -> ModelInfo:
    """The registry model with this id (or one of its specs); UsageError if none."""
    raise NotImplementedError


def add_model(engine: Engine, model: ModelInfo, replace: bool = False) -> ModelInfo:
    raise NotImplementedError


def import_models(engine: Engine, path: Path, replace: bool = True) -> list[ModelInfo]:
    raise NotImplementedError


def export_models(engine: Engine, path: Path) -> int:
    raise NotImplementedError


def import_scores(engine: Engine, path: Path, source: str | None = None,
                  config: MonitorConfig | None = None) -> list[ImportedScore]:
    raise NotImplementedError


def list_imported(engine: Engine, model: str | None = None) -> list[ImportedScore]:
    raise NotImplementedError


def compute(engine: Engine, config: MonitorConfig | None = None,
            models: Sequence[str] | None = None) -> list[DomainScore]:
    """Compute and store C, S, R for every registry model x domain from stored runs and
    imported scores; returns what was stored."""
    raise NotImplementedError


def load_scores(engine: Engine, domain: str | None = None) -> list[DomainScore]:
    """The newest stored score per model x domain."""
    raise NotImplementedError


def frontier(scores: Sequence[DomainScore]) -> list[str]:
    """Model ids on the risk Pareto frontier of one domain's scores, by C ascending."""
    _one_domain(scores)
    return m.pareto_frontier(scores)


def cumulative_max_risk(scores: Sequence[DomainScore],
                        models: Mapping[str, ModelInfo] | Sequence[ModelInfo]
                        ) -> list[RiskPoint]:
    """One domain's R by release date with its running maximum."""
    _one_domain(scores)
    return m.cumulative_max_risk(scores, _by_id(models))


def growth(series: Sequence[RiskPoint], window_days: int = 365) -> Growth:
    """Percentage growth of the running maximum of R over the last `window_days`."""
    return m.growth(series, window_days)


def family_trends(scores: Sequence[DomainScore],
                  models: Mapping[str, ModelInfo] | Sequence[ModelInfo],
                  by: str = "family") -> dict[str, list[TrendPoint]]:
    """One domain's scores per family (or vendor, reasoning, open_weights) by date."""
    _one_domain(scores)
    return m.family_trends(scores, _by_id(models), by)


def group_comparison(scores: Sequence[DomainScore],
                     models: Mapping[str, ModelInfo] | Sequence[ModelInfo],
                     by: str = "reasoning", metric: str = "risk") -> GroupComparison:
    """Means, intervals and quartiles of C, S or R per group of one domain."""
    _one_domain(scores)
    return m.group_comparison(scores, _by_id(models), by, metric)


def jailbreak_table(scores: Sequence[DomainScore], tag: str = "jailbreak",
                    config: MonitorConfig | None = None) -> list[JailbreakRow]:
    """The values of the benchmarks tagged `tag` (jailbreak robustness), all domains."""
    return m.jailbreak_table(scores, tag, config or domains())


def _by_id(models: Mapping[str, ModelInfo] | Sequence[ModelInfo]) -> dict[str, ModelInfo]:
    return dict(models) if isinstance(models, Mapping) else {x.id: x for x in models}


def _one_domain(scores: Sequence[DomainScore]) -> None:
    names = {s.domain for s in scores}
    if len(names) > 1:
        raise ValueError(f"give the scores of one domain, not {sorted(names)}; "
                         "load_scores(engine, domain) selects one")
