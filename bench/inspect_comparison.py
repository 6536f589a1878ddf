"""riskbench beside Inspect AI on the same samples, against the same near-free endpoint.

    python bench/inspect_comparison.py --inspect-python ../venv-inspect/bin/python \
        [--latency 0.25] [--in-flight 256] [--n 10000]

Inspect AI is not a project dependency: it runs from a separate venv (`python -m venv
../venv-inspect && ../venv-inspect/bin/pip install inspect-ai openai`). The endpoint is
`engine_throughput.py`'s nginx with its echo module (a canned chat completion after a fixed
latency, so the server costs almost nothing). In one run, per latency, with `--in-flight`
requests in flight and `--n` samples (`benchmark request {i}`, 16 max tokens, both sides):

- riskbench as a user runs it: `riskbench run --attacks direct --no-cache` on a JSONL
  suite of the n prompts (plan, requests, the refusal judge on every reply, SQLite store,
  metrics and reports), wall clock and CPU of the command;
- Inspect AI as a user runs it: `inspect eval` of a task with the n samples and
  `generate()` (no scorer: less work than riskbench's judge), through Inspect's
  OpenAI-compatible provider (`openai-api/bench/m`, BENCH_BASE_URL = the endpoint) with
  `--max-connections` = in flight and no retries, wall clock and CPU of the command,
  its steady rate read from the log's per-sample completion times;
- riskbench's steady rate from `engine_throughput.riskbench_run` (the attempts phase of
  `pipeline.evaluate`, per-attempt stamps).

Steady rate: completions between 1 s after the start and 1 s before the last one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_throughput import (
    cpu_children,
    riskbench_run,
    start_nginx,
    steady_rate,
    suite_file,
)

TASK = """\
from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.solver import generate


@task
def bench(n: int = 10):
    return Task(dataset=[Sample(input=f"benchmark request {i}") for i in range(n)],
                solver=[generate()])
"""

# Runs in Inspect's venv: the log's per-sample start and completion times, as epoch seconds.
READ_LOG = """\
import json, sys
from datetime import datetime
from inspect_ai.log import list_eval_logs, read_eval_log
log = read_eval_log(list_eval_logs(sys.argv[1])[0])
def t(s): return datetime.fromisoformat(str(s)).timestamp()
samples = log.samples or []
print(json.dumps({"status": log.status, "errors": sum(s.error is not None for s in samples),
                  "started": [t(s.started_at) for s in samples if s.started_at],
                  "completed": [t(s.completed_at) for s in samples if s.completed_at]}))
"""


def timed(cmd: list[str], env: dict[str, str],
          cwd: Path | None = None) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the command and its children, result)."""
    before = cpu_children()
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, cpu_children() - before, done


def riskbench_cli(url: str, in_flight: int, n: int, workdir: Path) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "riskbench.cli", "run", "--model", f"openai-compatible:{url}:m",
           "--suite", str(suite_file(workdir, n)), "--attacks", "direct", "--max-tokens", "16",
           "--concurrency", str(in_flight), "--no-cache",
           "--db", f"sqlite:///{workdir / f'cli-{time.monotonic_ns()}.db'}",
           "--out", str(workdir / "cli-report")]
    wall, cpu, done = timed(cmd, {**os.environ, "RISKBENCH_PROGRESS": "0"})
    if done.returncode != 0:
        sys.exit(f"riskbench run failed: {done.stderr[-500:]}")
    return wall, cpu


def inspect_cli(python: str, url: str, in_flight: int, n: int,
                workdir: Path) -> tuple[float, float, float, int]:
    """(wall, CPU, steady rate, errored samples) of `inspect eval` on n samples."""
    (workdir / "inspect_task.py").write_text(TASK)
    (workdir / "read_log.py").write_text(READ_LOG)
    logs = workdir / f"inspect-logs-{time.monotonic_ns()}"
    env = {**os.environ, "BENCH_BASE_URL": url, "BENCH_API_KEY": "x"}
    env.pop("PYTHONPATH", None)
    wall, cpu, done = timed(
        [python, "-m", "inspect_ai", "eval", "inspect_task.py", "-T", f"n={n}",  # relative:
         # Inspect globs the task path
         "--model", "openai-api/bench/m", "--max-connections", str(in_flight), "--max-tokens", "16",
         "--max-retries", "0", "--display", "none", "--log-dir", str(logs)], env, workdir)
    if done.returncode != 0:
        sys.exit(f"inspect eval failed: {done.stderr[-500:]}")
    read = subprocess.run([python, str(workdir / "read_log.py"), str(logs)], env=env,
                          capture_output=True, text=True, check=True)
    log = json.loads(read.stdout)
    if len(log["completed"]) != n or log["status"] != "success":
        sys.exit(f"inspect eval: {log['status']}, {len(log['completed'])} of {n} samples")
    stamps = [min(log["started"]), *log["completed"]]
    return wall, cpu, steady_rate(stamps), log["errors"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspect-python", required=True,
                        help="python of a separate venv with inspect-ai and openai")
    parser.add_argument("--latency", default="0.25", help="seconds, comma-separated")
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    version = subprocess.run([args.inspect_python, "-c", "import inspect_ai; "
                              "print(inspect_ai.__version__)"], capture_output=True,
                             text=True, check=True).stdout.strip()
    latencies = [float(x) for x in args.latency.split(",")]
    with endpoint(latencies) as (workdir, port):
        print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}; "
              f"inspect-ai {version}; {args.n} samples, {args.in_flight} in flight")
        for latency in latencies:
            compare(latency, port, args, workdir)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")


@contextlib.contextmanager
def endpoint(latencies: list[float]) -> Iterator[tuple[Path, int]]:
    """engine_throughput's nginx in a temporary folder: (that folder, its port)."""
    with tempfile.TemporaryDirectory() as tmp:
        server, port = start_nginx(Path(tmp), latencies)
        try:
            yield Path(tmp), port
        finally:
            server.terminate()
            server.wait()


def compare(latency: float, port: int, args: argparse.Namespace, workdir: Path) -> None:
    base = str(round(latency * 1000))
    url = f"http://127.0.0.1:{port}/{base}/v1"
    limit = args.in_flight / latency
    floor = math.ceil(args.n / args.in_flight) * latency
    rb_wall, rb_cpu = riskbench_cli(url, args.in_flight, args.n, workdir)
    rb_steady = steady_rate(riskbench_run(base, port, args.in_flight, args.n, workdir).stamps)
    in_wall, in_cpu, in_steady, in_errors = inspect_cli(
        args.inspect_python, url, args.in_flight, args.n, workdir)
    print(f"\nlatency {latency * 1000:.0f} ms: limit {limit:.0f}/s, floor {floor:.1f} s\n"
          f"{'what':<12}{'wall s':>9}{'CPU s':>9}{'CPU ms/sample':>15}"
          f"{'steady/s':>10}{'steady/limit':>14}")
    for what, wall, cpu, steady in (("riskbench", rb_wall, rb_cpu, rb_steady),
                                    ("Inspect AI", in_wall, in_cpu, in_steady)):
        print(f"{what:<12}{wall:>9.1f}{cpu:>9.1f}{cpu / args.n * 1000:>15.2f}"
              f"{steady:>10.0f}{steady / limit:>14.3f}")
    print(f"Inspect / riskbench: wall {in_wall / rb_wall:.1f}x, CPU {in_cpu / rb_cpu:.1f}x, "
          f"steady rate {rb_steady / in_steady:.1f}x"
          + (f"; Inspect errored samples: {in_errors}" if in_errors else ""), flush=True)


if __name__ == "__main__":
    main()
