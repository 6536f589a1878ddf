"""Where the embedded model's first run spends its generation time: the default run's
336 requests (`riskbench run` with no arguments: 4 attacks, 128 tokens, greedy) through
`llama_loop.LlamaLoop` alone, in the engine's order, timed per stage.

Printed: load seconds, prefill seconds and the tokens actually prefilled (prompt tokens
minus those copied from a shared prefix), decoding steps (count, rows per step, seconds
per step), the tail (steps with fewer than 64 rows), and the whole wall; `--out` writes
each reply's token ids (JSON lines) to compare two trees' replies byte for byte. Runs on
whichever riskbench is on PYTHONPATH, so two trees can be timed alternately:

    PYTHONPATH=<tree>/src python bench/local_timeline.py [--n 336] [--out replies.jsonl]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import time

from local_first_run import requests
from local_loop import run_loop
from riskbench.models import get_model, llama_loop
from riskbench.models.local import LocalModel, _load, _render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=336)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--out", help="write each reply's token ids here (JSON lines)")
    args = parser.parse_args()
    began = time.perf_counter()
    model = get_model("local:smollm2")
    assert isinstance(model, LocalModel)
    tokenizer, hf_model = _load(str(model.folder), model.gguf_file)
    loaded = time.perf_counter() - began
    timed = requests(args.max_tokens)[:args.n]
    ids = [list(i) for i in tokenizer(_render(tokenizer, timed))["input_ids"]]
    eos = hf_model.generation_config.eos_token_id
    eos = [eos] if isinstance(eos, int) else list(eos or [])
    loop = llama_loop.LlamaLoop(hf_model, [*eos, tokenizer.eos_token_id])
    jobs = [llama_loop.Job(i, args.max_tokens) for i in ids]
    clock: dict[str, float] = collections.defaultdict(float)
    rows_hist: collections.Counter[int] = collections.Counter()
    print(f"{args.n} requests, {sum(map(len, ids))} prompt tokens; load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    t0 = time.perf_counter()
    run_loop(loop, jobs, clock, rows_hist)
    wall = time.perf_counter() - t0
    made = sum(len(j.out) - (j.out[-1] in loop.eos) for j in jobs)
    steps = max(1.0, clock["steps"])
    print("| stage | seconds | detail |\n|---|---|---|")
    print(f"| load (model, tokenizer) | {loaded:.1f} | |")
    print(f"| prefill | {clock['prefill']:.1f} | {int(clock['prefills'])} prefills, "
          f"{int(clock['prefilled tokens'])} tokens prefilled, "
          f"{clock['prefilled tokens'] / max(clock['prefill'], 1e-9):.0f} tok/s |")
    print(f"| decode | {clock['decode']:.1f} | {int(steps)} steps, "
          f"{clock['decode'] / steps * 1000:.0f} ms/step, {made} tokens generated |")
    print(f"| of which the tail (< 64 rows) | {clock['tail']:.1f} | "
          f"{int(clock['tail steps'])} steps |")
    other = wall - clock["prefill"] - clock["decode"]
    print(f"| loop's own (retire, take, argmax) | {other:.1f} | |")
    print(f"| loop wall | {wall:.1f} | {made / wall:.1f} generated tok/s |")
    print("rows per step (up to):", dict(sorted(rows_hist.items())))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.out:
        with open(args.out, "w") as f:
            for j in jobs:
                f.write(json.dumps(j.out) + "\n")


if __name__ == "__main__":
    main()
