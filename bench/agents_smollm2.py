"""The embedded model on the prompted tool path: a few AgentDojo banking cases with
`local:smollm2`, each step's reply and time printed, then the environment's verdicts.

    PYTHONPATH=src python bench/agents_smollm2.py [CASES] [MAX_STEPS]

Runs the agent loop in-process (no store); docs/agents.md reports what it printed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from typing import Any

from riskbench.attacks import build_test_cases, resolve
from riskbench.engine.agent_loop import run_agent
from riskbench.models import get_model
from riskbench.suites import load_suite
from riskbench.suites.agentdojo import AgentEnvironment, tool_schemas
from riskbench.types import Generation, Message


async def main(cases: int, max_steps: int) -> None:
    model = get_model("local:smollm2")
    await model.check()
    items = load_suite("agentdojo:banking").items[:cases]
    for case in build_test_cases(items, resolve("important_instructions", "agent")):
        agent = case.params["agent"]
        env = AgentEnvironment(agent["task"], agent["injections"])

        async def step(messages: Sequence[Message], tools: Any) -> Generation:
            started = time.perf_counter()
            reply = await model.generate(messages, max_tokens=160, temperature=0.0, seed=0)
            print(f"  step {time.perf_counter() - started:.1f} s, "
                  f"{reply.prompt_tokens} prompt tokens: {reply.text[:300]!r}")
            return reply

        print(case.item.id)
        done = await run_agent(case.conversation.messages, tool_schemas("banking"), env,
                               step, native=False, max_steps=max_steps)
        utility, injected = env.checks(done.output)
        print(f"  -> steps {done.steps}, calls {done.calls}, malformed {done.malformed}, "
              f"utility {utility}, injected goal happened {injected}")
    await model.aclose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2,
                     int(sys.argv[2]) if len(sys.argv) > 2 else 4))
