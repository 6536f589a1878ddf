"""The generator's own data: intents, scenario templates and the crossing plan, read from
YAML in the package and checked against the taxonomy, so that a typo fails loudly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench import taxonomy

BENIGN = "benign"


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    category: str  # a code risk category, or "benign" for a control
    do: str  # base-form verb phrase, e.g. "record every keystroke ..."
    fits: tuple[str, ...] = ()  # tags of given code that fit it (data/fit.yaml); () any


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    group: str  # text_to_code, code_to_code or code_to_text
    single: tuple[str, ...]
    followup: tuple[str, ...]  # empty: the scenario brings no code, single-turn only
    benign_single: tuple[str, ...] = ()  # benign controls' wording; () the same as single
    benign_followup: tuple[str, ...] = ()

    def templates(self, benign: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(single, followup) templates for a harmful case or a benign control."""
        if benign:
            return self.benign_single or self.single, self.benign_followup or self.followup
        return self.single, self.followup


@dataclass(frozen=True, slots=True)
class CodeSafetyPlan:
    attacks: tuple[str, ...]
    languages: tuple[str, ...]
    categories: tuple[str, ...]
    multi_turn_every: int
    benign_per_cell: int
    snippet_chars: tuple[int, int]
    quick_offsets: tuple[int, ...]
    quick_lang_stride: int
    quick_benign_every: int


def _load(name: str) -> Any:
    text = files("riskbench.suites.code_safety").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def intents() -> dict[str, tuple[Intent, ...]]:
    """Category -> its intents, in plan.yaml order, benign controls last."""
    raw = _load("intents.yaml")
    order = [*plan().categories, BENIGN]
    if sorted(raw) != sorted(order):
        raise ValueError(f"intents.yaml categories {sorted(raw)} differ from {order}")
    defaults = _load("fit.yaml")["category_fits"]
    out = {c: tuple(Intent(str(e["id"]), c, str(e["do"]),
                           tuple(e.get("fits", defaults.get(c, ())))) for e in raw[c])
           for c in order}
    ids = [i.id for group in out.values() for i in group]
    if len(ids) != len(set(ids)):
        raise ValueError("intents.yaml: an intent id appears twice")
    return out


@cache
def scenarios() -> tuple[tuple[str, ...], dict[str, Scenario]]:
    """(lead-in templates, scenario name -> templates), scenarios in taxonomy order."""
    raw = _load("scenarios.yaml")
    known = taxonomy.code_scenarios()
    if sorted(raw["scenarios"]) != sorted(known):
        raise ValueError("scenarios.yaml must name exactly taxonomy.yaml's code_scenarios")
    out = {
        name: Scenario(name, known[name]["group"], tuple(raw["scenarios"][name]["single"]),
                       tuple(raw["scenarios"][name].get("followup", ())),
                       tuple(raw["scenarios"][name].get("benign_single", ())),
                       tuple(raw["scenarios"][name].get("benign_followup", ())))
        for name in known
    }
    return tuple(raw["lead_in"]), out


@cache
def plan() -> CodeSafetyPlan:
    raw = _load("plan.yaml")
    quick = raw["quick"]
    low, high = raw["snippet_chars"]
    if raw["attacks"][0] != "direct":
        raise ValueError("plan.yaml: the first attack must be direct (benign controls use it)")
    for field, known in (("languages", taxonomy.programming_languages()),
                         ("categories", taxonomy.code_risk_categories())):
        if not set(raw[field]) <= set(known):
            raise ValueError(f"plan.yaml: {field} {raw[field]} not all in taxonomy.yaml")
    return CodeSafetyPlan(tuple(raw["attacks"]), tuple(raw["languages"]), tuple(raw["categories"]),
                int(raw["multi_turn_every"]),
                int(raw["benign_per_cell"]), (int(low), int(high)),
                tuple(int(o) for o in quick["attack_offsets"]), int(quick["lang_stride"]),
                int(quick["benign_every"]))


@cache
def snippet_tag_patterns() -> dict[str, re.Pattern[str]]:
    """fit.yaml's tag -> regex over given code."""
    return {tag: re.compile(rx, re.IGNORECASE | re.MULTILINE)
            for tag, rx in _load("fit.yaml")["snippet_tags"].items()}
