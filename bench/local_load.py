"""The embedded model's load: from its GGUF file (transformers dequantises it) against from
the dequantised copy in the cache, wall clock and CPU of each, in one run, in a fresh
cache folder; then whether both give the same logits on the starter suite's prompts.

    python bench/local_load.py [--prompts 8]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RISKBENCH_MODEL_CACHE"] = tmp
        start, cpu = time.perf_counter(), time.process_time()
        import torch
        from transformers.utils import logging as hf_logging

        from riskbench.models import weights_cache
        from riskbench.models.local import SMOLLM2_GGUF, smollm2_folder
        from riskbench.suites import load_suite

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        print(f"imports (torch, transformers): {time.perf_counter() - start:.1f} s wall, "
              f"{time.process_time() - cpu:.1f} s CPU; load average {os.getloadavg()[0]:.2f}")
        folder = smollm2_folder()
        loaded = {}
        for how in ("from the GGUF (and cached)", "from the cache"):
            start, cpu = time.perf_counter(), time.process_time()
            loaded[how] = weights_cache.load(folder, SMOLLM2_GGUF)
            print(f"load {how}: {time.perf_counter() - start:.1f} s wall, "
                  f"{time.process_time() - cpu:.1f} s CPU; load average "
                  f"{os.getloadavg()[0]:.2f}", flush=True)
        prompts = [i.prompt for i in load_suite("starter").items[:args.prompts]]
        logits = []
        for tokenizer, model in loaded.values():
            tokenizer.padding_side = "left"
            texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}],
                                                   tokenize=False, add_generation_prompt=True)
                     for p in prompts]
            with torch.inference_mode():
                logits.append(model.eval()(**tokenizer(texts, return_tensors="pt",
                                                       padding=True)).logits)
        print(f"same logits on {len(prompts)} starter prompts: "
              f"{torch.equal(logits[0], logits[1])}")


if __name__ == "__main__":
    main()
