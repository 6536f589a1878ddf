"""The multilingual suite: the starter's English requests (harmful and benign) written by
this project in twelve languages, so safety can be compared across languages without a
translator at run time.

`data/multilingual/items.yaml` lists the item stems with what a safe model does and the
category; `data/multilingual/<lang>.yaml` gives every stem's prompt in one language. An
item's id is `<stem>-<lang>` and `meta.stem` holds the stem, so the same request lines up
across languages.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.suites.base import Suite, suites
from riskbench.suites.files import item_from_record
from riskbench.taxonomy import languages

LANGUAGES = ("en", "zh", "es", "fr", "de", "ar", "ru", "ja", "ko", "hi", "sw", "bn")


def _read(name: str) -> Any:
    text = files("riskbench.suites").joinpath(f"data/multilingual/{name}.yaml")
    return yaml.safe_load(text.read_text(encoding="utf-8"))


@cache
def stems() -> tuple[dict[str, str], ...]:
    return tuple(_read("items")["items"])


def prompts(lang: str) -> dict[str, str]:
    """Stem -> prompt in `lang`; a language file that misses or adds a stem is a bug in
    the package data, so it fails loudly here rather than yielding unequal languages."""
    data = _read(lang)
    found = dict(data["prompts"])
    wanted = [s["stem"] for s in stems()]
    if data.get("lang") != lang or sorted(found) != sorted(wanted):
        missing = sorted(set(wanted) - set(found))
        extra = sorted(set(found) - set(wanted))
        raise ValueError(f"multilingual/{lang}.yaml: lang {data.get('lang')!r}, "
                         f"missing {missing}, unexpected {extra}")
    return found


@suites.register("multilingual")
def multilingual() -> Suite:
    names = languages()
    items = []
    for lang in LANGUAGES:
        text = prompts(lang)
        for n, entry in enumerate(stems(), start=1):
            record = {"id": f"{entry['stem']}-{lang}", "prompt": text[entry["stem"]],
                      "expected": entry["expected"], "category": entry["category"],
                      "lang": lang, "meta": {"stem": entry["stem"],
                                             "starter": entry["starter"]}}
            items.append(item_from_record(record, f"multilingual/{lang}.yaml: {n}",
                                          "multilingual"))
    return Suite("multilingual",
                 f"The starter's {len(stems())} English requests (harmful and benign "
                 f"look-alikes) written in {len(LANGUAGES)} languages: "
                 + ", ".join(names.get(lang, lang) for lang in LANGUAGES) + ".",
                 tuple(items))
