"""The harmful-agent-task section of a run report: AgentHarm's metrics on the harmful
tasks and their benign twins (metrics/agent_harm.py), overall and per category, language
and attack, and the transcripts of jobs carried out, every call and result shown. Data
only; the renderers escape it like all model output."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from riskbench.metrics.agent_harm import GROUPS, agent_harm_scores
from riskbench.report.agents import score_tables, unsafe_transcripts
from riskbench.types import Run

TITLES = {"overall": "Suite", "category": "By category", "lang": "By language",
          "attack": "By attack"}


def section(engine: Engine, run: Run, tier: str) -> dict[str, Any] | None:
    """None for a run without agent-harm cases."""
    scores = agent_harm_scores(engine, run.id)
    if not scores:
        return None
    return {"tables": score_tables(scores, GROUPS, run.config.suite), "titles": TITLES,
            "carried_out": unsafe_transcripts(engine, run.id, "agent_harm", tier)}
