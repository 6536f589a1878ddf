"""The suite record and its registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from riskbench.registry import Registry
from riskbench.types import Item


@dataclass(frozen=True, slots=True)
class Suite:
    """`judges`: the judges the benchmark's authors score it with, used when the user
    names none; `model_judges` are added to them when the run has a --judge-model.
    `modality`: what its items are sent as ("text", or "image_prompt" for text-to-image
    models); attacks are filtered to those that fit it (attacks/base.py MODALITIES)."""

    name: str
    description: str
    items: tuple[Item, ...]
    judges: tuple[str, ...] = ()
    model_judges: tuple[str, ...] = ()
    modality: str = "text"


SuiteLoader = Callable[[], Suite]
suites: Registry[SuiteLoader] = Registry("suite", "riskbench suites", "riskbench.suites")

# Public benchmark formats: `--suite FORMAT:PATH[?option=value&...]`, e.g.
# `harmbench:data/harmbench_behaviors_text_all.csv?functional=standard`. A loader gets
# the path (None when the user gave none: then it may fetch the upstream file) and the
# options, and returns a Suite.
FormatLoader = Callable[[Path | None, Mapping[str, str]], Suite]
formats: Registry[FormatLoader] = Registry("suite format", "riskbench suites",
                                         "riskbench.suite_formats", ("riskbench.suite formats",))

# Generated suites, written out by `riskbench build NAME -o FILE.jsonl`: a builder gets the
# folder of the source data it crosses (None: fetch it) and whether to build the quick
# subset.
SuiteBuilder = Callable[[Path | None, bool], Suite]
builders: Registry[SuiteBuilder] = Registry("suite builder", "riskbench build --help",
                                            "riskbench.suite_builders",
                                            ("riskbench.suite builders",))


def spread(items: Iterable[Item], field: str) -> dict[str, int]:
    """How many items have each value of `field` (an Item attribute, or a meta key such as
    "attack"), in first-seen order: what `riskbench build` prints."""
    counts: dict[str, int] = {}
    for item in items:
        key = str(getattr(item, field) if hasattr(item, field) else item.meta.get(field))
        counts[key] = counts.get(key, 0) + 1
    return counts
