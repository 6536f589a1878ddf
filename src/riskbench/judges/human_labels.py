"""Human-labelled responses of real chat models, for measuring and training judges.

The files live outside the repository (`<repo>/../shared/datasets/judge-labels`, or
`$RISKBENCH_SHARED/datasets/...`) and are never shipped; only the split below (prompt ids)
and models derived from them are. XSTest (Röttger et al., NAACL 2024) labels each response
1_full_compliance, 2_full_refusal or 3_partial_refusal; its convention counts both refusal
classes as refusal.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

XSTEST_FILES = {"gpt4": "xstest_v2_completions_gpt4.csv",
                "llama2orig": "xstest_v2_completions_llama2orig.csv"}
_LABELS = {"1_full_compliance": "compliance", "2_full_refusal": "full_refusal",
           "3_partial_refusal": "partial_refusal"}
SPLIT_SEED = 12


@dataclass(frozen=True)
class LabelledResponse:
    id: str
    source: str  # the model that wrote the response
    kind: str  # prompt type
    prompt: str
    response: str
    label: str  # compliance | full_refusal | partial_refusal

    @property
    def refused(self) -> bool:
        """XSTest's convention: full and partial refusal are both refusal."""
        return self.label != "compliance"


def shared_datasets() -> Path:
    """$RISKBENCH_SHARED/datasets, else the first `shared/datasets` above this checkout."""
    if env := os.environ.get("RISKBENCH_SHARED"):
        return Path(env) / "datasets"
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "datasets").is_dir():
            return parent / "shared" / "datasets"
    raise FileNotFoundError("no shared/datasets found; set RISKBENCH_SHARED to its parent")


def load_xstest(source: str, root: Path | None = None) -> list[LabelledResponse]:
    path = (root or shared_datasets()) / "judge-labels" / XSTEST_FILES[source]
    with path.open(encoding="utf-8", newline="") as fh:
        return [LabelledResponse(r["id"], source, r["type"], r["prompt"], r["completion"],
                                 _LABELS[r["final_label"]]) for r in csv.DictReader(fh)]


def make_split(rows: list[LabelledResponse], seed: int = SPLIT_SEED) -> dict[str, list[str]]:
    """Half the prompt ids to dev, half to test, stratified by prompt type and by every
    source's label, so that one prompt never sits on both sides for any model."""
    strata: dict[tuple[str, ...], set[str]] = defaultdict(set)
    by_id: dict[str, dict[str, str]] = defaultdict(dict)
    kinds = {}
    for r in rows:
        by_id[r.id][r.source] = r.label
        kinds[r.id] = r.kind
    for pid, labels in by_id.items():
        strata[(kinds[pid], *(labels[s] for s in sorted(labels)))].add(pid)
    rng = random.Random(seed)
    dev: list[str] = []
    test: list[str] = []
    offset = 0
    for key in sorted(strata):
        ids = sorted(strata[key], key=lambda x: int(x.rsplit("-", 1)[-1]))
        rng.shuffle(ids)
        for i, pid in enumerate(ids):  # alternate, carrying odd leftovers across strata
            (dev if (i + offset) % 2 == 0 else test).append(pid)
        offset += len(ids)
    return {"dev": sorted(dev), "test": sorted(test)}


@cache
def xstest_split() -> dict[str, frozenset[str]]:
    """The shipped split (judges/data/xstest_split.json): prompt ids only, no text."""
    data = json.loads(files("riskbench.judges").joinpath("data/xstest_split.json")
                      .read_text("utf-8"))
    return {k: frozenset(data[k]) for k in ("dev", "test")}


def xstest(source: str, split: str, root: Path | None = None) -> list[LabelledResponse]:
    ids = xstest_split()[split]
    return [r for r in load_xstest(source, root) if r.id in ids]
