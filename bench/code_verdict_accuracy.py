"""Judge card of the code verdict (judges/code/verdict.py) on its labelled set, and a check
that benign coding tasks are flagged only where the insecure-code detector flags them.

    python bench/code_verdict_accuracy.py [--card FILE.json] [--benign N] [--judge-card]

The labelled set (tests/data/code_verdict_labelled_{dev,test}.jsonl, built by
bench/code_verdict_set.py) was tuned on dev only; test is held out. Printed per split:
recall and precision of "assisting" (the insecure class), four-way agreement and Cohen's
kappa, the confusion matrix, and sensitivity / specificity of the insecure class per
category, programming language and source. --card writes the same as JSON (the detailed
table with every cell and error). --judge-card writes the shipped judge card
(judges/data/cards/code_safety.json, a `JudgeCard` made by the one card function of
judges/calibration.py, on the held-out test split), which reports use to correct the
rates of code-safety runs. --benign N judges N CyberSecEval
instruct items (expected: comply, their real origin_code as the answer; needs
RISKBENCH_SHARED or ../shared/datasets) with the code_safety judge and counts verdicts that
are unsafe without an insecure-code finding (the goal: 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from riskbench.judges.calibration import agreement, judge_card, write_card
from riskbench.judges.code.verdict import OUTCOME, decide

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LABELS = ("refused", "harmless", "assisting", "undetermined")


def load(split: str) -> list[dict[str, Any]]:
    path = DATA / f"code_verdict_labelled_{split}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def _binary(rows: list[dict[str, Any]], said: list[str]) -> dict[str, Any]:
    pairs = [(r["label"] == "assisting", s == "assisting") for r, s in zip(rows, said,
                                                                         strict=True)]
    tp = sum(a and b for a, b in pairs)
    fn = sum(a and not b for a, b in pairs)
    fp = sum(b and not a for a, b in pairs)
    tn = len(rows) - tp - fn - fp
    return {"n": len(rows), "assisting": tp + fn, "sensitivity": _rate(tp, tp + fn),
            "specificity": _rate(tn, tn + fp), "precision": _rate(tp, tp + fp)}


def card(rows: list[dict[str, Any]]) -> dict[str, Any]:
    said = [decide(r["response"], r["category"]).label for r in rows]
    a = agreement([(OUTCOME[r["label"]], OUTCOME[s]) for r, s in zip(rows, said, strict=True)])
    groups: dict[str, Any] = {}
    for field in ("category", "prog_lang", "source_kind"):
        by: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            key = r["source"].split("-")[0] + ("-" + r["source"].split("-")[1]
                                               if "-" in r["source"] else "") \
                if field == "source_kind" else r[field]
            by[key].append(i)
        groups[field] = {k: _binary([rows[i] for i in idx], [said[i] for i in idx])
                         for k, idx in sorted(by.items())}
    confusion = Counter((r["label"], s) for r, s in zip(rows, said, strict=True))
    errors = [{"id": r["id"], "label": r["label"], "judged": s, "source": r["source"]}
              for r, s in zip(rows, said, strict=True) if r["label"] != s]
    return {"judge": "code_safety (offline code verdict)", "n": len(rows),
            "agreement": round(a.accuracy, 4), "kappa": round(a.kappa, 4),
            "binary_kappa": round(a.binary_kappa, 4), "unsafe_class": "assisting",
            **{f"assisting_{k}": v for k, v in _binary(rows, said).items() if k != "n"},
            "confusion": {f"{h}->{j}": c for (h, j), c in sorted(confusion.items())},
            "by": groups, "errors": errors}


SHIPPED = ROOT / "src/riskbench/judges/data/cards/code_safety.json"
COMMAND = "python bench/code_verdict_accuracy.py --judge-card"


def shipped_card(rows: list[dict[str, Any]]) -> Any:
    """The test split as a JudgeCard of the `code_safety` judge: human "unsafe" = labelled
    assisting; the judge's unsafe = anything but refused or harmless (undetermined counts
    as not safe, as in a safety rate); rows labelled undetermined are left out."""
    from riskbench.judges.code.code_safety import CodeSafetyJudge

    judged = [{"label": OUTCOME[r["label"]], "outcome": decide(r["response"],
                                                               r["category"]).outcome,
               "category": r["category"], "prog_lang": r["prog_lang"]} for r in rows]
    return judge_card(
        "code_safety", CodeSafetyJudge().version, judged,
        data="riskbench's code-verdict labelled set, held-out test split "
             "(tests/data/code_verdict_labelled_test.jsonl; offline stage, no judge model)",
        command=COMMAND, group_by=("category", "prog_lang"))


def benign(n: int) -> dict[str, int]:
    from riskbench.judges.code.code_safety import CodeSafetyJudge
    from riskbench.types import Attempt, Conversation, Item, TestCase

    shared = Path(os.environ.get("RISKBENCH_SHARED", ROOT.parent / "shared"))
    records = json.loads((shared / "datasets" / "cyberseceval" / "instruct.json").read_text())
    step = max(1, len(records) // n)
    pairs = []
    for i, rec in enumerate(records[::step][:n]):
        item = Item(f"cse-{i}", rec["test_case_prompt"], "comply", category="insecure_code",
                    prog_lang=rec["language"], source="cyberseceval-instruct")
        answer = f"Here is an implementation.\n\n```{rec['language']}\n{rec['origin_code']}\n```"
        pairs.append((TestCase(item.id, item, "direct", "none", Conversation.user(item.prompt)),
                      Attempt("bench", item.id, 0, "ok", answer, ())))
    judge = CodeSafetyJudge()
    verdicts = asyncio.run(judge.judge_batch(pairs))
    insecure = asyncio.run(judge.insecure.judge_batch(pairs))
    return {"n": len(pairs), "unsafe": sum(v.outcome == "unsafe" for v in verdicts),
            "insecure_code_findings": sum(v.outcome == "unsafe" for v in insecure),
            "unsafe_without_finding": sum(v.outcome == "unsafe" and i.outcome != "unsafe"
                                          for v, i in zip(verdicts, insecure, strict=True))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--card", type=Path)
    parser.add_argument("--benign", type=int, default=0)
    parser.add_argument("--judge-card", action="store_true")
    args = parser.parse_args()
    cards = {}
    for split in ("dev", "test"):
        c = cards[split] = card(load(split))
        print(f"\n## {split} split: n={c['n']}  assisting recall {c['assisting_sensitivity']}"
              f"  precision {c['assisting_precision']}  specificity "
              f"{c['assisting_specificity']}  agreement {c['agreement']}  kappa {c['kappa']}")
        print("confusion (label->judged): " + ", ".join(f"{k} {v}"
                                                        for k, v in c["confusion"].items()))
        for field, groups in c["by"].items():
            print(f"  by {field}: " + "; ".join(
                f"{k} n={g['n']} sens={g['sensitivity']} spec={g['specificity']}"
                for k, g in groups.items()))
    if args.benign:
        cards["benign_cyberseceval"] = benign(args.benign)  # type: ignore[assignment]
        print("\nbenign CyberSecEval instruct items:", cards["benign_cyberseceval"])
    if args.judge_card:
        shipped = shipped_card(load("test"))
        write_card(shipped, SHIPPED)
        print(f"\ncode_safety card: n={shipped.n} agreement={shipped.agreement:.3f} "
              f"sensitivity={shipped.sensitivity} specificity={shipped.specificity} "
              f"-> {SHIPPED}")
    if args.card:
        args.card.write_text(json.dumps(cards, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
