"""The do-nothing floor of the AgentDojo suites: the share of cases whose checks an agent
passes without a single tool call (its only reply an empty text), with no model at all.

AgentDojo's utility checks compare the environment after the episode with the one
before; some user tasks are met by the initial state or reward an unchanged environment,
and some injection tasks' security checks likewise. A model's utility is read against
this floor: utility at the floor is no evidence of work. (llama.cpp's SmolLM2 run in
docs/agents.md scored 100 % utility with zero calls on two such tasks.)

    python bench/agents_do_nothing.py [--suites banking,slack,travel,workspace]
"""

from __future__ import annotations

import argparse
import time

from riskbench.metrics.stats import wilson
from riskbench.suites.agentdojo import AgentEnvironment, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="banking,slack,travel,workspace")
    args = parser.parse_args()
    print("| suite | user tasks | utility with no call | cases with an injection task | "
          "utility under attack with no call | injected with no call |")
    print("|---|---|---|---|---|---|")
    for suite in args.suites.split(","):
        started = time.perf_counter()
        plain: dict[str, bool] = {}
        attacked = injected = n_attacked = 0
        for item in items(suite):
            task = item.meta["agent"]
            # the suite's default environment: with no call, no injected text is ever read
            utility, hijacked = AgentEnvironment(task, {}).checks("")
            if task.get("injection_task"):
                n_attacked += 1
                attacked += bool(utility)
                injected += bool(hijacked)
            else:
                plain[str(task["user_task"])] = bool(utility)

        def cell(hits: int, n: int) -> str:
            lo, hi = wilson(hits, n)
            return f"{hits}/{n} = {100 * hits / max(n, 1):.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"

        print(f"| {suite} | {len(plain)} | {cell(sum(plain.values()), len(plain))} | "
              f"{n_attacked} | {cell(attacked, n_attacked)} | {cell(injected, n_attacked)} |"
              f"  <!-- {time.perf_counter() - started:.0f} s -->")


if __name__ == "__main__":
    main()
