"""A worked agent run with no model and no key: `riskbench run` on AgentDojo's banking
suite (or an agent-harm suite) against the tests' loopback chat-completions server, whose
scripted agents answer with real `tool_calls` (tests/helpers/agent_server.py,
tests/helpers/harm_agent.py).

    PYTHONPATH=src python bench/agents_loopback.py [agent-follows|agent-ignores|...] [LIMIT]
    PYTHONPATH=src python bench/agents_loopback.py harm-refuses 0 agent-harm

Prints the command it ran, its output, and the agent tables of the Markdown report
(docs/agents.md shows one such run).
"""

from __future__ import annotations

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
    agent = sys.argv[1] if len(sys.argv) > 1 else "agent-follows"
    limit = sys.argv[2] if len(sys.argv) > 2 else "10"  # 0: the whole suite
    suite = sys.argv[3] if len(sys.argv) > 3 else "agentdojo:banking"
    harm = suite.startswith("agent-harm")
    with ServerThread(make_app()) as server, tempfile.TemporaryDirectory() as work:
        command = [sys.executable, "-m", "riskbench.cli", "run", "--model",
                   f"openai-compatible:{server.url}:{agent}", "--suite", suite,
                   *(() if harm else ("--attacks", "important_instructions")),
                   *(("--limit", limit) if limit != "0" else ())]
        env = dict(os.environ, RISKBENCH_CACHE=str(Path(work) / "cache.sqlite"),
                   PYTHONPATH=str(ROOT / "src"), COLUMNS="100")
        print("$ riskbench " + " ".join(command[3:]).replace(server.url, "http://127.0.0.1:PORT/v1"))
        started = time.perf_counter()
        result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        took = time.perf_counter() - started
        print(result.stdout[-3000:], result.stderr[-2000:] if result.returncode else "")
        report = next(Path(work, "reports").glob("*/report.md")).read_text()
        start = report.index("## Harmful agent tasks: suite" if harm else "## Agent: suite")
        end = report.find("### Carried out" if harm else "### Hijacked", start)
        print(report[start:end if end > 0 else None])
        print(f"wall time {took:.1f} s (exit {result.returncode})")


if __name__ == "__main__":
    main()
