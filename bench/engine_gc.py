"""What the cyclic collector does during riskbench's attempts (one bench row, `thread` mode).

    python bench/engine_gc.py [--n 10000] [--latency 0.1] [--repeat 2]

Against engine_throughput.py's nginx, after a warm-up run: per run, the collector's passes
by generation and the CPU they took (`gc.callbacks`, the collecting thread's CPU time),
beside the row's CPU per attempt. Run it with `PYTHONPATH=<tree>/src` to compare trees
(engine/collector.py paces the collector during a run's attempts).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import engine_throughput as et


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    passes = [0, 0, 0]
    spent = [0.0]
    started = [0.0]

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.thread_time()
        else:
            spent[0] += time.thread_time() - started[0]
            passes[info["generation"]] += 1

    base = str(round(args.latency * 1000))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server, port = et.start_nginx(workdir, [args.latency])
        try:
            et.riskbench_run(base, port, 256, 512, workdir, "thread")  # warm-up
            for _ in range(args.repeat):
                passes[:], spent[0] = [0, 0, 0], 0.0
                gc.callbacks.append(watch)
                r = et.riskbench_run(base, port, 256, args.n, workdir, "thread")
                gc.callbacks.remove(watch)
                ratio = et.steady_rate(r.stamps) / (256 / args.latency)
                print(f"{args.n} attempts, {args.latency * 1000:.0f} ms: ratio {ratio:.3f}, "
                      f"CPU {r.total_cpu / r.n * 1000:.3f} ms/attempt (attempts phase); "
                      f"collector passes young/middle/full {passes[0]}/{passes[1]}/"
                      f"{passes[2]}, {spent[0]:.3f} s of CPU (the whole evaluate)", flush=True)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
