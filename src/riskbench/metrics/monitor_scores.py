"""The monitor's stored registry and scores, read side: what the report, the dashboard
and `riskbench.pipeline.monitor` share. Each view takes one domain's scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine

from riskbench.errors import UsageError
from riskbench.metrics import monitor as m
from riskbench.metrics.monitor import GroupComparison, Growth, JailbreakRow, RiskPoint, TrendPoint
from riskbench.metrics.monitor_config import MonitorConfig, load_config
from riskbench.store import monitor as sm
from riskbench.types import BenchmarkValue, DomainScore, ImportedScore, ModelInfo


def list_models(engine: Engine) -> list[ModelInfo]:
    """The registry, by id."""
    return sm.get_models(engine)


def get_model_info(engine: Engine, model: str) -> ModelInfo:
    """The registry model with this id (or one of its specs); UsageError if none."""
    found = sm.find_model(engine, model)
    if found is None:
        raise UsageError(f"no model {model!r} in the registry; add it with `riskbench models "
                         "add` or `riskbench models import FILE.yaml`")
    return found


def list_imported(engine: Engine, model: str | None = None) -> list[ImportedScore]:
    """Every imported score with its provenance, oldest first."""
    return sm.load_imported(engine, model)


def load_scores(engine: Engine, domain: str | None = None) -> list[DomainScore]:
    """The newest stored score per model x domain."""
    return [_score(row) for row in sm.load_score_rows(engine, domain)]


def illustrative(scores: Sequence[DomainScore]) -> bool:
    """True when any score rests on a benchmark value whose source is marked
    ILLUSTRATIVE (invented example numbers): every page showing it must say so."""
    return any("illustrative" in v.source.lower() for s in scores for v in s.benchmarks)


def score_row(score: DomainScore) -> dict[str, Any]:
    row = asdict(score)
    row["missing"] = list(score.missing)
    row["benchmarks"] = [asdict(v) for v in score.benchmarks]
    return row


def _score(row: Mapping[str, Any]) -> DomainScore:
    values = tuple(BenchmarkValue(**v) for v in row["benchmarks"])
    return DomainScore(row["model"], row["domain"], row["capability"], row["safety"],
                       row["risk"], row["beta"], row["version"], row["computed_at"],
                       tuple(row["missing"]), values)


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
    return m.jailbreak_table(scores, tag, config or load_config())


def _by_id(models: Mapping[str, ModelInfo] | Sequence[ModelInfo]) -> dict[str, ModelInfo]:
    return dict(models) if isinstance(models, Mapping) else {x.id: x for x in models}


def _one_domain(scores: Sequence[DomainScore]) -> None:
    names = {s.domain for s in scores}
    if len(names) > 1:
        raise ValueError(f"give the scores of one domain, not {sorted(names)}; "
                         "load_scores(engine, domain) selects one")
