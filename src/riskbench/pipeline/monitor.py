"""The frontier-risk monitor's Python API, over the store and the metrics. The CLI
(`riskbench models ...`, `riskbench monitor ...`) and the dashboard call this.

Runs link to registry models by the run's model spec: a run counts for the registry
model whose id equals its spec or whose `specs` list holds it (`riskbench models add
NAME --spec openai:gpt-4o`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from riskbench.errors import UsageError
from riskbench.metrics import monitor as m
from riskbench.metrics.monitor import (
    GroupComparison,
    Growth,
    JailbreakRow,
    RiskPoint,
    TrendPoint,
)
from riskbench.metrics.monitor_config import BenchmarkSpec, DomainConfig, MonitorConfig
from riskbench.metrics.monitor_config import load_config as domains
from riskbench.metrics.monitor_import import read_scores
from riskbench.metrics.monitor_scores import (
    cumulative_max_risk,
    family_trends,
    frontier,
    get_model_info,
    group_comparison,
    growth,
    jailbreak_table,
    list_imported,
    list_models,
    load_scores,
    score_row,
)
from riskbench.models import catalog_file
from riskbench.store import monitor as sm
from riskbench.types import BenchmarkValue, DomainScore, ImportedScore, ModelInfo

__all__ = [
    "BenchmarkSpec", "BenchmarkValue", "DomainConfig", "DomainScore", "GroupComparison",
    "Growth", "ImportedScore", "JailbreakRow", "ModelInfo", "MonitorConfig", "RiskPoint",
    "TrendPoint", "add_model", "compute_scores", "cumulative_max_risk", "domains",
    "export_models", "family_trends", "frontier", "get_model_info", "group_comparison",
    "growth", "import_models", "import_scores", "jailbreak_table", "list_imported",
    "list_models", "load_scores",
]


def add_model(db: Engine, model: ModelInfo, replace: bool = False) -> ModelInfo:
    """Add one model; an existing id is a UsageError unless `replace`."""
    model = catalog_file.check_model(model, "model")
    if not replace and sm.find_model(db, model.id) is not None:
        raise UsageError(f"model {model.id!r} is already in the registry; pass --replace "
                         "to overwrite it")
    sm.save_model(db, model)
    return model


def import_models(db: Engine, path: Path, replace: bool = True) -> list[ModelInfo]:
    """Read a registry YAML (the format `export_models` writes, or models/data/
    catalog.yaml) and store every model in it, all or none."""
    models = catalog_file.read_models(path)
    if not replace:
        taken = [m.id for m in models if sm.find_model(db, m.id) is not None]
        if taken:
            raise UsageError(f"{path}: model {taken[0]!r} is already in the registry; "
                             "pass --replace to overwrite")
    sm.save_models(db, models)
    return models


def export_models(db: Engine, path: Path) -> int:
    """Write the registry as YAML that `import_models` reads back; returns the count."""
    models = sm.get_models(db)
    catalog_file.write_models(models, path)
    return len(models)


def import_scores(db: Engine, path: Path, source: str | None = None,
                  config: MonitorConfig | None = None) -> list[ImportedScore]:
    """Store benchmark scores measured elsewhere (CSV: model, benchmark, score, optional
    n, source, date), all or none; every row is checked against the registry and the
    domain config first."""
    config = config or domains()
    scores = read_scores(path, config, source, sm.get_models(db))
    sm.add_imported(db, scores)
    return scores


def compute_scores(db: Engine, config: MonitorConfig | None = None,
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
    chosen = [get_model_info(db, name) for name in models] if models else \
        sm.get_models(db)
    if not chosen:
        raise UsageError("the model registry is empty; add models with `riskbench models "
                         "add` or `riskbench models import FILE.yaml` first")
    imported: dict[tuple[str, str], ImportedScore] = {}
    for score in sm.load_imported(db):  # oldest first: the newest import wins
        imported[(score.model, score.benchmark)] = score
    at = now()
    out: list[DomainScore] = []
    for model in chosen:
        for domain in config.domains.values():
            from_runs = run_values(db, model, list(domain.benchmarks))
            from_imports = {
                b.name: m.benchmark_value(b, imp.score, imp.n, f"import:{imp.source}")
                for b in domain.benchmarks
                if (imp := imported.get((model.id, b.name))) is not None
            }
            values = {**from_imports, **from_runs} if prefer == "runs" else \
                {**from_runs, **from_imports}
            out.append(m.domain_score(model, domain, list(values.values()), config, at))
    sm.save_score_rows(db, [score_row(s) for s in out])
    return out
