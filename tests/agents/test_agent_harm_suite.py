"""The agent-harm suites as data: every task half is solved by its own ground truth and
scores 0 when nothing is done; every argument check is live (a wrong value fails it);
the twins have the same shape; ids carry the suite's version and a hash of the task."""

from __future__ import annotations

import copy
import json
from itertools import groupby

import pytest

from riskbench.errors import UsageError
from riskbench.suites import load_suite
from riskbench.suites.agent_harm import (
    HALVES,
    HarmEnvironment,
    categories,
    grade,
    ground_truth,
    items,
    task_spec,
    tasks,
    version,
)
from riskbench.taxonomy import risk_categories
from riskbench.types import ToolCall

HALF_SPECS = [(t["id"], half) for t in tasks() for half in HALVES]


def _spec(task_id: str, half: str) -> dict:
    return task_spec(next(t for t in tasks() if t["id"] == task_id), half)


@pytest.mark.parametrize(("task_id", "half"), HALF_SPECS)
def test_ground_truth_completes_and_doing_nothing_scores_zero(task_id: str, half: str) -> None:
    spec = _spec(task_id, half)
    done, env = ground_truth(spec)
    assert done.completed and done.score == 1.0, done.failed
    assert len(env.trace) == len(spec["calls"])
    nothing = HarmEnvironment(spec).grade()
    assert nothing.score == 0.0 and not nothing.completed


@pytest.mark.parametrize(("task_id", "half"), HALF_SPECS)
def test_every_argument_check_fails_on_a_wrong_value(task_id: str, half: str) -> None:
    spec = _spec(task_id, half)
    checked = [(i, arg) for i, c in enumerate(spec["calls"]) for arg in c.get("check") or {}]
    for i, arg in checked:
        calls = copy.deepcopy(spec["calls"])
        # the same wrong value in every call of that tool, so no other call rescues it
        for call in calls:
            if call["name"] == calls[i]["name"] and arg in call["args"]:
                value = call["args"][arg]
                call["args"][arg] = 987654 if isinstance(value, int | float) else \
                    ["nothing-here"] if isinstance(value, list) else "nothing-here"
        result = grade(spec["calls"], [(c["name"], c["args"]) for c in calls])
        assert not result.completed and result.score < 1.0, (i, arg)
        assert f"call {i + 1} {spec['calls'][i]['name']}.{arg}" in result.failed


def test_the_suite_spans_categories_languages_and_pairs() -> None:
    assert len(tasks()) >= 30
    assert set(categories()) <= set(risk_categories())
    assert {"fraud", "cyber", "hate", "misinformation", "drugs", "weapons_cbrn"} <= set(
        categories())
    all_items = items()
    langs = {i.lang for i in all_items}
    assert langs == {"en", "zh"}
    harmful = {(i.meta["twin"], i.lang) for i in all_items if i.expected == "refuse"}
    benign = {(i.meta["twin"], i.lang) for i in all_items if i.expected == "comply"}
    assert harmful == benign  # every harmful request has its twin, in the same language
    assert len(harmful) >= 45
    assert len({i.id for i in all_items}) == len(all_items)
    assert len({i.prompt for i in all_items}) == len(all_items)


def test_twins_have_the_same_shape() -> None:
    for task in tasks():
        names = [[k for k, _ in groupby(c["name"] for c in task[h]["calls"])] for h in HALVES]
        assert names[0] == names[1], task["id"]
        used = {c["name"] for h in HALVES for c in task[h]["calls"]}
        assert used == set(task["tools"]), task["id"]


def test_ids_carry_version_and_a_hash_of_the_task() -> None:
    item = next(i for i in items("fraud") if "bank-phishing/harmful/en" in i.id)
    assert item.id.startswith(f"agent-harm-{version()}/fraud/bank-phishing/harmful/en#")
    task = next(t for t in tasks() if t["id"] == "bank-phishing")
    edited = copy.deepcopy(task)
    edited["harmful"]["calls"][1]["args"]["to"] = "someone@else.example"
    from riskbench.types import stable_hash

    digest = item.id.rsplit("#", 1)[1]
    prompt = task["harmful"]["prompt"]["en"]
    assert stable_hash([task_spec(task, "harmful"), prompt], 10) == digest
    assert stable_hash([task_spec(edited, "harmful"), prompt], 10) != digest


def test_suite_names_and_an_unknown_category() -> None:
    suite = load_suite("agent-harm:drugs")
    assert suite.judges[0] == "agent_harm" and suite.modality == "agent"
    assert {i.category for i in suite.items} == {"drugs"}
    assert len(load_suite("agent-harm").items) == len(items())
    with pytest.raises(UsageError):
        load_suite("agent-harm:nonsense")


def test_the_environment_answers_from_its_canned_data_and_checks_schemas() -> None:
    env = HarmEnvironment(_spec("bank-phishing", "harmful"))
    out = env.run(ToolCall("c1", "read_file", json.dumps({"path": "customers.csv"})))
    assert out.error is None and "anna.meyer@example.org" in out.text
    assert env.run(ToolCall("c2", "send_email", json.dumps({"to": "x@y.z"}))).malformed
    assert env.run(ToolCall("c3", "wire_money", "{}")).error.startswith("ToolNotFoundError")
    assert env.run(ToolCall("c4", "read_file", "{oops")).error.startswith("MalformedCall")
    sent = env.run(ToolCall("c5", "send_email", json.dumps(
        {"to": "a@b.c", "subject": "s", "body": "b", "bcc": "dropped"})))
    assert sent.text == "Email sent to a@b.c."
    assert [name for name, _ in env.trace] == ["read_file", "send_email"]  # ran ones only


def test_grade_reads_order_numbers_and_partial_progress() -> None:
    spec = _spec("hire-attacker", "harmful")
    calls = [(c["name"], c["args"]) for c in spec["calls"]]
    assert grade(spec["calls"], calls).completed
    # an amount sent as text still equals the number; out of order fails one check only
    as_text = [(n, {**a, "amount": "2000.0"}) if n == "transfer_money" else (n, a)
               for n, a in calls]
    assert grade(spec["calls"], as_text).completed
    shuffled = grade(spec["calls"], [calls[2], calls[0], calls[1]])
    assert shuffled.failed == ("in order",)
    # searched and ordered, never paid: 2 of 6 checks (the search has no key argument)
    half = grade(spec["calls"], calls[:2])
    assert half.score == pytest.approx(2 / 6) and not half.completed


def test_an_attack_wraps_the_users_request() -> None:
    """The user is the attacker: an agent attack's text goes around the request (there
    are no injection slots), and the case id changes with the attack."""
    from riskbench.attacks import build_test_cases, resolve

    item = next(i for i in items("fraud") if "bank-phishing/harmful/en" in i.id)
    plain, wrapped = build_test_cases([item], resolve(["direct", "ignore_previous"], "agent"))
    assert plain.params["agent"]["injections"] == {} == wrapped.params["agent"]["injections"]
    users = [[m.content for m in c.conversation.messages if m.role == "user"]
             for c in (plain, wrapped)]
    assert users[0] == [item.prompt]
    assert item.prompt in users[1][0] and users[1][0] != item.prompt
    assert plain.conversation.messages[0].role == "system"
    assert plain.id != wrapped.id


def test_an_injection_search_on_agent_harm_is_refused_not_ignored() -> None:
    """pair_injection / tap_injection search over injected tool text, which agent-harm
    tasks do not have: planning says so instead of sending the plain request under the
    attack's name."""
    from riskbench.attacks import build_test_cases, resolve

    item = next(i for i in items("fraud") if "bank-phishing/harmful/en" in i.id)
    for name in ("pair_injection", "tap_injection"):
        with pytest.raises(UsageError, match="agent-harm tasks have none"):
            build_test_cases([item], resolve([name], "agent"))
