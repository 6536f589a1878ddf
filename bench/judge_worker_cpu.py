"""CPU per attempt of the judging worker's work (pipeline/judge_worker.serve), alone.

    python bench/judge_worker_cpu.py [--n 10000] [--batch 128] [--group 128] [--profile]

Plans a run of `--n` items (the bench suite of engine_throughput.py, direct attack, the
refusal judge), stores it in a temporary SQLite file, packs one attempt per case with the
canned reply as the engine would, and feeds the batches to `serve` in this process (no
pipes, no process start-up): what the worker spends per attempt on loading the run's
cases, unpacking, the refusal judge, verdicts and the SQLite writes. `--profile` adds the
functions' shares (cProfile on CPU time; the judge's thread is counted under the main
thread's wait for it, `Runner.run`).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import engine_throughput as et
from riskbench import store
from riskbench.pipeline import plan
from riskbench.pipeline.judge_worker import pack, serve
from riskbench.types import Attempt, Message, RunConfig


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--group", type=int, default=128,
                        help="attempts per transaction (the worker groups the batches "
                             "that wait; 128: one batch each)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        the_plan = plan(RunConfig(model="scripted:echo", suite=str(et.suite_file(folder, args.n)),
                                  attacks=("direct",), max_tokens=16))
        url = f"sqlite:///{folder / 'worker.db'}"
        run = store.create_run(store.connect(url), the_plan.config, the_plan.cases)
        reply = json.loads(et.BODY)["choices"][0]["message"]["content"]
        rows = [pack(case, Attempt(run.id, case.id, 0, "ok", reply,
                                   (*case.conversation.messages, Message("assistant", reply)),
                                   10, 10, 0.1)) for case in the_plan.cases]
        setup = {"db_url": url, "run_id": run.id, "judges": list(the_plan.config.judges),
                 "key_variables": []}
        batches = [rows[i:i + args.batch] for i in range(0, len(rows), args.batch)]
        per_group = max(1, args.group // args.batch)  # batches stored in one transaction
        groups = [[setup], *(batches[i:i + per_group]
                             for i in range(0, len(batches), per_group))]
        profile = cProfile.Profile(time.process_time) if args.profile else None
        start = time.process_time()
        if profile:
            profile.enable()
        serve(groups, lambda message: None)
        if profile:
            profile.disable()
        cpu = time.process_time() - start
        print(f"worker's work: {cpu / args.n * 1000:.3f} ms CPU per attempt ({args.n} attempts, "
              f"batches of {args.batch}, {per_group * args.batch} per transaction, judges "
              f"{', '.join(the_plan.config.judges)}, cases loaded and stored included; "
              "process start-up not)")
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
