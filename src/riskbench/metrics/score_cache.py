"""A finished run's scores, computed once and then read back: the dashboard's run page
and `riskbench report` would otherwise score a million attempts on every request.

An entry is keyed by run, judge, k and `exclude_blocked`. The database drops a run's
entries whenever its attempts or verdicts change (a resume, a retry of errors, new
verdicts: store/score_cache.py), and an entry is used only while its fingerprint
matches: the run finished at the same time, the same scoring code and data (a hash of
the modules and YAML files the scores come from) and the same shipped card of the judge.
Runs that are not finished are scored afresh every time and never cached.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import Engine

from riskbench.judges.calibration import shipped_card
from riskbench.judges.refusal import PARTIAL
from riskbench.metrics.run_scores import RunScores, score_run
from riskbench.store.score_cache import get_entry, put_counts, put_entry, run_state_of
from riskbench.types import Score

# what the cached numbers are computed by
SOURCES = ("run_scores.py", "stats.py", "predicates.py", "score_cache.py",
           "data/risk_levels.yaml", "data/min_n.yaml")


@cache
def code_version() -> str:
    digest = hashlib.sha256(repr(PARTIAL).encode())
    for name in SOURCES:
        digest.update(files("riskbench.metrics").joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def _card_version(judge: str) -> str:
    card = shipped_card(judge)
    return "none" if card is None else hashlib.sha256(repr(card).encode()).hexdigest()[:16]


def to_json(scores: RunScores) -> str:
    return json.dumps({
        "run_id": scores.run_id, "judge": scores.judge, "k": scores.k,
        "counts": scores.counts, "exclude_blocked": scores.exclude_blocked,
        "scores": [[s.metric, s.group, s.key, s.value, s.low, s.high, s.n, dict(s.extra)]
                   for s in scores.scores],
    })


def from_json(text: str) -> RunScores:
    data: dict[str, Any] = json.loads(text)
    return RunScores(data["run_id"], data["judge"], data["k"],
                     tuple(Score(m, g, key, value, low, high, n, extra)
                           for m, g, key, value, low, high, n, extra in data["scores"]),
                     data["counts"], data["exclude_blocked"])


def cached_score_run(engine: Engine, run_id: str, judge: str, k: int,
                     exclude_blocked: bool = False) -> RunScores:
    """`score_run`, read from the cache when the run is finished and unchanged since the
    entry was written; computed (and, for a finished run, stored) otherwise. What it
    returns is what the cache holds, so a first and a later call give equal results."""
    state = run_state_of(engine, run_id)
    if state is None:
        return score_run(engine, run_id, judge, k, exclude_blocked)
    variant = f"{judge}|k={k}|exclude_blocked={exclude_blocked}"
    fingerprint = f"{state};code={code_version()};card={_card_version(judge)}"
    found = get_entry(engine, run_id, variant, fingerprint)
    if found is not None:
        return from_json(found)
    scores = score_run(engine, run_id, judge, k, exclude_blocked)
    text = to_json(scores)
    put_entry(engine, run_id, variant, fingerprint, text)
    # the counts `riskbench runs` shows come with the scores: no second count
    counts = scores.counts
    put_counts(engine, run_id, state, {
        "ok": counts["attempts"] - counts["errors"] - counts["blocked"],
        "blocked": counts["blocked"], "error": counts["errors"]})
    return from_json(text)
