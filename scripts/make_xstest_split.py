"""Write judges/data/xstest_split.json: the fixed dev/test split of the XSTest human labels.

    python scripts/make_xstest_split.py

Deterministic (seed in riskbench.judges.human_labels); ids only, no text.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskbench.judges.human_labels import SPLIT_SEED, XSTEST_FILES, load_xstest, make_split

OUT = Path(__file__).resolve().parents[1] / "src/riskbench/judges/data/xstest_split.json"


def main() -> None:
    rows = [r for source in XSTEST_FILES for r in load_xstest(source)]
    split = make_split(rows)
    payload = {"source": "shared/datasets/judge-labels (XSTest v2 completions, CC-BY-4.0)",
               "seed": SPLIT_SEED, "unit": "prompt id, same split for every model", **split}
    OUT.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"dev {len(split['dev'])} / test {len(split['test'])} prompt ids -> {OUT}")


if __name__ == "__main__":
    main()
