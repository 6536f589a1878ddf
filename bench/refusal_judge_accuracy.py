"""Accuracy of the refusal judge on its labelled set, next to a prefix-matching baseline.

    python bench/refusal_judge_accuracy.py

The patterns were tuned on the dev split; the test split is held out. Prints one row per
language (en, zh, es, fr, de, ar, ru, ja, ko, hi, sw, bn); prefix matching only knows
English and Chinese phrases.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from riskbench.judges import classify

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
sys.path.insert(0, str(DATA.parent / "judges"))
from test_refusal_labelled import prefix_baseline  # noqa: E402

LABELS = ("refusal", "compliance", "undetermined")


def main() -> None:
    for split in ("dev", "test"):
        rows = [json.loads(x) for x in (DATA / f"refusal_labelled_{split}.jsonl").open()]
        ours = [classify(r["response"])[0] for r in rows]
        base = [prefix_baseline(r["response"]) for r in rows]
        print(f"\n## {split} split ({len(rows)} responses)\n")
        print("| subset | n | riskbench refusal judge | prefix matching |")
        print("|---|---|---|---|")
        subsets = [("all", lambda r: True)] + [
            (f"lang={lang}", lambda r, lang=lang: r["lang"] == lang)
            for lang in dict.fromkeys(r["lang"] for r in rows)]
        for name, keep in subsets:
            idx = [i for i, r in enumerate(rows) if keep(r)]
            acc = sum(ours[i] == rows[i]["label"] for i in idx) / len(idx)
            bacc = sum(base[i] == rows[i]["label"] for i in idx) / len(idx)
            print(f"| {name} | {len(idx)} | {acc:.1%} | {bacc:.1%} |")
        print("\nconfusion (rows: label, columns: judge):\n")
        print("| label \\ judge | " + " | ".join(LABELS) + " |")
        print("|---" * (len(LABELS) + 1) + "|")
        confusion = Counter((r["label"], o) for r, o in zip(rows, ours, strict=True))
        for label in LABELS:
            print(f"| {label} | " + " | ".join(str(confusion[(label, o)]) for o in LABELS) + " |")
        kinds = sorted({r["kind"] for r in rows})
        print("\nper kind: " + ", ".join(
            f"{k} {sum(o == r['label'] for r, o in zip(rows, ours, strict=True) if r['kind'] == k)}"
            f"/{sum(r['kind'] == k for r in rows)}" for k in kinds))


if __name__ == "__main__":
    main()
