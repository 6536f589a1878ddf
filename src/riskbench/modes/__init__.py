"""Evaluation modes as data: named bundles of ordinary runs (suite x attacks x judges).

`modes.yaml` holds the bundles; this module only reads and checks them, so a mode is
changed by editing data, and every part still runs through `riskbench.pipeline` as a run
of its own (stored, resumable, reported like any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.errors import UsageError


@dataclass(frozen=True)
class Part:
    """One run of a mode."""

    name: str
    suite: str
    attacks: tuple[str, ...] = ("direct",)
    judges: tuple[str, ...] = ()
    needs_helpers: bool = False
    limit_per_lang: bool = False


@dataclass(frozen=True)
class Mode:
    name: str
    description: str
    parts: tuple[Part, ...]


@cache
def _data() -> dict[str, Any]:
    text = files("riskbench.modes").joinpath("modes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("modes.yaml: expected a mapping with 'modes' and 'all'")
    return data


def _part(raw: dict[str, Any]) -> Part:
    return Part(name=str(raw["name"]), suite=str(raw["suite"]),
                attacks=tuple(raw.get("attacks") or ("direct",)),
                judges=tuple(raw.get("judges") or ()),
                needs_helpers=bool(raw.get("needs_helpers", False)),
                limit_per_lang=bool(raw.get("limit_per_lang", False)))


@cache
def modes() -> dict[str, Mode]:
    """Every mode in modes.yaml, in file order."""
    return {name: Mode(name, " ".join(str(raw.get("description", "")).split()),
                       tuple(_part(p) for p in raw["parts"]))
            for name, raw in _data()["modes"].items()}


def names() -> list[str]:
    return [*modes(), "all"]


def resolve(spec: str) -> list[Mode]:
    """A mode name, 'all', or several names joined by commas, in the order given."""
    wanted: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if part == "all":
            wanted += list(_data()["all"])
        elif part in modes():
            wanted.append(part)
        else:
            raise UsageError(f"unknown mode {part!r}; use one of {'|'.join(names())}")
    if not wanted:
        raise UsageError(f"give a mode: one of {'|'.join(names())}")
    return [modes()[name] for name in dict.fromkeys(wanted)]


__all__ = ["Mode", "Part", "modes", "names", "resolve"]
