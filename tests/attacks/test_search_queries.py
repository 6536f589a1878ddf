"""Queries per success of the chat searches (PAIR, TAP), read from a stored run: the
scripted attacker asks plainly first, then wraps the goal in a story, which the scripted
`gullible` target answers (models/scripted.py). So PAIR succeeds at its 2nd prompt, TAP
at its 3rd (both children of the root are plain; the first grandchild is a story), and
a budget of one round never succeeds."""

from __future__ import annotations

import json
from pathlib import Path

from riskbench.metrics.searches import search_scores
from riskbench.pipeline import RunOptions, evaluate
from riskbench.store import connect
from riskbench.types import RunConfig

LIMIT = 2


def test_pair_and_tap_queries_per_success_from_the_store(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    config = RunConfig(model="scripted:gullible", limit=LIMIT,
                       attacks=("direct", "pair", "tap", "pair[iterations=1]"),
                       attacker="scripted:attacker", attack_judge="scripted:attack-judge")
    result = evaluate(config, RunOptions(db_url=db, report_dir=tmp_path / "r"))
    scores = {s.key: s for s in search_scores(connect(db), result.run.id, result.scores.judge)}
    assert set(scores) == {"pair", "tap", "pair[iterations=1]"}  # direct is no search
    pair, tap, once = scores["pair"], scores["tap"], scores["pair[iterations=1]"]
    assert (pair.value, pair.n, pair.extra["attempts"]) == (2.0, LIMIT, LIMIT)
    assert pair.extra["attacker_calls_per_success"] == 2.0
    assert pair.extra["try"] == "target prompt" and pair.extra["budget_tries"] == 3
    assert (tap.value, tap.n) == (3.0, LIMIT)
    assert tap.extra["budget_tries"] == 2 + (3 - 1) * 4 * 2  # depth 3, width 4, branching 2
    assert (once.value, once.n, once.extra["tries_total"]) == (None, 0, LIMIT)
    report = json.loads(result.reports["json"].read_text())
    assert [r["attack"] for r in report["searches"]] == ["pair", "pair[iterations=1]", "tap"]
    md = result.reports["markdown"].read_text()
    assert "| pair | target prompt | 2 of 2 | 2.0 | 2.0 | 2.0 | 4 (2.0) | 3, 3 | 0 |" in md
