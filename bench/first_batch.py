"""What a cold `riskbench run` (the README's first run: starter suite on `local:smollm2`)
spends before its first batch starts generating: seconds from process start to the end of
each step, wall clock and this process's CPU, in a fresh model cache, response cache,
database and reports folder. The run stops at the first batch (the generation is
`bench/local_batching.py`'s subject).

    python bench/first_batch.py [--warm]    # --warm keeps the model cache of the last run
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = r"""
import inspect, os, sys, time
t0 = float(sys.argv[1])
def mark(what):
    print(f"{what:<42} {time.time() - t0:6.1f} s wall {time.process_time():6.1f} s CPU",
          flush=True)
mark("interpreter started")
import riskbench.cli as cli
mark("riskbench.cli imported")
from riskbench.models import gguf_build, local, weights_cache
from riskbench.pipeline import runs

def timed(owner, name, label, stop=False, before=None):
    inner = getattr(owner, name)
    def sync(*a, **k):
        if stop:
            mark(label)
            os._exit(0)
        if before:
            mark(before)
        out = inner(*a, **k)
        mark(label)
        return out
    async def coroutine(*a, **k):
        out = await inner(*a, **k)
        mark(label)
        return out
    setattr(owner, name, coroutine if inspect.iscoroutinefunction(inner) else sync)

timed(runs, "plan", "planned (suite, attacks, judges validated)")
timed(weights_cache, "load", "model loaded (LocalModel.check)",
      before="torch + transformers imported")
timed(gguf_build, "write", "copy written (gguf_build.write)")
timed(runs, "_sink", "judging sink built (judges loaded)")
timed(local.LocalModel, "_generate_batch", "first batch starts generating", stop=True)
sys.argv = ["riskbench", "run"]
cli.main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true")
    args = parser.parse_args()
    keep = Path(tempfile.gettempdir()) / "riskbench-first-batch-models"
    with tempfile.TemporaryDirectory() as tmp:
        env: dict[str, Any] = os.environ | {
            "RISKBENCH_MODEL_CACHE": str(keep),
            "RISKBENCH_CACHE": str(Path(tmp) / "responses.sqlite"),
            "RISKBENCH_DB": f"sqlite:///{tmp}/riskbench.db"}
        if not args.warm:
            shutil.rmtree(keep, ignore_errors=True)
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
        subprocess.run([sys.executable, "-c", CHILD, repr(time.time())], cwd=tmp, env=env,
                       check=True)
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
