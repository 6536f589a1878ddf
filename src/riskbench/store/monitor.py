"""The frontier-risk monitor's tables: the model registry, benchmark scores imported from
elsewhere (with provenance) and the computed domain scores (C, S, R per model x domain)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["ImportedScore", "ModelInfo"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the monitor tracks. `specs` are the run model specs (and aliases) that
    count as this model, so stored runs link to it; `beta` overrides the domain
    config's default safety coefficient."""

    id: str
    name: str
    vendor: str = ""
    family: str = ""
    release_date: date | None = None
    open_weights: bool = False
    reasoning: bool = False
    modality: str = "text"
    beta: float | None = None
    specs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedScore:
    """One benchmark score measured elsewhere, in the benchmark's own unit (percent for
    rates and accuracies, 0-1 for a StrongREJECT score), with where it came from."""

    model: str
    benchmark: str
    score: float
    n: int | None
    source: str
    file: str
    imported_at: str
    measured_at: str = ""
