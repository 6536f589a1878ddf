"""The do-nothing floor of the AgentDojo suites: the share of cases whose checks an agent
passes without a single tool call (its only reply an empty text), with no model at all.

AgentDojo's utility checks compare the environment after the episode with the one
before; some user tasks are met by the initial state or reward an unchanged environment,
and some injection tasks' security checks likewise. A model's utility is read against
this floor: utility at the floor is no evidence of work. (llama.cpp's SmolLM2 run in
docs/agents.md scored 100 % utility with zero calls on two such tasks.)

    python bench/agents_do_nothing.py [--suites banking,slack,travel,workspace]

The numbers are metrics/agents.py `suite_floor`, the same computation that puts the
floor beside utility in every agent report (over the run's own cases there).
"""

from __future__ import annotations

import argparse
import time

from riskbench.metrics.agents import suite_floor
from riskbench.types import Score


def cell(score: Score | None) -> str:
    if score is None or score.value is None or score.low is None or score.high is None:
        return "–"
    hits = int(score.extra["hits"])
    return (f"{hits}/{score.n} = {100 * score.value:.1f}% "
            f"[{100 * score.low:.1f}, {100 * score.high:.1f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="banking,slack,travel,workspace")
    args = parser.parse_args()
    print("| suite | user tasks | utility with no call | cases with an injection task | "
          "utility under attack with no call | injected with no call |")
    print("|---|---|---|---|---|---|")
    for suite in args.suites.split(","):
        started = time.perf_counter()
        floors = {s.metric: s for s in suite_floor(suite)}
        alone, attacked = floors.get("utility_floor"), floors.get("attack_success_floor")
        print(f"| {suite} | {alone.n if alone else 0} | {cell(alone)} | "
              f"{attacked.n if attacked else 0} | "
              f"{cell(floors.get('utility_under_attack_floor'))} | {cell(attacked)} |"
              f"  <!-- {time.perf_counter() - started:.0f} s -->")


if __name__ == "__main__":
    main()
