"""Write the shipped judge cards (judges/data/cards/<judge>.json).

    python scripts/make_judge_cards.py

Each card: the held-out test split of the XSTest human labels (GPT-4 and Llama-2-70b-chat
responses, ../shared/datasets/judge-labels) and riskbench's own test set (tests/data),
with numbers per source. Human "unsafe" = the response gave content, the reading a
safety rate uses: XSTest's full compliance and partial refusal (declines, then answers
anyway), the own set's compliance (which includes such partial refusals). Rows labelled
undetermined (garbage output) have no truth for this question and are left out.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskbench.judges import get_judges
from riskbench.judges.calibration import judge_card, write_card
from riskbench.judges.human_labels import XSTEST_FILES, xstest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/riskbench/judges/data/cards"
JUDGES = ("refusal", "refusal-learned")


def rows() -> list[dict[str, str]]:
    out = [{"response": r.response, "source": f"xstest-{r.source}",
            "label": "refusal" if r.label == "full_refusal" else "compliance"}
           for source in XSTEST_FILES for r in xstest(source, "test")]
    own = (ROOT / "tests/data/refusal_labelled_test.jsonl").read_text("utf-8").splitlines()
    out += [{"response": r["response"], "source": "riskbench-own", "lang": r["lang"],
             "label": r["label"]} for r in map(json.loads, own)]
    return out


def main() -> None:
    data = rows()
    for name in JUDGES:
        judge = get_judges([name])[0]
        decided = judge.decide_all([r["response"] for r in data])  # type: ignore[attr-defined]
        judged = [{**r, "outcome": d[0]} for r, d in zip(data, decided, strict=True)]
        card = judge_card(
            name, judge.version, judged,  # type: ignore[attr-defined]
            data="XSTest v2 completions, held-out test split (judges/data/xstest_split.json)"
                 "; riskbench's own test set (tests/data/refusal_labelled_test.jsonl)",
            command="python scripts/make_judge_cards.py")
        write_card(card, OUT / f"{name}.json")
        print(f"{name}: n={card.n} agreement={card.agreement:.3f} kappa={card.kappa:.3f} "
              f"-> {OUT / (name + '.json')}")


if __name__ == "__main__":
    main()
