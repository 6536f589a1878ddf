"""The do-nothing floor docs/agents.md quotes: which AgentDojo user tasks an agent passes
with no tool call (bench/agents_do_nothing.py). If agentdojo's checks change, the floor
in the docs must be measured again."""

from riskbench.suites.agentdojo import AgentEnvironment, items


def passes_idle(suite: str) -> list[str]:
    return [str(item.meta["agent"]["user_task"]) for item in items(suite)
            if not item.meta["agent"].get("injection_task")
            and AgentEnvironment(item.meta["agent"], {}).checks("")[0]]


def test_banking_has_a_31_percent_floor_and_slack_none() -> None:
    assert passes_idle("banking") == [f"user_task_{n}" for n in (5, 6, 8, 9, 10)]
    assert passes_idle("slack") == []


def test_no_injection_task_is_met_without_a_call() -> None:
    hijacked = [item.id for item in items("banking") if item.meta["agent"].get("injection_task")
                and AgentEnvironment(item.meta["agent"], {}).checks("")[1]]
    assert hijacked == []
