"""Batched against one-at-a-time generation of the embedded model (`local:smollm2`):
generated tokens per second, measured in one run on the same prompts.

Prompts are the default run's first `--n` attacked starter prompts (`riskbench run` with
no arguments), greedy, up to `--max-tokens` each. Batched: `llama_loop` with `--rows`
rows (continuous batching, shared prefixes copied), as the default run generates. One
at a time, on the first `--single` of them: `model.generate` per request
(`LocalModel._generate_batch` with one row) and the loop with one row. Only tokens up
to each reply's end count. The replies of the three modes are compared too.

    python bench/local_batching.py [--n 128] [--single 4] [--max-tokens 64] [--rows 128]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from local_first_run import requests
from local_loop import in_order
from riskbench.models import get_model, llama_loop
from riskbench.models.local import LocalModel, _load, _render


def loop_run(loop: llama_loop.LlamaLoop, jobs: list[llama_loop.Job]) -> float:
    """Seconds for `loop` to generate every job, in order, as the engine hands them over."""
    began = time.perf_counter()
    loop.run(in_order(jobs), lambda job, error: None, threading.Event())
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=128, help="prompts generated batched")
    parser.add_argument("--single", type=int, default=4,
                        help="of those, how many to generate one at a time")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rows", type=int, default=llama_loop.ROWS)
    args = parser.parse_args()
    model = get_model("local:smollm2")
    assert isinstance(model, LocalModel)
    tokenizer, hf_model = _load(str(model.folder), model.gguf_file)
    timed = requests(args.max_tokens)[:args.n]
    ids = [list(i) for i in tokenizer(_render(tokenizer, timed))["input_ids"]]
    eos = [tokenizer.eos_token_id]
    print(f"{args.n} prompts, {sum(map(len, ids))} prompt tokens; load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    model._generate_batch(timed[:1])  # warm-up

    def made(jobs: list[llama_loop.Job]) -> int:
        return sum(len(j.out) - (j.out[-1] in eos) for j in jobs)

    began = time.perf_counter()
    singles = [model._generate_batch([r])[0] for r in timed[:args.single]]
    generate_s, generate_n = time.perf_counter() - began, sum(g.completion_tokens for g in singles)
    one_row = [llama_loop.Job(i, args.max_tokens) for i in ids[:args.single]]
    one_s = loop_run(llama_loop.LlamaLoop(hf_model, eos, rows=1), one_row)
    batched = [llama_loop.Job(i, args.max_tokens) for i in ids]
    batch_s = loop_run(llama_loop.LlamaLoop(hf_model, eos, rows=args.rows), batched)
    rates = {"generate": generate_n / generate_s, "one": made(one_row) / one_s,
             "batch": made(batched) / batch_s}
    print("| mode | prompts | tokens | wall s | tokens/s |\n|---|---|---|---|---|\n"
          f"| `model.generate`, one at a time | {args.single} | {generate_n} | {generate_s:.1f} "
          f"| {rates['generate']:.1f} |\n"
          f"| loop, 1 row | {args.single} | {made(one_row)} | {one_s:.1f} | {rates['one']:.1f} |\n"
          f"| loop, {args.rows} rows | {args.n} | {made(batched)} | {batch_s:.1f} "
          f"| {rates['batch']:.1f} |")
    texts = [tokenizer.decode(j.out[:len(j.out) - (j.out[-1] in eos)], skip_special_tokens=True)
             .strip() for j in batched[:args.single]]
    same = sum(a == b.text for a, b in zip(texts, singles, strict=True))
    same_one = sum(a.out == b.out for a, b in zip(one_row, batched, strict=False))
    print(f"\nbatched / one at a time: {rates['batch'] / rates['generate']:.1f}x `generate`, "
          f"{rates['batch'] / rates['one']:.1f}x the loop with 1 row; identical replies: "
          f"{same} of {args.single} with `generate`, {same_one} with 1 row; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
