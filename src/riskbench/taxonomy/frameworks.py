"""Regulatory frameworks as data: each `data/frameworks/<id>.yaml` lists a framework's
clauses with their citations, measures and thresholds, and `data/mappings/<id>.yaml` says
which stored evidence (suites, categories, attacks) counts for each clause. Adding a
framework is adding two files; no code states a threshold."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from importlib.resources import files
from typing import Any

import yaml

from riskbench.errors import UsageError
from riskbench.registry import Registry

MEASURES = ("safety_rate", "refusal_rate", "over_refusal_rate", "items")
SELECTOR_KEYS = ("source", "category", "attack_family", "attacked")
CLAUSE_KEYS = {"id", "title", "citation", "requirement", "measure", "op", "threshold",
               "min_items"}


@dataclass(frozen=True, slots=True)
class Selector:
    """Test cases whose fields match every given key; a list means any of its values, and
    a category ending in * matches by prefix."""

    source: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    attack_family: tuple[str, ...] = ()
    attacked: bool | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    title: str
    citation: str
    measure: str
    requirement: str = ""
    op: str = ">="
    threshold: float | None = None
    min_items: int = 0
    evidence: tuple[Selector, ...] = ()
    not_covered_reason: str = ""


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    document: str
    url: str
    categories: tuple[Mapping[str, str], ...]
    clauses: tuple[Clause, ...]
    unmapped_categories: Mapping[str, str] = field(default_factory=dict)


def _data_dir() -> Any:
    return files("riskbench.taxonomy").joinpath("data")


def _yaml(kind: str, name: str) -> dict[str, Any]:
    return dict(yaml.safe_load(_data_dir().joinpath(kind, f"{name}.yaml")
                               .read_text(encoding="utf-8")))


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _selector(raw: Mapping[str, Any], where: str) -> Selector:
    unknown = set(raw) - set(SELECTOR_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown selector keys {sorted(unknown)}")
    attacked = raw.get("attacked")
    return Selector(_tuple(raw.get("source")), _tuple(raw.get("category")),
                    _tuple(raw.get("attack_family")),
                    None if attacked is None else bool(attacked))


def _load(name: str) -> Framework:
    """Package data errors are bugs, so they raise ValueError naming the file."""
    spec, mapping = _yaml("frameworks", name), _yaml("mappings", name)
    where = f"compliance/data/mappings/{name}.yaml"
    evidence = mapping.get("clauses") or {}
    not_covered = mapping.get("not_covered") or {}
    clauses = []
    for raw in spec["clauses"]:
        cid = str(raw["id"])
        stray_keys = set(raw) - CLAUSE_KEYS  # an unquoted comma in a flow mapping
        if stray_keys:
            raise ValueError(f"frameworks/{name}.yaml: clause {cid}: unknown keys "
                             f"{sorted(stray_keys)}")
        if raw.get("measure") not in MEASURES:
            raise ValueError(f"frameworks/{name}.yaml: clause {cid}: measure "
                             f"{raw.get('measure')!r} is not one of {MEASURES}")
        if not str(raw.get("citation") or "").strip():
            raise ValueError(f"frameworks/{name}.yaml: clause {cid} has no citation")
        selectors = tuple(_selector(s, f"{where}: {cid}") for s in evidence.get(cid) or ())
        clauses.append(Clause(
            id=cid, title=str(raw["title"]), citation=str(raw["citation"]),
            measure=str(raw["measure"]), requirement=str(raw.get("requirement") or ""),
            op=str(raw.get("op") or ">="),
            threshold=None if raw.get("threshold") is None else float(raw["threshold"]),
            min_items=int(raw.get("min_items") or 0), evidence=selectors,
            not_covered_reason=str(not_covered.get(cid) or "")))
    known = {c.id for c in clauses}
    stray = (set(evidence) | set(not_covered)) - known
    if stray:
        raise ValueError(f"{where}: clauses {sorted(stray)} are not in the framework")
    return Framework(str(spec["id"]), str(spec["title"]), str(spec["document"]),
                     str(spec.get("url") or ""), tuple(spec.get("categories") or ()),
                     tuple(clauses), dict(mapping.get("unmapped_categories") or {}))


FrameworkLoader = Callable[[], Framework]
frameworks: Registry[FrameworkLoader] = Registry("framework", "riskbench compliance --list",
                                               "riskbench.frameworks")


def _register_data_files() -> None:
    for entry in _data_dir().joinpath("frameworks").iterdir():
        if entry.name.endswith(".yaml"):
            stem = entry.name.removesuffix(".yaml")
            frameworks.add(stem, partial(_load, stem))


_register_data_files()
ALIASES = {"eu-ai-act": "eu_ai_act", "nist": "nist_ai_600_1", "owasp": "owasp_llm_2025"}


@cache
def get_framework(name: str) -> Framework:
    """A framework by id (or a short alias); an unknown name is the user's mistake."""
    key = ALIASES.get(name, name)
    if key not in frameworks.names():
        raise UsageError(f"unknown framework {name!r}; use one of "
                         f"{', '.join(sorted(frameworks.names()))}")
    return frameworks.get(key)()
