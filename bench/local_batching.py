"""Batched against one-at-a-time generation of the embedded model (`local:smollm2`):
generated tokens per second, both measured in one run on the same prompts.

Prompts are the starter suite's first `--n` items as the default run sends them (no
attack); each side generates up to `--max-tokens` greedily through `models/local.py`'s
own batch path (`_generate_batch`, left padding). Only tokens up to each row's end of
sequence count: the padding steps a batch runs for rows that stopped early are its cost.

    python bench/local_batching.py [--n 32] [--single 8] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from riskbench.models import get_model, weights_cache
from riskbench.models.local import LocalModel, _load, _Request
from riskbench.suites import load_suite
from riskbench.types import Message


def _requests(prompts: list[str], max_tokens: int) -> list[_Request]:
    loop = asyncio.new_event_loop()
    return [_Request((Message("user", p),), max_tokens, 0.0, 0, loop.create_future())
            for p in prompts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32, help="prompts in the batch")
    parser.add_argument("--single", type=int, default=8,
                        help="of those, how many to generate one at a time")
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    model = get_model("local:smollm2")
    assert isinstance(model, LocalModel)
    assert model.gguf_file is not None
    cached = weights_cache.is_complete(
        weights_cache.cache_folder(model.folder / model.gguf_file))
    start = time.perf_counter()
    _load(str(model.folder), model.gguf_file)
    print(f"model load {time.perf_counter() - start:.1f} s "
          f"({'dequantised copy from the cache' if cached else 'GGUF dequantised, cached'}); "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    prompts = [item.prompt for item in load_suite("starter").items[:args.n]]
    model._generate_batch(_requests(prompts[:2], 8))  # warm-up

    start = time.perf_counter()
    singles = [model._generate_batch(_requests([p], args.max_tokens))[0]
               for p in prompts[:args.single]]
    single_s = time.perf_counter() - start
    single_tokens = sum(g.completion_tokens for g in singles)

    start = time.perf_counter()
    batched = model._generate_batch(_requests(prompts, args.max_tokens))
    batch_s = time.perf_counter() - start
    batch_tokens = sum(g.completion_tokens for g in batched)

    one, many = single_tokens / single_s, batch_tokens / batch_s
    print(f"| mode | prompts | tokens | wall s | tokens/s |\n|---|---|---|---|---|\n"
          f"| one at a time | {args.single} | {single_tokens} | {single_s:.1f} | {one:.1f} |\n"
          f"| batch of {len(prompts)} | {len(prompts)} | {batch_tokens} | {batch_s:.1f} "
          f"| {many:.1f} |\n\nbatched / one at a time: {many / one:.1f}x; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
