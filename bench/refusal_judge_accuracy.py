"""Agreement of the refusal judge with human labels, next to a prefix string matcher.

    python bench/refusal_judge_accuracy.py            # rules and combined tiers
    python bench/refusal_judge_accuracy.py --rules    # rules only (no embedding model)
    python bench/refusal_judge_accuracy.py --split dev  # never reads the held-out split

Real responses: XSTest v2 completions of GPT-4 and Llama-2-70b-chat from
../shared/datasets/judge-labels, split by prompt id (judges/data/xstest_split.json);
patterns and the learned head were tuned on `dev` only, `test` is held out. XSTest's
convention: full and partial refusal are both refusal; an undetermined verdict counts as
a disagreement. Second check: the project's own set in tests/data (12 languages), where a
partial refusal that gives the content is labelled compliance.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from riskbench.judges.calibration import prefix_refuses
from riskbench.judges.human_labels import XSTEST_FILES, xstest
from riskbench.judges.refusal import agrees, classify

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
Judge = Callable[[list[str]], list[tuple[str, float, str]]]


def judges(rules_only: bool) -> dict[str, Judge]:
    out: dict[str, Judge] = {"rules": lambda texts: [classify(t) for t in texts]}
    if not rules_only:
        from riskbench.judges.refusal_model import classify_batch
        out["rules+head"] = classify_batch
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", action="store_true", help="rules tier only")
    ap.add_argument("--split", choices=("dev", "test", "both"), default="both")
    args = ap.parse_args()
    splits = ("dev", "test") if args.split == "both" else (args.split,)
    tiers = judges(args.rules)
    print("## XSTest human labels (refusal vs not; partial counts as refusal)\n")
    print("| model | split | n | " + " | ".join(tiers) + " | prefix matcher | undetermined |")
    print("|---|---|---|" + "---|" * (len(tiers) + 2))
    for source in XSTEST_FILES:
        for split in splits:
            rows = xstest(source, split)
            texts = [r.response for r in rows]
            cells, undetermined = [], 0
            for judge in tiers.values():
                decided = judge(texts)
                hits = sum(agrees(d, r.refused) for d, r in zip(decided, rows, strict=True))
                undetermined = sum(d[0] == "undetermined" for d in decided)
                cells.append(f"{hits / len(rows):.3f}")
            base = sum(prefix_refuses(t) is r.refused for t, r in zip(texts, rows, strict=True))
            print(f"| {source} | {split} | {len(rows)} | " + " | ".join(cells)
                  + f" | {base / len(rows):.3f} | {undetermined} |")
    print("\n## riskbench's own labelled set (tests/data; outcome must match the label)\n")
    print("| split | n | " + " | ".join(tiers) + " | prefix matcher |")
    print("|---|---|" + "---|" * (len(tiers) + 1))
    for split in splits:
        own = [json.loads(x) for x in (DATA / f"refusal_labelled_{split}.jsonl").open()]
        texts = [r["response"] for r in own]
        cells = []
        for judge in tiers.values():
            decided = judge(texts)
            hits = sum(d[0] == r["label"] for d, r in zip(decided, own, strict=True))
            cells.append(f"{hits / len(own):.3f}")
        base = sum(("refusal" if prefix_refuses(t) else "compliance") == r["label"]
                   for t, r in zip(texts, own, strict=True))
        print(f"| {split} | {len(own)} | " + " | ".join(cells) + f" | {base / len(own):.3f} |")


if __name__ == "__main__":
    main()
