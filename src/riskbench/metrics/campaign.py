"""The comparison of several runs (a campaign's models): each run scored in SQL by
`score_run`, per-case safety read in one grouped query per run for the paired
statistics; the result is JSON-ready data for every report format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from riskbench.metrics.paired import (
    CaseSafety,
    PairedDifference,
    flipped,
    paired_difference,
    tied_ranks,
)
from riskbench.metrics.run_scores import RunScores, per_case, score_run
from riskbench.metrics.stats import level_names
from riskbench.types import Run, Score

# (group, metric, title): the model x key tables, CAICT's Table 1 and Table 2 first
TABLES = (
    ("scenario", "secure_at_k", "Secure@k by coding scenario (CAICT Table 1)"),
    ("prog_lang", "secure_at_k", "Secure@k by programming language (CAICT Table 2)"),
    ("attack", "safety_rate", "Pass rate by attack"),
    ("category", "safety_rate", "Safety rate by risk category"),
    ("lang", "safety_rate", "Safety rate by language"),
)


@dataclass(frozen=True)
class Comparison:
    title: str
    models: tuple[dict[str, Any], ...]  # one per run, in ranking order
    tables: dict[str, dict[str, Any]]
    level_counts: dict[str, int]
    paired: tuple[PairedDifference, ...]

    def model(self, label: str) -> dict[str, Any]:
        return next(m for m in self.models if m["label"] == label)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "models": list(self.models), "tables": self.tables,
                "level_counts": self.level_counts,
                "paired": [p.to_json() for p in self.paired]}


def _cell(score: Score | None) -> dict[str, Any] | None:
    if score is None or score.value is None:
        return None
    return {"value": score.value, "low": score.low, "high": score.high, "n": score.n,
            "risk_level": score.extra.get("risk_level")}


def case_safety(engine: Engine, run_id: str, judge: str,
                exclude_blocked: bool = False) -> dict[str, CaseSafety]:
    """Per harmful test case of a run: its item, safe and judged samples, counted as
    Secure@k counts them (`run_scores.per_case`, one SQL query)."""
    with engine.connect() as conn:
        return {row.test_case_id: CaseSafety(row.item_id, int(row.s), int(row.n))
                for row in conn.execute(per_case(run_id, judge, exclude_blocked))}


def _summary(label: str, run: Run, scores: RunScores) -> dict[str, Any]:
    return {
        "label": label, "run_id": run.id, "model": run.config.model, "suite": run.config.suite,
        "k": scores.k, "judge": scores.judge, "attempts": scores.counts.get("attempts", 0),
        "errors": scores.counts.get("errors", 0),
        **{metric: _cell(scores.get(metric)) for metric in
           ("safety_rate", "secure_at_k", "attack_success_rate", "over_refusal_rate",
            "insecure_code_rate")},
    }


def compare(engine: Engine, runs: Sequence[tuple[str, Run]], title: str = "comparison",
            seed: int = 0) -> Comparison:
    scored = [(label, run, score_run(engine, run.id, run.config.judges[0], run.config.k))
              for label, run in runs]
    summaries = [_summary(label, run, s) for label, run, s in scored]
    cases = {label: case_safety(engine, run.id, s.judge) for label, run, s in scored}
    labels = [label for label, _, _ in scored]
    pairs: dict[tuple[str, str], PairedDifference] = {}
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            found = paired_difference(a, b, cases[a], cases[b], seed)
            if found is not None:
                pairs[(a, b)] = found
                pairs[(b, a)] = flipped(found)

    def secure(summary: dict[str, Any]) -> float:
        cell = summary["secure_at_k"]
        return -1.0 if cell is None else float(cell["value"])

    summaries.sort(key=lambda s: (-secure(s), s["label"]))
    ranks = tied_ranks([s["label"] for s in summaries], pairs)
    for s in summaries:
        s["rank"] = ranks[s["label"]]
        s["tied"] = sum(1 for r in ranks.values() if r == ranks[s["label"]]) > 1
    levels = Counter((s["secure_at_k"] or {}).get("risk_level") or "insufficient"
                     for s in summaries)
    level_counts = {name: levels.get(name, 0) for name in level_names()}
    if levels.get("insufficient"):
        level_counts["insufficient"] = levels["insufficient"]
    tables = {}
    for group, metric, table_title in TABLES:
        by_label = {label: {row["key"]: row.get(metric) for row in s.table(group)}
                    for label, _, s in scored}
        keys = sorted({key for cells in by_label.values() for key, v in cells.items()
                       if key and v is not None})
        if not keys:
            continue
        tables[group] = {
            "title": table_title, "metric": metric, "keys": keys,
            "rows": [{"label": s["label"],
                      "cells": {key: _cell(by_label[s["label"]].get(key)) for key in keys}}
                     for s in summaries],
        }
    names = [s["label"] for s in summaries]
    ordered = tuple(pairs[(a, b)] for i, a in enumerate(names) for b in names[i + 1:]
                    if (a, b) in pairs)
    return Comparison(title, tuple(summaries), tables, level_counts, ordered)
