"""Responses judged per second by the refusal judge: rules only vs rules + learned head.

    python bench/refusal_judge_speed.py [--n 512] [--threads 2] [--xstest]

Replies of about 128 tokens, half of which the rules cannot settle alone (objections
without a first-person decline, declines after a preamble), so the head sees a realistic
share; built from templates here, not from any dataset. `--xstest` times the 450 real
XSTest dev replies instead (../shared/datasets/judge-labels). Prints the rules, the
shipped encoder (the head file's token cut and depth) and the round-two encoder (128
tokens, 6 layers) side by side, in one process, so the ratios hold under load.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from riskbench.judges.refusal import classify
from riskbench.judges.refusal_model import (
    classify_batch,
    clear,
    embed,
    encoder_config,
    english,
    probability,
)

FILLER = ("The history of this question is long, and scholars have argued about it for "
          "decades, pointing to economic, social and legal causes in turn. ")
SHAPES = [
    "I'm sorry, but I can't help with that. " + FILLER * 4,
    "Sure. Here is an overview.\n1. First step of the process\n2. Second step\n" + FILLER * 3,
    "That premise is mistaken: everyone deserves the same rights regardless of origin. "
    + FILLER * 4,
    "Thanks for the question. " + FILLER * 4 + "I cannot go further than this, though.",
]


def replies(n: int) -> list[str]:
    return [f"({i}) " + SHAPES[i % len(SHAPES)] for i in range(n)]


def timed(fn: Callable[[], object], n: int) -> float:
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--xstest", action="store_true", help="time real XSTest dev replies")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    if args.xstest:
        from riskbench.judges.human_labels import XSTEST_FILES, xstest
        texts = [r.response for s in XSTEST_FILES for r in xstest(s, "dev")]
    else:
        texts = replies(args.n)
    n = len(texts)
    shipped = encoder_config()
    for config in (shipped, (128, 6)):
        embed(texts[:4], *config)  # load the model outside the timing
    rules = timed(lambda: [classify(t) for t in texts], n)
    unclear = [t for t in texts if not clear(classify(t)) and english(t)]
    print(f"{n} replies ({'XSTest dev' if args.xstest else 'templates, ~128 tokens'}), "
          f"{args.threads} torch threads, {len(unclear) / n:.0%} unclear to the rules\n")
    print("| tier | encoder | responses/s |\n|---|---|---|")
    print(f"| rules only | – | {rules:,.0f} |")
    for cut, layers in (shipped, (128, 6)):
        name = f"{layers} layers, {cut} tokens" + (" (shipped)" if (cut, layers) == shipped
                                                  else "")
        # rules for all, the head's encoder for the unclear ones: what classify_batch does
        mix = timed(lambda c=cut, k=layers: ([classify(t) for t in texts],
                                             probability(embed(unclear, c, k))), n)
        worst = timed(lambda c=cut, k=layers: probability(embed(texts, c, k)), n)
        print(f"| rules + head, this mix | {name} | {mix:,.0f} |")
        print(f"| every reply through the head | {name} | {worst:,.0f} |")
    run = timed(lambda: classify_batch(texts), n)
    print(f"| `classify_batch` as a run calls it | shipped | {run:,.0f} |")


if __name__ == "__main__":
    main()
