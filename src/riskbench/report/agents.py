"""The agent section of a run report: utility, utility under attack, attack success per
suite, attack and injection task (metrics/agents.py), and transcripts that show every
tool call and every tool result. Data only; the renderers escape it like all model
output (a tool result holds attacker text, a call's arguments are model output)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from riskbench.metrics.agents import GROUPS, agent_scores
from riskbench.store import load_attempts
from riskbench.store.schema import VerdictRow
from riskbench.types import Message, Run, Score, ToolCallMessage, ToolResultMessage

TRANSCRIPTS = 5
TITLES = {"overall": "Suite", "attack": "By attack", "injection_task": "By injection task"}
METRICS = ("utility", "utility_under_attack", "attack_success", "resisted",
           "malformed_calls", "utility_pass_k", "utility_under_attack_pass_k",
           "resisted_pass_k")


def _value(score: Score) -> dict[str, Any]:
    return {"value": score.value, "low": score.low, "high": score.high, "n": score.n,
            **dict(score.extra)}


def score_tables(scores: list[Score], groups: tuple[str, ...], suite: str
                 ) -> dict[str, list[dict[str, Any]]]:
    """Per group a row per key, each metric's value, interval and counts (overall: the
    run's suite)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        rows: dict[str, dict[str, Any]] = {}
        for s in scores:
            if s.group == group:
                key = suite if group == "overall" else s.key
                rows.setdefault(key, {"key": key})[s.metric] = _value(s)
        tables[group] = list(rows.values())
    return tables


def steps(transcript: list[Message]) -> list[dict[str, Any]]:
    """A transcript as rows a renderer can print: who, what was said, the calls made."""
    out = []
    for m in transcript:
        row: dict[str, Any] = {"role": m.role, "text": m.content}
        if isinstance(m, ToolCallMessage):
            row["calls"] = [{"id": c.id, "name": c.name, "arguments": c.arguments}
                            for c in m.tool_calls]
        if isinstance(m, ToolResultMessage):
            row |= {"tool": m.name, "call_id": m.tool_call_id, "error": m.error}
        out.append(row)
    return out


def section(engine: Engine, run: Run, k: int, tier: str) -> dict[str, Any] | None:
    """None for a run without agent cases."""
    scores = agent_scores(engine, run.id, k)
    if not scores:
        return None
    return {"tables": score_tables(scores, GROUPS, run.config.suite), "titles": TITLES, "k": k,
            "hijacked": unsafe_transcripts(engine, run.id, "agent_security", tier)}


def unsafe_transcripts(engine: Engine, run_id: str, judge: str, tier: str
                       ) -> list[dict[str, Any]]:
    """The first attempts `judge` found unsafe, with every step; the public tier gives
    only their length."""
    shown = []
    for r in load_attempts(engine, run_id, judge, where=VerdictRow.outcome == "unsafe",
                           limit=TRANSCRIPTS):
        entry = {key: r[key] for key in ("item_id", "attack", "sample", "rationale")}
        if tier == "public":
            entry["withheld"] = len(r["transcript"])
        else:
            entry["steps"] = steps(r["transcript"])
        shown.append(entry)
    return shown
