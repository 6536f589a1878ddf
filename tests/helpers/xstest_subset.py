"""A small XSTest-shaped suite cut from the real XSTest prompts file, for report tests."""

import csv
from pathlib import Path

from conftest import DATASETS

XSTEST = DATASETS / "xstest" / "xstest_prompts.csv"


def xstest_subset(tmp_path: Path, per_label: int) -> Path:
    """The first `per_label` safe and unsafe rows of the real XSTest file."""
    rows = list(csv.DictReader(XSTEST.open(encoding="utf-8")))
    keep = [r for r in rows if r["label"] == "safe"][:per_label] + \
        [r for r in rows if r["label"] == "unsafe"][:per_label]
    out = tmp_path / "xstest_subset.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(keep)
    return out
