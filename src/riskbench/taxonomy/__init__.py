"""Cross-cutting vocabulary (categories, domains, attack families, languages), read from
`taxonomy.yaml` so that adding a category is a data change."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@cache
def _data() -> dict[str, Any]:
    text = files("riskbench.taxonomy").joinpath("taxonomy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def risk_categories() -> dict[str, dict[str, str]]:
    return dict(_data()["risk_categories"])


def domains() -> dict[str, str]:
    return dict(_data()["domains"])


def attack_families() -> dict[str, str]:
    return dict(_data()["attack_families"])


def languages() -> dict[str, str]:
    return dict(_data()["languages"])


def code_scenarios() -> dict[str, dict[str, str]]:
    return dict(_data()["code_scenarios"])


def programming_languages() -> dict[str, str]:
    return dict(_data()["programming_languages"])


def code_risk_categories() -> dict[str, dict[str, str]]:
    return dict(_data()["code_risk_categories"])


def category_label(category: str) -> str:
    labels = {**code_risk_categories(), **risk_categories()}  # general names win
    return labels.get(category, {}).get("label", category)
