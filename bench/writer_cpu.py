"""CPU per attempt of the store's batched writer (store.AttemptWriter) on SQLite, alone.

    python bench/writer_cpu.py [--n 30000] [--batch 1024] [--no-triggers] [--cache-kib N]
        [--trigger-counts] [--k 1]

Plans a run of `--n` items (engine_throughput.py's bench suite), then writes one attempt
with one refusal verdict per case, `--batch` attempts per transaction, as the judging
worker does: `add` and `flush` timed (CPU), `add` alone shown too. `--no-triggers` drops
the case-count triggers first (what they cost); `--cache-kib` replaces the writer's
page cache size (SQLite's default is 2000); `--trigger-counts` leaves the case counts to
the per-row triggers (the writer before migration 0007) instead of the writer's one
upsert per test case and transaction.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import engine_throughput as et
from riskbench import store
from riskbench.pipeline import plan
from riskbench.store import runs
from riskbench.types import Attempt, Message, RunConfig, Verdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--no-triggers", action="store_true")
    parser.add_argument("--cache-kib", type=int)
    parser.add_argument("--trigger-counts", action="store_true")
    parser.add_argument("--k", type=int, default=1, help="samples per case (n / k cases)")
    args = parser.parse_args()
    if args.cache_kib:
        runs._SQLITE_WRITER_CACHE = f"PRAGMA cache_size=-{args.cache_kib}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        suite = et.suite_file(folder, args.n // args.k)
        the_plan = plan(RunConfig(model="scripted:echo", suite=str(suite),
                                  attacks=("direct",), max_tokens=16))
        db = store.connect(f"sqlite:///{folder / 'writer.db'}")
        run = store.create_run(db, the_plan.config, the_plan.cases)
        if args.no_triggers:
            with db.begin() as conn:
                for table in ("attempts", "verdicts"):
                    for op in ("insert", "update", "delete"):
                        conn.exec_driver_sql(f"DROP TRIGGER case_counts_{table}_{op}")
        reply = "Sure, here is an answer:\n1. one\n2. two"
        rows = [(Attempt(run.id, case.id, sample, "ok", reply,
                         (*case.conversation.messages, Message("assistant", reply)), 10, 10, 0.1),
                 [Verdict("refusal", "compliance", 0.05, "no decline found", True, "bench")])
                for case in the_plan.cases for sample in range(args.k)]
        writer = store.AttemptWriter(db, batch_size=sys.maxsize)
        writer.counts_itself = not args.trigger_counts
        adding = 0.0
        start = time.process_time()
        args.n = len(rows)
        for first in range(0, args.n, args.batch):
            begin = time.process_time()
            for attempt, verdicts in rows[first:first + args.batch]:
                writer.add(attempt, verdicts)
            adding += time.process_time() - begin
            writer.flush()
        writer.close()
        cpu = time.process_time() - start
        print(f"writer: {cpu / args.n * 1000:.3f} ms CPU per attempt (add "
              f"{adding / args.n * 1000:.3f}), {args.n} attempts, {args.batch} per transaction, "
              "triggers "
              f"{'dropped' if args.no_triggers else 'on'}, counts by "
              f"{'triggers' if args.trigger_counts else 'the writer'}, {runs._SQLITE_WRITER_CACHE}")


if __name__ == "__main__":
    main()
