"""What keeping per-test-case counts costs the run's writer: `AttemptWriter` storing the
same attempts (each with two verdicts, in batches of 256, as a run writes them) into a
store with the `case_counts` triggers of migration 0006 and into one without them
(dropped), alternately, several rounds; CPU of this process per attempt (SQLite runs
in-process) and wall time.

    python bench/case_counts_write.py [--attempts 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from riskbench import store
from riskbench.types import Attempt, Conversation, Item, Message, RunConfig, TestCase, Verdict

TRIGGERS = [f"case_counts_{t}_{op}" for t in ("attempts", "verdicts")
            for op in ("insert", "update", "delete")]


def _store(path: Path, keep: bool, cases: list[TestCase], k: int) -> tuple[object, str]:
    engine = store.connect(f"sqlite:///{path}")
    if not keep:
        with engine.begin() as conn:
            for name in TRIGGERS:
                conn.execute(text(f"DROP TRIGGER {name}"))
    run = store.create_run(engine, RunConfig(model="openai:m", suite="s",
                                             judges=("refusal", "harmbench"), k=k), cases)
    return engine, run.id


def _write(engine: object, run_id: str, cases: list[TestCase], k: int,
           rng: random.Random) -> tuple[float, float]:
    writer = store.AttemptWriter(engine)  # type: ignore[arg-type]
    reply = "I can't help with that. " * 8
    wall, cpu = time.perf_counter(), time.process_time()
    for case in cases:
        for sample in range(k):
            ok = rng.random() < 0.95
            attempt = Attempt(run_id, case.id, sample, "ok" if ok else "error",
                              reply if ok else "", (Message("assistant", reply),),
                              error="" if ok else "HTTP 503")
            writer.add(attempt, [Verdict("refusal", "refusal", 0.9, "matched", True, "v"),
                                 Verdict("harmbench", "safe", 0.0, "no", True, "v")])
    writer.flush()
    writer.close()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50_000)
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cases = [TestCase(f"{i:032x}", Item(id=f"i{i}", prompt="p", expected="refuse"), "direct",
                      "none", Conversation.user("p"), {}) for i in range(args.attempts // args.k)]
    results: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for keep in ((True, False) if round_ % 2 == 0 else (False, True)):
                path = Path(folder) / f"{round_}-{keep}.db"
                engine, run_id = _store(path, keep, cases, args.k)
                results[keep].append(_write(engine, run_id, cases, args.k,
                                            random.Random(round_)))
                engine.dispose()  # type: ignore[attr-defined]
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    n = len(cases) * args.k
    print(f"{n:,} attempts x 2 verdicts, {args.rounds} rounds, load average "
          f"{os.getloadavg()[0]:.2f}\n\n| store | CPU µs/attempt (median) | wall s (median) |"
          "\n|---|---|---|")
    for keep, label in ((False, "without case_counts triggers"),
                        (True, "with case_counts triggers")):
        cpu = statistics.median(c for _, c in results[keep]) / n * 1e6
        wall = statistics.median(w for w, _ in results[keep])
        print(f"| {label} | {cpu:.0f} | {wall:.2f} |")


if __name__ == "__main__":
    main()
