"""The adaptive-search section of a run report: queries per success per searched attack
(metrics/searches.py), as data; the renderers escape the attack names (user text)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from riskbench.metrics.searches import search_scores
from riskbench.types import Run


def section(engine: Engine, run: Run, judge: str) -> list[dict[str, Any]] | None:
    """None for a run without a counted search."""
    rows = [{"attack": s.key, "tries_per_success": s.value, **dict(s.extra)}
            for s in search_scores(engine, run.id, judge, run.config.attacks)]
    return rows or None
