"""A deterministic stratified subset of a suite (`--limit N` with sample=stratified): a
quick run still has every category, coding scenario, programming language, language and
bound attack the suite has, as far as N allows, drawn by seed."""

from __future__ import annotations

import random
from collections.abc import Sequence

from riskbench.types import Item

DIMENSIONS = ("category", "scenario", "prog_lang", "lang", "attack", "expected")


def _values(item: Item) -> set[tuple[str, str]]:
    found = {(d, str(getattr(item, d))) for d in DIMENSIONS if d != "attack"}
    found.add(("attack", str(item.meta.get("attack", ""))))
    # harmful and benign items are scored apart: each should cover scenarios and languages
    found |= {(f"{item.expected}/{d}", str(getattr(item, d))) for d in ("scenario", "prog_lang")}
    return {(d, v) for d, v in found if v}


def stratified(items: Sequence[Item], n: int, seed: int) -> tuple[Item, ...]:
    """N items: first greedily the one covering most values not yet covered (in a seeded
    random order among equals) until every value of every dimension is in, then the rest
    in that seeded order (proportional to the suite in expectation); in the suite's
    order."""
    if n >= len(items):
        return tuple(items)
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    values = [_values(items[i]) for i in range(len(items))]
    chosen: list[int] = []
    taken: set[int] = set()
    covered: set[tuple[str, str]] = set()
    while len(chosen) < n:
        best, gain = -1, 0
        for i in order:
            if i not in taken:
                new = len(values[i] - covered)
                if new > gain:
                    best, gain = i, new
        if best < 0:
            break
        chosen.append(best)
        taken.add(best)
        covered |= values[best]
    chosen += [i for i in order if i not in taken][: n - len(chosen)]
    return tuple(items[i] for i in sorted(chosen))
