"""What the Ray executor costs beside the local one, measured side by side in one run.

    python bench/ray_overhead.py [--attempts 1500] [--latency 0.1] [--concurrency 64]

One loopback endpoint (bench/engine_throughput.py's bare ASGI server, in its own process,
a fixed latency per reply), one SQLite store, cache off, refusal judge. The same run is
made by the local executor, then on a Ray instance on this machine (started once, before
the clock: `ray.init` is a one-time cost per driver) with 1 and 2 shard workers in
parallel, and again by the local executor (load on a shared machine drifts). For each it
prints attempts/s over the whole run (the per-run actors' start, reports and all) and over
its attempts phase (first shard submitted to the last attempt stored), and both as a ratio
to the mean of the two local runs. The concurrency is global in every case: 2 workers
share one limit of --concurrency requests in flight.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


class Phase:
    """Progress hook timing the attempts phase: start() to stop()."""

    def start(self, total: int, done: int) -> None:
        self.t0 = time.perf_counter()
        self.n = 0

    def advance(self, attempt: object) -> None:
        self.n += 1

    def stop(self) -> None:
        self.t1 = time.perf_counter()


def one_run(port: int, suite: Path, workdir: Path, name: str, concurrency: int,
            **ray: object) -> tuple[float, float, int]:
    from riskbench.pipeline import RunOptions, evaluate
    from riskbench.types import RunConfig

    phase = Phase()
    started = time.perf_counter()
    result = evaluate(
        RunConfig(model=f"openai-compatible:http://127.0.0.1:{port}/v1:m", suite=str(suite),
                  attacks=("direct",), max_tokens=16),
        RunOptions(db_url=f"sqlite:///{workdir / 'bench.db'}", concurrency=concurrency,
                   use_cache=False, report_dir=workdir / f"report-{name}", **ray),  # type: ignore[arg-type]
        phase,
    )
    whole = time.perf_counter() - started
    n = result.scores.counts["attempts"]
    assert result.scores.counts["errors"] == 0 and phase.n == n, (name, result.scores.counts)
    return n / whole, n / (phase.t1 - phase.t0), n


def _wait_for(port: int, seconds: float = 10.0) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the bench server on port {port} did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(Path(__file__).with_name(
        "engine_throughput.py")), "--serve", str(port), "--latency", str(args.latency)])
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as tmp:
        workdir = Path(tmp)
        token = workdir / "ray-token"  # Ray's token auth on, its token kept out of $HOME
        token.write_text(secrets.token_hex(32))
        os.environ.setdefault("RAY_AUTH_MODE", "token")
        os.environ.setdefault("RAY_AUTH_TOKEN_PATH", str(token))
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            _wait_for(port)
            suite = workdir / "bench.jsonl"
            with suite.open("w") as fh:
                for i in range(args.attempts):
                    fh.write(json.dumps({"id": f"b{i}", "prompt": f"benchmark {i}"}) + "\n")
            from riskbench.engine.ray_executor import connect

            started = time.perf_counter()
            connect(None, num_cpus=3)  # 2 shard workers + the judges' actor
            init_s = time.perf_counter() - started
            runs = [("local", {}), ("ray, 1 worker", {"executor": "ray", "ray_workers": 1}),
                    ("ray, 2 workers", {"executor": "ray", "ray_workers": 2}),
                    ("local again", {})]
            figures = [(name, *one_run(port, suite, workdir, name.replace(" ", "_").replace(
                ",", ""), args.concurrency, **extra)) for name, extra in runs]
        finally:
            server.terminate()
            server.wait()
    local_whole = (figures[0][1] + figures[3][1]) / 2
    local_phase = (figures[0][2] + figures[3][2]) / 2
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}, latency "
          f"{args.latency * 1000:.0f} ms, {args.concurrency} in flight (limit "
          f"{args.concurrency / args.latency:.0f}/s), {args.attempts} attempts per run; "
          f"ray.init {init_s:.1f} s once")
    print(f"{'executor':<16}{'attempts/s whole':>18}{'ratio':>8}{'attempts/s phase':>18}"
          f"{'ratio':>8}")
    for name, whole, phase, _ in figures:
        print(f"{name:<16}{whole:>18.1f}{whole / local_whole:>8.2f}{phase:>18.1f}"
              f"{phase / local_phase:>8.2f}")


if __name__ == "__main__":
    main()
