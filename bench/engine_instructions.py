"""Instructions of one riskbench run, independent of the machine's load (callgrind).

    valgrind --tool=callgrind --callgrind-out-file=cg.%p -q \
        python bench/engine_instructions.py [--n 2000]
    grep -E '^(desc: Trigger|summary)' cg.*

One `pipeline.evaluate` of `--n` attempts (`thread` mode, 100 ms, 256 in flight, against
engine_throughput.py's nginx) in a process warmed by a first run: the counters are zeroed
before it and dumped after it (`callgrind_control`), so the dump named `run` holds the
instructions of that evaluate alone (plan, attempts, judging, storing, metrics, reports;
all threads; user space only). Compare trees with `PYTHONPATH=<tree>/src`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import engine_throughput as et


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server, port = et.start_nginx(workdir, [0.1])
        try:
            et.riskbench_run("100", port, 256, 256, workdir, "thread")  # warm-up
            subprocess.run(["callgrind_control", "-z", str(os.getpid())], check=True,
                           capture_output=True)
            r = et.riskbench_run("100", port, 256, args.n, workdir, "thread")
            subprocess.run(["callgrind_control", "-d", "run", str(os.getpid())], check=True,
                           capture_output=True)
            print(f"{r.n} attempts, {r.errors} errors", flush=True)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
