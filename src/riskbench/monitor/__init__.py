"""The frontier-risk monitor's Python API, over the store and the metrics. The CLI
(`riskbench models ...`, `riskbench monitor ...`) and the dashboard call this.

Runs link to registry models by the run's model spec: a run counts for the registry
model whose id equals its spec or whose `specs` list holds it (`riskbench models add
NAME --spec openai:gpt-4o`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from riskbench.errors import UsageError
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
from riskbench.monitor import registry_file, scores_file
from riskbench.store import monitor as sm
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
    """The registry, by id."""
    return sm.get_models(engine)


def get_model_info(engine: Engine, model: str) -> ModelInfo:
    """The registry model with this id (or one of its specs); UsageError if none."""
    found = sm.find_model(engine, model)
    if found is None:
        raise UsageError(f"no model {model!r} in the registry; add it with `riskbench models "
                         "add` or `riskbench models import FILE.yaml`")
    return found


def add_model(engine: Engine, model: ModelInfo, replace: bool = False) -> ModelInfo:
    """Add one model; an existing id is a UsageError unless `replace`."""
    model = registry_file.check_model(model, "model")
    if not replace and sm.find_model(engine, model.id) is not None:
        raise UsageError(f"model {model.id!r} is already in the registry; pass --replace "
                         "to overwrite it")
    sm.save_model(engine, model)
    return model


def import_models(engine: Engine, path: Path, replace: bool = True) -> list[ModelInfo]:
    """Read a registry YAML (the format `export_models` writes, or models/data/
    catalog.yaml) and store every model in it, all or none."""
    models = registry_file.read_models(path)
    if not replace:
        taken = [m.id for m in models if sm.find_model(engine, m.id) is not None]
        if taken:
            raise UsageError(f"{path}: model {taken[0]!r} is already in the registry; "
                             "pass --replace to overwrite")
    sm.save_models(engine, models)
    return models


def export_models(engine: Engine, path: Path) -> int:
    """Write the registry as YAML that `import_models` reads back; returns the count."""
    models = sm.get_models(engine)
    registry_file.write_models(models, path)
    return len(models)


def import_scores(engine: Engine, path: Path, source: str | None = None,
                  config: MonitorConfig | None = None) -> list[ImportedScore]:
    """Store benchmark scores measured elsewhere (CSV: model, benchmark, score, optional
    n, source, date), all or none; every row is checked against the registry and the
    domain config first."""
    config = config or domains()
    scores = scores_file.read_scores(path, config, source, sm.get_models(engine))
    sm.add_imported(engine, scores)
    return scores


def list_imported(engine: Engine, model: str | None = None) -> list[ImportedScore]:
    """Every imported score with its provenance, oldest first."""
    return sm.load_imported(engine, model)


def compute(engine: Engine, config: MonitorConfig | None = None,
            models: Sequence[str] | None = None, prefer: str = "runs"
            ) -> list[DomainScore]:
    """Compute and store C, S, R for every registry model x domain from stored runs and
    imported scores; returns what was stored.

    Where both a run and an import measure a benchmark, `prefer` (runs or imports) says
    which counts; the other only fills gaps."""
    from riskbench.metrics.monitor_runs import run_values
    from riskbench.store.runs import now

    if prefer not in ("runs", "imports"):
        raise UsageError(f"prefer must be runs or imports, not {prefer!r}")
    config = config or domains()
    chosen = [get_model_info(engine, name) for name in models] if models else \
        sm.get_models(engine)
    if not chosen:
        raise UsageError("the model registry is empty; add models with `riskbench models "
                         "add` or `riskbench models import FILE.yaml` first")
    imported: dict[tuple[str, str], ImportedScore] = {}
    for score in sm.load_imported(engine):  # oldest first: the newest import wins
        imported[(score.model, score.benchmark)] = score
    at = now()
    out: list[DomainScore] = []
    for model in chosen:
        for domain in config.domains.values():
            from_runs = run_values(engine, model, list(domain.benchmarks))
            from_imports = {
                b.name: m.benchmark_value(b, imp.score, imp.n, f"import:{imp.source}")
                for b in domain.benchmarks
                if (imp := imported.get((model.id, b.name))) is not None
            }
            values = {**from_imports, **from_runs} if prefer == "runs" else \
                {**from_runs, **from_imports}
            out.append(m.domain_score(model, domain, list(values.values()), config, at))
    sm.save_score_rows(engine, [_score_row(s) for s in out])
    return out


def load_scores(engine: Engine, domain: str | None = None) -> list[DomainScore]:
    """The newest stored score per model x domain."""
    return [_score(row) for row in sm.load_score_rows(engine, domain)]


def _score_row(score: DomainScore) -> dict[str, Any]:
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
    return m.jailbreak_table(scores, tag, config or domains())


def _by_id(models: Mapping[str, ModelInfo] | Sequence[ModelInfo]) -> dict[str, ModelInfo]:
    return dict(models) if isinstance(models, Mapping) else {x.id: x for x in models}


def _one_domain(scores: Sequence[DomainScore]) -> None:
    names = {s.domain for s in scores}
    if len(names) > 1:
        raise ValueError(f"give the scores of one domain, not {sorted(names)}; "
                         "load_scores(engine, domain) selects one")
