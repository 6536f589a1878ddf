"""What an agent report says beside its rates: the do-nothing floor beside utility
(AgentDojo's own checks with no call at all), and queries per success of the adaptive
injection searches, counted by the loopback server itself, not by the search.

The floor is checked against the bench script's table (bench/agents_do_nothing.py, run
here as users run it) and against the checks run by hand; queries per success against
the chat-completions requests the loopback server received per model."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers.chat_server import ServerThread
from riskbench.metrics.agents import suite_floor
from riskbench.pipeline import RunOptions, evaluate
from riskbench.suites.agentdojo import AgentEnvironment, items
from riskbench.types import RunConfig

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, server: ServerThread, agent: str, attacks: str, limit: int,
         attacker: str | None = None) -> dict[str, Any]:
    """Run banking through the CLI's pipeline and return the three reports."""
    out = tmp_path / "out"
    result = evaluate(
        RunConfig(model=f"openai-compatible:{server.url}:{agent}", suite="agentdojo:banking",
                  attacks=(attacks,), limit=limit,
                  attacker=f"openai-compatible:{server.url}:{attacker}" if attacker else None),
        RunOptions(db_url=f"sqlite:///{tmp_path / 'x.db'}", report_dir=out, use_cache=False))
    return {"json": json.loads(result.reports["json"].read_text()),
            "md": result.reports["markdown"].read_text(),
            "html": result.reports["html"].read_text(), "db": tmp_path / "x.db"}


def _models(server: ServerThread) -> dict[str, int]:
    stats = httpx.get(server.url.removesuffix("/v1") + "/stats").json()
    return dict(stats["models"])


def test_banking_floor_is_the_bench_scripts_5_of_16() -> None:
    floors = {s.metric: s for s in suite_floor("banking")}
    utility = floors["utility_floor"]
    assert (utility.extra["hits"], utility.n) == (5, 16)
    assert utility.value == pytest.approx(5 / 16)
    # the checks by hand: the user tasks alone whose utility passes with no call
    idle = [item.meta["agent"] for item in items("banking")
            if not item.meta["agent"]["injection_task"]
            and AgentEnvironment(item.meta["agent"], {}).checks("")[0]]
    assert [t["user_task"] for t in idle] == [f"user_task_{n}" for n in (5, 6, 8, 9, 10)]
    assert floors["attack_success_floor"].extra["hits"] == 0
    assert floors["utility_under_attack_floor"].n == 144
    bench = subprocess.run([sys.executable, str(ROOT / "bench" / "agents_do_nothing.py"),
                            "--suites", "banking"], capture_output=True, text=True,
                           timeout=300, check=True)
    row = next(line for line in bench.stdout.splitlines() if line.startswith("| banking"))
    assert "| 16 | 5/16 = 31.2% [14.2, 55.6] | 144 |" in row


def test_slack_has_no_floor() -> None:
    floors = {s.metric: s for s in suite_floor("slack")}
    assert floors["utility_floor"].extra["hits"] == 0 and floors["utility_floor"].n == 21


def test_reports_show_the_floor_beside_utility(tmp_path: Path,
                                               chat_server: ServerThread) -> None:
    """Banking's first 70 cases hold user tasks 0-6 alone (5 and 6 pass with no call)."""
    reports = _run(tmp_path, chat_server, "agent-ignores", "important_instructions", 70)
    suite = reports["json"]["agents"]["tables"]["overall"][0]
    alone = sorted({item.meta["agent"]["user_task"] for item in items("banking")[:70]
                    if not item.meta["agent"]["injection_task"]})
    assert alone == [f"user_task_{n}" for n in range(7)]
    assert suite["utility_floor"]["hits"] == 2 and suite["utility_floor"]["n"] == 7
    attacked = suite["utility_under_attack_floor"]
    idle = [AgentEnvironment(item.meta["agent"], {}).checks("")[0]
            for item in items("banking")[:70] if item.meta["agent"]["injection_task"]]
    assert (attacked["hits"], attacked["n"]) == (sum(idle), len(idle)) == (18, 63)
    assert suite["attack_success_floor"]["hits"] == 0
    # the floor stands beside utility in the Markdown and HTML tables
    md_row = next(line for line in reports["md"].splitlines()
                  if line.startswith("| agentdojo:banking |"))
    cells = [c.strip() for c in md_row.strip("|").split("|")]
    assert cells[2] == "28.6% [8.2, 64.1]" and cells[4] == "28.6% [18.9, 40.7]"
    assert "do-nothing floor" in reports["md"]
    html = reports["html"]
    assert "<th>with no call</th>" in html and "28.6% <span" in html


def test_queries_per_success_of_the_loopback_search(tmp_path: Path,
                                                    chat_server: ServerThread) -> None:
    """`agent-wary` follows from the attacker's 2nd text on: 2 episodes per success;
    the target and attacker calls are what the server was asked."""
    before = _models(chat_server)
    reports = _run(tmp_path, chat_server, "agent-wary", "pair_injection", 3,
                   attacker="injector-second")
    after = _models(chat_server)
    target = after.get("agent-wary", 0) - before.get("agent-wary", 0)
    attacker = after.get("injector-second", 0) - before.get("injector-second", 0)
    [row] = reports["json"]["searches"]
    assert row["attack"] == "pair_injection" and row["try"] == "agent episode"
    assert (row["successes"], row["attempts"]) == (2, 2)
    assert row["tries_per_success"] == 2.0 and row["tries_total"] == 4
    # the case alone (no injection task) is no search: one plain episode of the agent,
    # one model call per assistant turn it stored
    with sqlite3.connect(reports["db"]) as conn:
        stored = [json.loads(t) for p, t in conn.execute(
            "select c.params, a.transcript from attempts a join test_cases c on "
            "c.id = a.test_case_id") if not json.loads(p)["agent"]["task"]["injection_task"]]
    [alone] = stored
    alone_calls = sum(m["role"] == "assistant" for m in alone)
    assert alone_calls >= 2
    assert row["target_calls_total"] == target - alone_calls
    assert row["target_calls_per_success"] == pytest.approx(row["target_calls_total"] / 2)
    assert row["attacker_calls_total"] == attacker == 4
    assert row["attacker_calls_per_success"] == 2.0
    assert (row["budget_tries"], row["budget_target_calls"]) == (5, 75)
    line = next(x for x in reports["md"].splitlines()
                if x.startswith("| pair&#95;injection | agent episode"))
    assert "| agent episode | 2 of 2 | 2.0 |" in line and "| 5, 75 |" in line
    assert "<td>pair_injection</td><td>agent episode</td><td>2 of 2</td>" in reports["html"]


def test_a_search_that_never_succeeds_has_no_queries_per_success(
        tmp_path: Path, chat_server: ServerThread) -> None:
    reports = _run(tmp_path, chat_server, "agent-ignores", "tap_injection[depth=2,width=1,"
                   "branching=2]", 3, attacker="injector-second")
    [row] = reports["json"]["searches"]
    assert (row["successes"], row["attempts"]) == (0, 2)
    assert row["tries_per_success"] is None and row["tries_per_success_all"] is None
    assert row["tries_total"] == 2 * (2 + 1 * 2) and row["budget_tries"] == 4
    line = next(x for x in reports["md"].splitlines()
                if x.startswith("| tap&#95;injection") and "agent episode" in x)
    assert "| 0 of 2 | – |" in line and "| 8 (–) | 4, 60 |" in line
