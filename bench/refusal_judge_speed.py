"""Responses judged per second by the refusal judge: rules only vs rules + learned head.

    python bench/refusal_judge_speed.py [--n 512] [--threads 2]

Replies of about 128 tokens, half of which the rules cannot settle alone (objections
without a first-person decline, declines after a preamble), so the head sees a realistic
share; built from templates here, not from any dataset. Prints both tiers side by side.
"""

from __future__ import annotations

import argparse
import time

from riskbench.judges.refusal import classify
from riskbench.judges.refusal_model import classify_batch, clear, embed, english, probability

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    texts = replies(args.n)
    embed(texts[:4])  # load the model outside the timing
    t = time.perf_counter()
    for text in texts:
        classify(text)
    rules = args.n / (time.perf_counter() - t)
    t = time.perf_counter()
    classify_batch(texts)
    combined = args.n / (time.perf_counter() - t)
    t = time.perf_counter()
    probability(embed(texts))
    model_only = args.n / (time.perf_counter() - t)
    to_head = sum(not clear(classify(x)) and english(x) for x in texts)
    print(f"{args.n} replies of ~128 tokens, {args.threads} torch threads, "
          f"{to_head / args.n:.0%} of the mix unclear to the rules\n")
    print("| tier | responses/s |\n|---|---|")
    print(f"| rules only | {rules:,.0f} |\n| rules + head, realistic mix | {combined:,.0f} |")
    print(f"| every reply through the head (worst case) | {model_only:,.0f} |")


if __name__ == "__main__":
    main()
