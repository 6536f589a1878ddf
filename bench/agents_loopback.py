"""A worked agent run with no model and no key: `riskbench run` on AgentDojo's banking
suite (or an agent-harm suite) against the tests' loopback chat-completions server, whose
scripted agents answer with real `tool_calls` (tests/helpers/agent_server.py,
tests/helpers/harm_agent.py).

    PYTHONPATH=src python bench/agents_loopback.py [AGENT] [LIMIT] [--suite S]
        [--attacks A] [--attacker M]
    PYTHONPATH=src python bench/agents_loopback.py agent-wary 20 --attacks pair_injection \
        --attacker injector-second
    PYTHONPATH=src python bench/agents_loopback.py harm-refuses 0 --suite agent-harm

AGENT is one of the server's scripted agents (default agent-follows); LIMIT 0 runs the
whole suite. --attacks defaults to important_instructions on AgentDojo and to the suite's
own (direct) on agent-harm; --attacker names one of the server's scripted attacker models
(tests/helpers/injector_server.py, e.g. injector-second) for the adaptive pair_injection /
tap_injection.

Prints the command it ran, its output, and the agent tables of the Markdown report
(with an adaptive search, its queries-per-success table too; docs/agents.md shows such
runs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers.chat_server import ServerThread, make_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("agent", nargs="?", default="agent-follows")
    parser.add_argument("limit", nargs="?", default="10", help="0: the whole suite")
    parser.add_argument("--suite", default="agentdojo:banking")
    parser.add_argument("--attacks", default="")
    parser.add_argument("--attacker", default="")
    args = parser.parse_args()
    harm = args.suite.startswith("agent-harm")
    attacks = args.attacks or ("" if harm else "important_instructions")
    with ServerThread(make_app()) as server, tempfile.TemporaryDirectory() as work:
        command = [sys.executable, "-m", "riskbench.cli", "run", "--model",
                   f"openai-compatible:{server.url}:{args.agent}", "--suite", args.suite,
                   *(("--attacks", attacks) if attacks else ()),
                   *(("--limit", args.limit) if args.limit != "0" else ())]
        if args.attacker:
            command += ["--attacker", f"openai-compatible:{server.url}:{args.attacker}"]
        env = dict(os.environ, RISKBENCH_CACHE=str(Path(work) / "cache.sqlite"),
                   PYTHONPATH=str(ROOT / "src"), COLUMNS="100")
        print("$ riskbench " + " ".join(command[3:]).replace(server.url, "http://127.0.0.1:PORT/v1"))
        started = time.perf_counter()
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        took = time.perf_counter() - started
        print(result.stdout[-4000:], result.stderr[-2000:] if result.returncode else "")
        report = next(Path(work, "reports").glob("*/report.md")).read_text()
        start = report.index("## Harmful agent tasks: suite" if harm else "## Agent: suite")
        ends = [i for mark in ("### Carried out" if harm else "### Hijacked",
                               "## Adaptive attacks", "## Unsafe responses")
                if (i := report.find(mark, start)) > 0]
        end = min(ends, default=-1)
        print(report[start:end if end > 0 else None])
        if "## Adaptive attacks: queries per success" in report:
            searches = report.index("## Adaptive attacks: queries per success")
            print(report[searches:report.find("\n## ", searches + 3)])
        print(f"wall time {took:.1f} s (exit {result.returncode})")


if __name__ == "__main__":
    main()
