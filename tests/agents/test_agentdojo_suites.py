"""AgentDojo's suites as riskbench ships them: every task solvable by its own ground
truth, ids that carry the package version and a hash of the task, injections placed
where the user task's tools read them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskbench.attacks import build_bound_test_cases, build_test_cases, resolve
from riskbench.errors import UsageError
from riskbench.suites import load_suite
from riskbench.suites.agentdojo import (
    SUITES,
    agentdojo_version,
    ground_truth,
    solvable_injection_tasks,
    task_suite,
)


@pytest.mark.parametrize("suite", SUITES)
def test_every_shipped_task_is_solved_by_its_ground_truth(suite: str) -> None:
    ts = task_suite(suite)
    shipped = {i.meta["agent"]["injection_task"] for i in load_suite(f"agentdojo:{suite}").items}
    unsolved = [t for t in ts.user_tasks if not ground_truth(suite, t)[0]]
    first = next(iter(ts.user_tasks))
    unsolved += [t for t in shipped - {None} if not ground_truth(suite, first, t)[0]]
    assert unsolved == []
    # what is left out is exactly what its own ground truth cannot do (AgentDojo v1.2's
    # workspace injection tasks 6-13 have an empty ground truth)
    left_out = set(ts.injection_tasks) - set(solvable_injection_tasks(suite))
    assert left_out == set(ts.injection_tasks) - shipped
    assert all(not ground_truth(suite, first, t)[0] for t in left_out)
    if suite == "workspace":
        assert left_out == {f"injection_task_{n}" for n in range(6, 14)}
    else:
        assert not left_out


def test_items_pair_each_user_task_with_each_injection_task() -> None:
    suite = load_suite("agentdojo:banking")
    ts = task_suite("banking")
    assert suite.modality == "agent" and suite.judges == ("agent_security", "agent_utility")
    alone = [i for i in suite.items if i.expected == "comply"]
    attacked = [i for i in suite.items if i.expected == "refuse"]
    assert len(alone) == len(ts.user_tasks) == 16
    assert len(attacked) == 16 * len(ts.injection_tasks) == 144
    item = attacked[0]
    prefix = f"agentdojo-{agentdojo_version()}/v1.2.2/banking/user_task_0+injection_task_0#"
    assert item.id.startswith(prefix) and len(item.id) == len(prefix) + 10
    assert item.prompt == ts.user_tasks["user_task_0"].PROMPT
    # the bill the user asks to pay is where banking's user task 0 reads the injection
    assert item.meta["agent"]["vectors"] == ["injection_bill_text"]


def test_attack_text_goes_into_the_vectors_and_the_case_id() -> None:
    items = [i for i in load_suite("agentdojo:banking").items
             if i.meta["agent"]["user_task"] == "user_task_0"][:3]
    cases = build_test_cases(items, resolve("important_instructions,ignore_previous", "agent"))
    assert len({c.id for c in cases}) == 6
    alone, attacked = cases[0], cases[2]
    assert alone.params["agent"]["injections"] == {}
    goal = attacked.item.meta["agent"]["goal"]
    payload = attacked.params["agent"]["injections"]["injection_bill_text"]
    assert goal in payload and "Emma Johnson" in payload
    # the model is sent the user's request under riskbench's system prompt, not the goal
    sent = attacked.conversation.messages
    assert [m.role for m in sent] == ["system", "user"] and goal not in sent[1].content
    # the same configuration gives the same ids (a rebuild, another machine)
    again = build_test_cases(items, resolve("important_instructions,ignore_previous", "agent"))
    assert [c.id for c in again] == [c.id for c in cases]
    # no attack named: each item's own (the important-instructions attack)
    bound, plans = build_bound_test_cases(items, ("direct",), 0, "agent")
    assert [p.name for p in plans] == ["important_instructions"]
    assert bound[1].id == cases[2].id


def test_attacks_that_do_not_fit_an_agent_suite_are_refused() -> None:
    with pytest.raises(UsageError, match="does not apply to text placed"):
        resolve("crescendo_script", "agent")
    with pytest.raises(UsageError, match="unknown agentdojo suite"):
        task_suite("casino")


def test_without_agentdojo_a_run_stops_with_one_line_naming_the_install(
        tmp_path: Path) -> None:
    """A module named agentdojo that is not the package (as if it were not installed)."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "agentdojo.py").write_text("")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(shadow), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-m", "riskbench.cli", "run", "--model",
                          "scripted:refuse", "--suite", "agentdojo:banking"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "riskbench[agents]" in run.stderr
    assert not (tmp_path / "riskbench.db").exists()
