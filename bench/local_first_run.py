"""The README's first run on the embedded model, old against new batch formation, side by
side in one process on the same requests: the default run's attacked starter prompts
(`riskbench run` with no arguments: 4 attacks, 128 tokens, greedy) in the engine's order.

`arrival`: what 32 requests in flight gave, each batch the next 32 as they came.
`grouped`: `--pool` requests in flight (the model's default concurrency now); each batch
is `take_batch`'s pick from them (the oldest and those nearest its length) and the pool
refills in the engine's order as batches finish. Batches of the two modes alternate, so
load changes hit both alike. Both run through `models/local.py`'s own `_generate_batch`.

Printed: padded and real prompt tokens over the whole run (exact, tokenizer only), then
for the timed `--n` requests per mode: prefill seconds, decoding seconds per step,
generated tokens and tokens/s; and how many replies are identical between the modes.

    python bench/local_first_run.py [--n 96] [--max-tokens 128] [--pool 128]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from riskbench.models import get_model
from riskbench.models.local import BATCH_TOKENS, LocalModel, _load, _Request, take_batch
from riskbench.pipeline import plan
from riskbench.types import Generation, RunConfig

DEFAULT_ATTACKS = ("direct", "prefix_injection", "refusal_suppression", "roleplay")


def requests(max_tokens: int) -> list[_Request]:
    cases = plan(RunConfig(attacks=DEFAULT_ATTACKS, max_tokens=max_tokens)).cases
    loop = asyncio.new_event_loop()
    return [_Request(tuple(c.conversation.messages), max_tokens, 0.0, 0, loop.create_future())
            for c in cases]


def arrival(pending: list[_Request], size: int) -> Iterator[list[_Request]]:
    for start in range(0, len(pending), size):
        yield pending[start:start + size]


def grouped(pending: list[_Request], size: int, pool: int) -> Iterator[list[_Request]]:
    """The engine's refill: `pool` in flight, a finished batch's rows replaced in order."""
    waiting, queue = list(pending[:pool]), list(pending[pool:])
    while waiting:
        batch = take_batch(waiting, size, BATCH_TOKENS, lambda r: r.tokens)
        taken = {id(r) for r in batch}
        waiting = [r for r in waiting if id(r) not in taken]
        waiting += queue[:len(batch)]
        queue = queue[len(batch):]
        yield batch


class Timed:
    """Wraps the model's `generate` to time the prefill and each decoding step."""

    def __init__(self, model: Any) -> None:
        self.model, self.real = model, model.generate
        self.prefill = self.decode = 0.0
        self.steps = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from transformers import StoppingCriteriaList

        stamps: list[float] = []

        def stamp(input_ids: Any, scores: Any, **_: Any) -> Any:
            import torch

            stamps.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool)

        kwargs["stopping_criteria"] = StoppingCriteriaList(
            [*kwargs.get("stopping_criteria", []), stamp])
        start = time.perf_counter()
        out = self.real(*args, **kwargs)
        self.prefill += stamps[0] - start
        self.decode += stamps[-1] - stamps[0]
        self.steps += len(stamps) - 1
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=96,
                        help="requests timed per mode (0: padding only)")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--pool", type=int, default=LocalModel.defaults.concurrency)
    parser.add_argument("--size", type=int, default=32, help="rows per batch")
    args = parser.parse_args()
    model = get_model("local:smollm2")
    assert isinstance(model, LocalModel)
    _, hf_model = _load(str(model.folder), model.gguf_file)
    every = requests(args.max_tokens)
    model._count(every)
    prompt = sum(r.tokens for r in every)
    modes: dict[str, Callable[[list[_Request]], Iterator[list[_Request]]]] = {
        "arrival": lambda p: arrival(p, args.size),
        "grouped": lambda p: grouped(p, args.size, args.pool),
    }
    print(f"{len(every)} requests, prompt tokens {prompt}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| mode | batches | padded prompt tokens (whole run) | of which padding |\n"
          "|---|---|---|---|")
    for name, form in modes.items():
        batches = list(form(every))
        padded = sum(len(b) * max(r.tokens for r in b) for b in batches)
        print(f"| {name} | {len(batches)} | {padded} | {padded / prompt - 1:.0%} |")

    if not args.n:
        return
    timed = every[:args.n]
    first = timed[0]
    model._generate_batch([_Request(first.messages, 4, 0.0, 0, first.future)])  # warm-up
    forms = {name: list(form(timed)) for name, form in modes.items()}
    clocks = {name: Timed(hf_model) for name in modes}
    replies: dict[str, dict[int, Generation]] = {name: {} for name in modes}
    walls = dict.fromkeys(modes, 0.0)
    for index in range(max(len(b) for b in forms.values())):
        for name in modes:
            if index >= len(forms[name]):
                continue
            batch = forms[name][index]
            hf_model.generate = clocks[name]
            start = time.perf_counter()
            try:
                out = model._generate_batch(batch)
            finally:
                del hf_model.generate
            took = time.perf_counter() - start
            walls[name] += took
            replies[name].update({id(r): g for r, g in zip(batch, out, strict=True)})
            print(f"  {name} batch {index + 1}: {len(batch)} rows, {took:.1f} s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\n| mode ({args.n} requests, {args.max_tokens} tokens) | batches | prefill s "
          "| decode s/step | generated tokens | wall s | tokens/s |\n|---|---|---|---|---|---|---|")
    for name in modes:
        c, made = clocks[name], sum(g.completion_tokens for g in replies[name].values())
        print(f"| {name} | {len(forms[name])} | {c.prefill:.1f} | {c.decode / c.steps:.3f} "
              f"| {made} | {walls[name]:.1f} | {made / walls[name]:.1f} |")
    same = sum(replies["arrival"][k].text == replies["grouped"][k].text for k in replies["arrival"])
    print(f"\nidentical replies: {same} of {len(timed)}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
