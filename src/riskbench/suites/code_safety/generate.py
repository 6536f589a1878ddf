"""The crossing: scenarios x languages x attacks x risk categories, one intent per cell and
category, with real code as the given code, plus benign controls.

Ids hash the case's semantic key (intent, scenario, language, attack, the snippet's
origin key, turns), never list positions or machine paths: a case keeps its id on every
machine and across edits that add intents, attacks or snippets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from riskbench import taxonomy
from riskbench.suites.code_safety.data import (
    BENIGN,
    Intent,
    Scenario,
    intents,
    plan,
    scenarios,
    snippet_tag_patterns,
)
from riskbench.suites.code_safety.snippets import LABEL, Snippet
from riskbench.types import Item, stable_hash

SOURCE = "code-safety"
JUDGES = ("code_safety",)


@dataclass(frozen=True, slots=True)
class Cell:
    """One case before rendering, with the indexes the quick sampling reads."""

    scenario: int
    lang: int
    attack: int
    category: int  # index into the categories; benign controls: -1 - their slot
    intent: Intent


def case_key(intent: str, scenario: str, lang: str, attack: str, snippet: str,
             turns: int) -> dict[str, Any]:
    return {"intent": intent, "scenario": scenario, "lang": lang, "attack": attack,
            "snippet": snippet, "turns": turns}


def case_id(key: dict[str, Any]) -> str:
    return "cs-" + stable_hash(key, 12)


def _pick(options: list[Any] | tuple[Any, ...], *salt: Any) -> Any:
    return options[int(stable_hash(list(salt)), 16) % len(options)]


def cells() -> Iterator[Cell]:
    """Every case of the full build, in a fixed order."""
    p, groups = plan(), intents()
    names, langs, categories = list(scenarios()[1]), p.languages, p.categories
    for i in range(len(names)):
        for j in range(len(langs)):
            for a in range(len(p.attacks)):
                for c, category in enumerate(categories):
                    options = groups[category]
                    yield Cell(i, j, a, c, options[(i + 3 * j + 5 * a) % len(options)])
            for slot in range(p.benign_per_cell):
                benign = groups[BENIGN]
                step = len(benign) // p.benign_per_cell
                yield Cell(i, j, 0, -1 - slot, benign[(i + j + slot * step) % len(benign)])


@cache
def tags(snippet: Snippet) -> frozenset[str]:
    """What the given code does, by fit.yaml's tags."""
    return frozenset(t for t, rx in snippet_tag_patterns().items() if rx.search(snippet.code))


class Pools:
    """The given code of one build. A case draws from the snippets of its language (of
    every other language for a translation) that share a tag with its intent; from all of
    them when none does (a language with no code of that kind) or the intent takes any
    code. Each pool is worked out once per build."""

    def __init__(self, by_lang: dict[str, list[Snippet]]) -> None:
        self.by_lang = by_lang
        self._fitting: dict[tuple[str, bool, tuple[str, ...]], tuple[Snippet, ...]] = {}

    def fitting(self, lang: str, translation: bool, fits: tuple[str, ...]
                ) -> tuple[Snippet, ...]:
        key = (lang, translation, fits)
        if key not in self._fitting:
            pool = self.by_lang[lang] if not translation else [
                s for other, group in sorted(self.by_lang.items()) if other != lang
                for s in group]
            wanted = set(fits)
            self._fitting[key] = tuple(s for s in pool if tags(s) & wanted) or tuple(pool)
        return self._fitting[key]


def render(cell: Cell, pools: Pools) -> Item:
    p, (lead_ins, by_name) = plan(), scenarios()
    scenario: Scenario = list(by_name.values())[cell.scenario]
    lang = p.languages[cell.lang]
    attack, intent = p.attacks[cell.attack], cell.intent
    snippet: Snippet | None = None
    if scenario.followup:  # the scenario brings code
        pool = pools.fitting(lang, scenario.name == "code_translation", intent.fits)
        snippet = _pick(pool, intent.id, scenario.name, lang, attack)
    turns = 2 if snippet and (cell.scenario + cell.lang + cell.attack + cell.category) \
        % p.multi_turn_every == 0 else 1
    key = case_key(intent.id, scenario.name, lang, attack, snippet.key if snippet else "",
                   turns)
    values = {"do": intent.do, "lang": LABEL[lang],
              "src_lang": LABEL[snippet.lang] if snippet else "",
              "code": snippet.fenced() if snippet else ""}
    meta: dict[str, Any] = {"attack": attack, "intent": intent.id, "turns": turns,
                            "judges": list(JUDGES)}
    single, followup = scenario.templates(benign=intent.category == BENIGN)
    if turns == 2:
        meta["lead_in"] = [_pick(lead_ins, key, "lead").format(**values)]
        prompt = _pick(followup, key).format(**values)
    else:
        prompt = _pick(single, key).format(**values)
    if snippet:
        meta["snippet"] = {"origin": snippet.key, "lang": snippet.lang,
                           "license": snippet.license, "url": snippet.url}
    harmful = intent.category != BENIGN
    domain = taxonomy.code_risk_categories()[intent.category]["domain"] if harmful else ""
    return Item(id=case_id(key), prompt=prompt, expected="refuse" if harmful else "comply",
                category=intent.category, domain=domain, scenario=scenario.name,
                prog_lang=lang, lang="en", source=SOURCE,
                context=snippet.code if snippet else "", meta=meta)


def in_quick(cell: Cell) -> bool:
    """The documented quick rule (plan.yaml `quick`): per (scenario i, language j) the
    attacks (i + stride*j + offset) % n_attacks, each with the one category
    (i + j + attack) % n_categories; the first benign control where (i + j) % every == 0."""
    p = plan()
    n_categories = len(p.categories)
    if cell.category < 0:
        return cell.category == -1 and (cell.scenario + cell.lang) % p.quick_benign_every == 0
    base = cell.scenario + p.quick_lang_stride * cell.lang
    return (cell.attack in {(base + o) % len(p.attacks) for o in p.quick_offsets}
            and cell.category == (cell.scenario + cell.lang + cell.attack) % n_categories)
