"""One decoding step of the embedded model, transformers' forward with its DynamicCache
(32 rows) against `llama_loop.LlamaLoop` at the given row counts (plain and oneDNN-packed
weights), alternating step by step so load hits all alike; random prompt ids, `context`
cached positions. Prints the median seconds per step and tokens/s (rows / step).

    python bench/local_decode_step.py [context=150] [rows=32,128]
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import torch
from transformers import DynamicCache

from riskbench.models.llama_loop import LlamaLoop
from riskbench.models.local import SMOLLM2_GGUF, _load, smollm2_folder


def hf_step(model: object, rows: int, context: int) -> Callable[[], None]:
    ids = torch.randint(100, 40000, (rows, context))
    mask = torch.ones(rows, context, dtype=torch.long)
    out = model(input_ids=ids, attention_mask=mask,  # type: ignore[operator]
                past_key_values=DynamicCache(config=model.config),  # type: ignore[attr-defined]
                use_cache=True, logits_to_keep=1)
    cache, nxt = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)

    def step() -> None:
        nonlocal mask, nxt
        mask = torch.cat([mask, torch.ones(rows, 1, dtype=torch.long)], 1)
        o = model(input_ids=nxt, attention_mask=mask, past_key_values=cache,  # type: ignore[operator]
                  use_cache=True)
        nxt = o.logits[:, -1].argmax(-1, keepdim=True)
    return step


def loop_step(model: object, rows: int, context: int, packed: bool) -> Callable[[], None]:
    loop = LlamaLoop(model, [2], rows=rows, cache_positions=rows * (context + 64),
                     packed=packed)
    loop._reserve(0, rows, context + 64)
    pos, nxt, every = torch.full((rows,), context), torch.randint(100, 40000, (rows,)), \
        torch.arange(rows)

    def step() -> None:
        nonlocal pos, nxt
        nxt = loop._forward(nxt, every, pos, every, None).argmax(-1)
        pos = pos + 1
    return step


def main() -> None:
    context = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    counts = [int(b) for b in (sys.argv[2] if len(sys.argv) > 2 else "32,128").split(",")]
    _, model = _load(str(smollm2_folder()), SMOLLM2_GGUF)
    torch.manual_seed(0)
    with torch.inference_mode():
        steps = {"hf 32": hf_step(model, 32, context),
                 **{f"loop {b}": loop_step(model, b, context, False) for b in counts},
                 **{f"packed {b}": loop_step(model, b, context, True) for b in counts}}
        times: dict[str, list[float]] = {k: [] for k in steps}
        for _ in range(6):
            for name, step in steps.items():
                began = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - began)
    for name, took in times.items():
        rows, median = int(name.split()[1]), sorted(took[1:])[2]
        print(f"{name}: median s/step {median:.3f}  tokens/s {rows / median:.0f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
