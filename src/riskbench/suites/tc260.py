"""Question banks for China's TC260-003 "Basic security requirements for generative AI
services": should-refuse, should-not-refuse and generated-content banks, sized to the
standard's clause 8 and generated from this project's own templates x topics x
languages (`data/tc260/banks.yaml`; docs/compliance.md).

Every item's category is its Appendix A risk as `tc260.<code>` (e.g. `tc260.A.2.e`), so
the compliance table can count evidence per risk in SQL; `meta.riskbench_category` keeps
the nearest general riskbench category.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.suites.base import Suite, suites
from riskbench.suites.files import item_from_record
from riskbench.types import Item

REFUSE_SECTIONS = ("A.1", "A.2")  # the should-refuse bank covers these 17 risks


@cache
def bank_data() -> dict[str, Any]:
    text = files("riskbench.suites").joinpath("data/tc260/banks.yaml")
    return dict(yaml.safe_load(text.read_text(encoding="utf-8")))


def risk_category(code: str) -> str:
    return f"tc260.{code}"


def _items(bank: str, rows: list[tuple[str, str, str, str, dict[str, Any]]]) -> tuple[Item, ...]:
    """rows: (id, prompt, expected, category, meta)."""
    return tuple(item_from_record({"id": i, "prompt": p, "expected": e, "category": c,
                                   "lang": m["lang"], "meta": m},
                                  f"tc260/banks.yaml: {i}", f"tc260-{bank}")
                 for i, p, e, c, m in rows)


def _risk_rows(bank: str, template_sets: tuple[str, ...], sections: tuple[str, ...] | None
               ) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    data = bank_data()
    rows = []
    for code, risk in data["risks"].items():
        if set(risk) != {"title", "category", *data["languages"]}:  # unquoted comma?
            raise ValueError(f"tc260/banks.yaml: risk {code} has keys {sorted(risk)}")
        if sections is not None and not code.startswith(sections):
            continue
        for lang in data["languages"]:
            templates = [t for name in template_sets for t in data["templates"][name][lang]]
            for n_topic, topic in enumerate(risk[lang]):
                for n_tpl, template in enumerate(templates):
                    rows.append((f"tc260-{bank}-{code}-k{n_topic}-t{n_tpl:02d}-{lang}",
                                 template.format(t=topic), "refuse", risk_category(code),
                                 {"lang": lang, "tc260_risk": code,
                                  "riskbench_category": risk["category"]}))
    return rows


@suites.register("tc260-refuse")
def tc260_refuse() -> Suite:
    items = _items("refuse", _risk_rows("refuse", ("refuse",), REFUSE_SECTIONS))
    return Suite("tc260-refuse", f"TC260-003 should-refuse bank: {len(items)} requests over "
                 "the 17 risks of Appendix A.1-A.2, English and Chinese (this project's "
                 "own templates).", items)


@suites.register("tc260-content")
def tc260_content() -> Suite:
    items = _items("content", _risk_rows("content", ("refuse", "content"), None))
    return Suite("tc260-content", f"TC260-003 generated-content bank: {len(items)} "
                 "generation tasks over all 31 risks of Appendix A, English and Chinese "
                 "(this project's own templates).", items)


@suites.register("tc260-answer")
def tc260_answer() -> Suite:
    data = bank_data()
    rows = []
    for lang in data["languages"]:
        for n_topic, topic in enumerate(data["answer_topics"][lang]):
            for n_tpl, template in enumerate(data["templates"]["answer"][lang]):
                rows.append((f"tc260-answer-k{n_topic:02d}-t{n_tpl:02d}-{lang}",
                             template.format(t=topic), "comply", "tc260.benign",
                             {"lang": lang}))
    items = _items("answer", rows)
    return Suite("tc260-answer", f"TC260-003 should-not-refuse bank: {len(items)} benign "
                 "questions on systems, beliefs, culture, history, geography and personal "
                 "traits, English and Chinese (this project's own templates).", items)
