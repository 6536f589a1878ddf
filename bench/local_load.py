"""The embedded model's cold start: building the dequantised copy with transformers'
conversion against `gguf_build`, side by side in one run, each in a fresh process and a
fresh cache folder, wall clock and CPU; then a load from the copy; then whether both copies
hold the same files (manifest: size and CRC-32 of each) and give the same logits on the
starter suite's prompts.

    python bench/local_load.py [--prompts 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILDERS = {"old": "transformers' conversion", "new": "gguf_build"}


def child(builder: str, out: Path, prompts: int) -> None:
    """In a fresh process: imports, then the cold load (build + load), then a warm one."""
    start, cpu = time.perf_counter(), time.process_time()
    import torch
    import transformers.models.llama.modeling_llama  # noqa: F401  (both paths import it)
    from transformers.utils import logging as hf_logging

    from riskbench.models import gguf_build, weights_cache
    from riskbench.models.local import SMOLLM2_GGUF, smollm2_folder
    from riskbench.suites import load_suite

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    times = {"imports": (time.perf_counter() - start, time.process_time() - cpu)}
    if builder == "old":
        gguf_build.ARCHITECTURES = frozenset()  # every file goes to transformers' path
    folder = smollm2_folder()
    for how in ("cold", "warm"):
        start, cpu = time.perf_counter(), time.process_time()
        tokenizer, model = weights_cache.load(folder, SMOLLM2_GGUF)
        times[how] = (time.perf_counter() - start, time.process_time() - cpu)
    tokenizer.padding_side = "left"
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": i.prompt}],
                                           tokenize=False, add_generation_prompt=True)
             for i in load_suite("starter").items[:prompts]]
    with torch.inference_mode():
        logits = model.eval()(**tokenizer(texts, return_tensors="pt", padding=True)).logits
    torch.save(logits, out / "logits.pt")
    manifest = weights_cache.cache_folder(folder / SMOLLM2_GGUF) / weights_cache.MANIFEST
    (out / "result.json").write_text(json.dumps(
        {"times": times, "manifest": json.loads(manifest.read_text())}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--child", choices=BUILDERS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out, args.prompts)
        return
    import torch

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for builder in BUILDERS:
            out = Path(tmp) / builder
            (out / "cache").mkdir(parents=True)
            load = os.getloadavg()[0]
            subprocess.run([sys.executable, __file__, "--child", builder, "--out", str(out),
                            "--prompts", str(args.prompts)], check=True,
                           env=os.environ | {"RISKBENCH_MODEL_CACHE": str(out / "cache")})
            results[builder] = json.loads((out / "result.json").read_text())
            results[builder]["load"] = (load, os.getloadavg()[0])
            results[builder]["logits"] = torch.load(out / "logits.pt")
    print("| builder | imports wall / CPU s | cold load wall / CPU s | warm load wall / CPU s "
          "| load average |\n|---|---|---|---|---|")
    for builder, name in BUILDERS.items():
        r = results[builder]
        cells = " | ".join(f"{r['times'][k][0]:.1f} / {r['times'][k][1]:.1f}"
                           for k in ("imports", "cold", "warm"))
        print(f"| {name} | {cells} | {r['load'][0]:.1f} -> {r['load'][1]:.1f} |")
    old, new = results["old"], results["new"]
    print(f"same files (manifest): {old['manifest'] == new['manifest']}; same logits on "
          f"{args.prompts} starter prompts: {torch.equal(old['logits'], new['logits'])}")


if __name__ == "__main__":
    main()
