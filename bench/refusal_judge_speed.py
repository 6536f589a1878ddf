"""Responses judged per second by the refusal judge: rules only vs rules + learned head.

    python bench/refusal_judge_speed.py [--n 512] [--threads 2] [--xstest]
    python bench/refusal_judge_speed.py --rules      # ms per reply of the rules alone

`--rules` times the rules on short (~40 characters), typical (~600, about 128 tokens)
and long (~2,400) replies, the shipped prefilter (judges/prefilter.py) beside the
reference that tries every pattern everywhere, in one process; CPU time per reply, so
that other jobs on the machine weigh less (the load average is printed).

Replies of about 128 tokens, half of which the rules cannot settle alone (objections
without a first-person decline, declines after a preamble), so the head sees a realistic
share; built from templates here, not from any dataset. `--xstest` times the 450 real
XSTest dev replies instead (../shared/datasets/judge-labels). Prints the rules, the
shipped encoder (the head file's token cut and depth) and the round-two encoder (128
tokens, 6 layers) side by side, in one process, so the ratios hold under load.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from riskbench.judges.refusal import classify, full_vocabulary

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


def rules_ms(texts: list[str], reference: bool) -> float:
    """CPU ms per reply; each text is new to the prefilter's caches."""
    vocabulary = full_vocabulary() if reference else None
    t = time.process_time()
    for text in texts:
        classify(text, vocabulary)
    return (time.process_time() - t) / len(texts) * 1e3


def rules_table(n: int, xstest: bool) -> None:
    classify("warm up: compile the patterns", full_vocabulary())
    sets = {"short": [f"({i}) Sure, here is the answer you need." for i in range(n * 4)],
            "typical": replies(n), "long": [t * 4 for t in replies(n // 4)]}
    if xstest:
        from riskbench.judges.human_labels import XSTEST_FILES
        from riskbench.judges.human_labels import xstest as split
        sets["XSTest dev"] = [r.response for s in XSTEST_FILES for r in split(s, "dev")]
    print(f"load average {os.getloadavg()[0]:.1f}; CPU ms per reply, rules only\n")
    print("| replies | n | characters (mean) | every pattern everywhere | shipped "
          "(prefilter) | speed-up |\n|---|---|---|---|---|---|")
    for name, texts in sets.items():
        full, fast = rules_ms(texts[:300], True), rules_ms(texts, False)
        chars = sum(map(len, texts)) / len(texts)
        print(f"| {name} | {len(texts)} | {chars:,.0f} | {full:.3f} | {fast:.3f} "
              f"| {full / fast:.0f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--xstest", action="store_true", help="time real XSTest dev replies")
    ap.add_argument("--rules", action="store_true", help="ms per reply of the rules alone")
    args = ap.parse_args()
    if args.rules:
        rules_table(args.n, args.xstest)
        return
    import torch

    from riskbench.judges.refusal_model import (
        classify_batch,
        clear,
        embed,
        encoder_config,
        english,
        probability,
    )
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
    classify("warm up: compile the patterns")
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
