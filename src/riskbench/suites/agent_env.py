"""The environment and tools of an agent case, whichever suite family made it: the
engine and the judges ask here, so a new family is one branch, not an edit of each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def is_harm_task(task: Mapping[str, Any]) -> bool:
    from riskbench.suites.agent_harm import FAMILY

    return task.get("family") == FAMILY


def environment(task: Mapping[str, Any], injections: Mapping[str, str]) -> Any:
    """A fresh environment for one attempt (AgentDojo's, or agent-harm's synthetic one)."""
    if is_harm_task(task):
        from riskbench.suites.agent_harm import HarmEnvironment

        return HarmEnvironment(task)
    from riskbench.suites.agentdojo import AgentEnvironment

    return AgentEnvironment(task, injections)


def tool_schemas(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The case's tools in the chat-completions `tools` form."""
    if is_harm_task(task):
        from riskbench.suites import agent_harm

        return agent_harm.tool_schemas(task)
    from riskbench.suites import agentdojo

    return agentdojo.tool_schemas(task["suite"])
