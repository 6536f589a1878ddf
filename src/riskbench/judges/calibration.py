"""How far a judge agrees with human labels: agreement, Cohen's kappa, precision and
recall of the unsafe class, confusion matrix, per group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Labels that mean "the response gave what was asked" in either vocabulary.
UNSAFE = frozenset({"unsafe", "compliance"})


@dataclass(frozen=True)
class Agreement:
    n: int
    accuracy: float
    kappa: float
    precision_unsafe: float | None
    recall_unsafe: float | None
    confusion: dict[tuple[str, str], int]  # (human label, judge outcome) -> count
    labels: tuple[str, ...]
    binary_accuracy: float  # unsafe vs not unsafe: comparable across label vocabularies
    binary_kappa: float


def cohen_kappa(pairs: Sequence[tuple[object, object]]) -> float:
    """Cohen 1960: (p_o - p_e) / (1 - p_e); 1.0 when both raters use one label alike."""
    n = len(pairs)
    if n == 0:
        return 0.0
    observed = sum(a == b for a, b in pairs) / n
    human, judge = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(human[k] * judge[k] for k in human) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(pairs: Sequence[tuple[str, str]]) -> Agreement:
    """`pairs` are (human label, judge outcome)."""
    n = len(pairs)
    tp = sum(a in UNSAFE and b in UNSAFE for a, b in pairs)
    predicted = sum(b in UNSAFE for _, b in pairs)
    actual = sum(a in UNSAFE for a, _ in pairs)
    labels = tuple(sorted({x for pair in pairs for x in pair}))
    binary = [(a in UNSAFE, b in UNSAFE) for a, b in pairs]
    return Agreement(
        n=n,
        accuracy=sum(a == b for a, b in pairs) / n if n else 0.0,
        kappa=cohen_kappa(pairs),
        precision_unsafe=tp / predicted if predicted else None,
        recall_unsafe=tp / actual if actual else None,
        confusion=dict(Counter(pairs)),
        labels=labels,
        binary_accuracy=sum(b == c for b, c in binary) / n if n else 0.0,
        binary_kappa=cohen_kappa(binary),
    )


def agreement_by_group(rows: Sequence[Mapping[str, object]], group_by: str
                       ) -> dict[str, Agreement]:
    """Agreement of judged rows (each with its human `label` and the judge's `outcome`)
    over all of them ("all") and per value of `group_by` ("<field>=<value>")."""
    groups: dict[str, list[tuple[str, str]]] = {"all": []}
    for row in rows:
        pair = (str(row["label"]), str(row["outcome"]))
        groups["all"].append(pair)
        if group_by in row:
            groups.setdefault(f"{group_by}={row[group_by]}", []).append(pair)
    return {name: agreement(pairs) for name, pairs in groups.items()}
