"""The embedded model's generation, old against new, side by side in one process on the
same requests: the default run's attacked starter prompts (greedy) in the engine's order.

`generate`: today's batches of `--size` rows grouped by `take_batch`, each through
`model.generate` (`LocalModel._generate_batch`). `loop`: `llama_loop.LlamaLoop` with
`--rows` rows, continuous batching (a finished row is refilled from the waiting prompts).
The requests are cut into `--rounds` slices; each slice runs through both, alternately,
so load changes hit both alike. Printed per mode: wall seconds, generated tokens, tokens/s,
and for the loop its prefill seconds and seconds per decoding step; then how many replies
are byte-identical between the modes.

    python bench/local_loop.py [--n 64] [--max-tokens 64] [--rows 64] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from local_first_run import grouped, requests
from riskbench.models import get_model, llama_loop
from riskbench.models.local import LocalModel, _load, _render, _Request
from riskbench.types import Generation


def in_order(jobs: list[llama_loop.Job]
             ) -> Callable[[int, Callable[[llama_loop.Job], bool]], list[llama_loop.Job]]:
    """A loop's `take` handing over `jobs` oldest first, as the engine does."""
    waiting = list(jobs)

    def take(free: int, fits: Callable[[llama_loop.Job], bool]) -> list[llama_loop.Job]:
        out: list[llama_loop.Job] = []
        while waiting and len(out) < free and fits(waiting[0]):
            out.append(waiting.pop(0))
        return out

    return take


def run_loop(loop: llama_loop.LlamaLoop, jobs: list[llama_loop.Job],
             clock: dict[str, float], rows: Counter[int] | None = None) -> None:
    """Run `jobs` through `loop`, adding to `clock`: prefill (seconds, count, tokens
    run), decode (seconds, steps), tail (seconds, steps of fewer than 64 rows); `rows`
    counts decoding steps by rows, in bins of 16."""
    real_prefill, real_forward = loop._prefill, loop._forward

    def prefill(start: int, group: list[llama_loop.Job]) -> Any:
        began = time.perf_counter()
        try:
            return real_prefill(start, group)
        finally:
            clock["prefill"] += time.perf_counter() - began
            clock["prefills"] += 1

    def forward(*args: Any) -> Any:
        began = time.perf_counter()
        try:
            return real_forward(*args)
        finally:
            n = int(args[0].shape[0])
            if args[4] is None:  # a decoding step
                took = time.perf_counter() - began
                clock["decode"] += took
                clock["steps"] += 1
                if rows is not None:
                    rows[(n - 1) // 16 * 16 + 16] += 1
                if n < 64:
                    clock["tail"] += took
                    clock["tail steps"] += 1
            else:
                clock["prefilled tokens"] += n

    loop._prefill, loop._forward = prefill, forward  # type: ignore[method-assign]
    try:
        loop.run(in_order(jobs), lambda job, error: None, threading.Event())
    finally:
        del loop._prefill, loop._forward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="requests timed per mode")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rows", type=int, default=llama_loop.ROWS, help="loop rows")
    parser.add_argument("--size", type=int, default=32, help="generate's rows per batch")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--packed", action="store_true", help="oneDNN pre-packed weights")
    args = parser.parse_args()
    model = get_model("local:smollm2")
    assert isinstance(model, LocalModel)
    tokenizer, hf_model = _load(str(model.folder), model.gguf_file)
    timed = requests(args.max_tokens)[:args.n]
    model._count(timed)
    ids = [list(i) for i in tokenizer(_render(tokenizer, timed))["input_ids"]]
    eos = tokenizer.eos_token_id
    loop = llama_loop.LlamaLoop(hf_model, [eos], rows=args.rows, packed=args.packed)
    print(f"{args.n} requests, {sum(map(len, ids))} prompt tokens, {args.max_tokens} tokens "
          f"max; load average {os.getloadavg()[0]:.2f}", flush=True)
    model._generate_batch([_Request(timed[0].messages, 4, 0.0, 0, timed[0].future)])  # warm
    walls = {"generate": 0.0, "loop": 0.0}
    clock: dict[str, float] = defaultdict(float)
    old: dict[int, Generation] = {}
    jobs = [llama_loop.Job(i, args.max_tokens) for i in ids]
    cut = -(-args.n // args.rounds)
    for start in range(0, args.n, cut):
        part = timed[start:start + cut]
        began = time.perf_counter()
        for batch in grouped(part, args.size, LocalModel.defaults.concurrency):
            for r, gen in zip(batch, model._generate_batch(batch), strict=True):
                old[id(r)] = gen
        walls["generate"] += time.perf_counter() - began
        print(f"  generate {start}-{start + len(part)}: {time.perf_counter() - began:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        began = time.perf_counter()
        run_loop(loop, jobs[start:start + cut], clock)
        walls["loop"] += time.perf_counter() - began
        print(f"  loop {start}-{start + len(part)}: {time.perf_counter() - began:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    loop_texts = [tokenizer.decode(j.out[:j.out.index(eos) if eos in j.out else len(j.out)],
                                   skip_special_tokens=True).strip() for j in jobs]
    old_texts = [old[id(r)].text for r in timed]
    made_loop = sum(len(j.out) - (j.out[-1] == eos) for j in jobs)
    made_old = sum(g.completion_tokens for g in old.values())
    print("\n| mode | wall s | generated tokens | tokens/s | prefill s | decode s/step |\n"
          "|---|---|---|---|---|---|")
    print(f"| generate ({args.size} rows) | {walls['generate']:.1f} | {made_old} "
          f"| {made_old / walls['generate']:.1f} | | |")
    print(f"| loop ({args.rows} rows{', packed' if args.packed else ''}) | {walls['loop']:.1f} "
          f"| {made_loop} | {made_loop / walls['loop']:.1f} | {clock['prefill']:.1f} "
          f"| {clock['decode'] / max(1, clock['steps']):.3f} |")
    same = sum(a == b for a, b in zip(old_texts, loop_texts, strict=True))
    ratio = walls["generate"] / walls["loop"]
    print(f"\nidentical replies: {same} of {args.n}; loop {ratio:.2f}x faster; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
