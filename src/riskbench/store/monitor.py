"""The frontier-risk monitor's tables: the model registry, benchmark scores imported from
elsewhere (with provenance) and the computed domain scores (C, S, R per model x domain)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from riskbench.store.runs import now
from riskbench.store.schema import ImportedScoreRow, MonitorModelRow, MonitorScoreRow, RunRow
from riskbench.types import ImportedScore, ModelInfo

__all__ = [
    "ImportedScore", "ModelInfo", "add_imported", "find_model", "get_models", "load_imported",
    "load_score_rows", "model_runs", "save_model", "save_score_rows",
]


def _model(row: MonitorModelRow) -> ModelInfo:
    released = date.fromisoformat(row.release_date) if row.release_date else None
    return ModelInfo(row.id, row.name, row.vendor, row.family, released, row.open_weights,
                     row.reasoning, row.modality, row.beta, tuple(row.specs or ()))


def _model_values(model: ModelInfo) -> dict[str, Any]:
    return {
        "id": model.id, "name": model.name, "vendor": model.vendor, "family": model.family,
        "release_date": model.release_date.isoformat() if model.release_date else None,
        "open_weights": model.open_weights, "reasoning": model.reasoning,
        "modality": model.modality, "beta": model.beta, "specs": list(model.specs),
        "updated_at": now(),
    }


def save_model(engine: Engine, model: ModelInfo) -> None:
    """Insert or replace one registry entry (a delete and an insert in one transaction
    work the same on SQLite and PostgreSQL)."""
    save_models(engine, [model])


def save_models(engine: Engine, models: Sequence[ModelInfo]) -> None:
    """Insert or replace registry entries, all or none."""
    if not models:
        return
    with engine.begin() as conn:
        conn.execute(delete(MonitorModelRow).where(
            MonitorModelRow.id.in_([m.id for m in models])))
        conn.execute(insert(MonitorModelRow), [_model_values(m) for m in models])


def get_models(engine: Engine) -> list[ModelInfo]:
    with engine.connect() as conn:
        rows = conn.execute(select(MonitorModelRow).order_by(MonitorModelRow.id)).all()
    return [_model(MonitorModelRow(**row._mapping)) for row in rows]


def find_model(engine: Engine, key: str) -> ModelInfo | None:
    """The registry model whose id is `key` or whose specs hold it."""
    models = get_models(engine)
    return next((m for m in models if m.id == key), None) or next(
        (m for m in models if key in m.specs), None)


def add_imported(engine: Engine, scores: Iterable[ImportedScore]) -> int:
    rows = [{"model": s.model, "benchmark": s.benchmark, "score": s.score, "n": s.n,
             "source": s.source, "file": s.file, "imported_at": s.imported_at,
             "measured_at": s.measured_at} for s in scores]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(ImportedScoreRow), rows)
    return len(rows)


def load_imported(engine: Engine, model: str | None = None) -> list[ImportedScore]:
    """Every imported score, oldest first (a later import of the same model x benchmark
    supersedes an earlier one)."""
    query = select(ImportedScoreRow).order_by(ImportedScoreRow.imported_at,
                                              ImportedScoreRow.id)
    if model is not None:
        query = query.where(ImportedScoreRow.model == model)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [ImportedScore(r.model, r.benchmark, r.score, r.n, r.source, r.file,
                          r.imported_at, r.measured_at) for r in rows]


def model_runs(engine: Engine, specs: Sequence[str]) -> list[dict[str, Any]]:
    """The runs of any of these model specs, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(RunRow.id, RunRow.model, RunRow.suite, RunRow.status, RunRow.config,
                   RunRow.created_at)
            .where(RunRow.model.in_(list(specs)))
            .order_by(RunRow.created_at.desc(), RunRow.id.desc())
        ).all()
    return [dict(r._mapping) for r in rows]


def save_score_rows(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> None:
    """Replace the scores of the same model x domain x version, all in one transaction."""
    if not rows:
        return
    with engine.begin() as conn:
        for row in rows:
            conn.execute(delete(MonitorScoreRow).where(
                MonitorScoreRow.model == row["model"], MonitorScoreRow.domain == row["domain"],
                MonitorScoreRow.version == row["version"]))
        conn.execute(insert(MonitorScoreRow), [dict(r) for r in rows])


def load_score_rows(engine: Engine, domain: str | None = None) -> list[dict[str, Any]]:
    """The newest stored score per model x domain (any config version)."""
    query = select(MonitorScoreRow).order_by(MonitorScoreRow.model, MonitorScoreRow.domain,
                                             MonitorScoreRow.computed_at.desc(),
                                             MonitorScoreRow.version.desc())
    if domain is not None:
        query = query.where(MonitorScoreRow.domain == domain)
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            newest.setdefault((row.model, row.domain), dict(row._mapping))
    return list(newest.values())
