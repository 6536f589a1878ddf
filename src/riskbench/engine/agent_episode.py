"""One agent episode: a fresh environment with given injections, the agent loop in it.

The executor plays one episode per plain agent attempt; an adaptive injection attack
(attacks/adaptive/injection.py) asks for one per candidate text, with the tasks' own
checks run on the live environment as the search's stopping signal. The stored verdict
does not come from here: the agent judges replay the final episode from the transcript.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from riskbench.attacks.adaptive.base import Episode
from riskbench.engine.agent_loop import Step, run_agent
from riskbench.types import TestCase


async def play_episode(case: TestCase, injections: Mapping[str, str], step: Step, *,
                       native: bool, check: bool) -> Episode:
    """`check`: run the user and injection tasks' checks on the environment afterwards
    (None when not asked)."""
    from riskbench.suites.agent_env import environment as make_environment
    from riskbench.suites.agent_env import tool_schemas

    task = case.params["agent"]["task"]
    # parsing an environment's YAML takes up to a second: off the event loop
    environment = await asyncio.to_thread(make_environment, task, dict(injections))
    done = await run_agent(case.conversation.messages, tool_schemas(task),
                           environment, step, native=native)
    utility, injected = await asyncio.to_thread(environment.checks, done.output) \
        if check else (None, None)
    return Episode(tuple(sorted(injections.items())), done.transcript, done.output,
                   injected, utility, done.steps, done.prompt_tokens,
                   done.completion_tokens)
