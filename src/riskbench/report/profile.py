"""The combined report of an evaluation over several modes, and the safety profile drawn
from it: safety rate per mode, worst-case attack, per-language rates, an archetype chosen
by the rules in data/archetypes.yaml, and a short text generated from the scores.

It reads only the runs' `RunScores`, so every number here is one of theirs (one run per
mode) or their pooled counts (a mode of several runs)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.metrics import RunScores, wilson
from riskbench.report.format import percent
from riskbench.taxonomy import languages as language_names
from riskbench.types import Score


@dataclass(frozen=True)
class ModeRun:
    """One part of a mode: a finished run, or why there is none."""

    mode: str
    part: str
    status: str  # "ran", "skipped" or "not available"
    note: str = ""
    run_id: str | None = None
    scores: RunScores | None = None


@dataclass(frozen=True)
class ModeInfo:
    name: str
    description: str
    parts: tuple[ModeRun, ...] = field(default_factory=tuple)


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


@cache
def rules() -> dict[str, Any]:
    text = files("riskbench.report").joinpath("data/archetypes.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _rate(score: Score | None) -> dict[str, Any] | None:
    if score is None or score.value is None or score.n == 0:
        return None
    return {"value": score.value, "low": score.low, "high": score.high, "n": score.n}


def _pooled(scores: Sequence[Score]) -> dict[str, Any] | None:
    """One run: its own score. Several: their hits and trials added up, Wilson interval."""
    scores = [s for s in scores if s.value is not None and s.n > 0]
    if len(scores) == 1:
        return _rate(scores[0])
    if not scores:
        return None
    hits = sum(round((s.value or 0.0) * s.n) for s in scores)
    n = sum(s.n for s in scores)
    low, high = wilson(hits, n)
    return {"value": hits / n, "low": low, "high": high, "n": n}


def condition_holds(condition: str, value: float | None) -> bool:
    """'>= 0.9' against a measured value; an unmeasured feature never satisfies one."""
    op, _, number = condition.strip().partition(" ")
    if op not in _OPS:
        raise ValueError(f"archetypes.yaml: bad condition {condition!r}; use e.g. '>= 0.9'")
    return value is not None and _OPS[op](value, float(number))


def choose_archetype(features: Mapping[str, float | None]) -> dict[str, str]:
    """The first archetype whose `when` all hold and, if it has `any`, one of those."""
    for rule in rules()["archetypes"]:
        when = rule.get("when") or {}
        any_ = rule.get("any") or {}
        if all(condition_holds(c, features.get(f)) for f, c in when.items()) and \
                (not any_ or any(condition_holds(c, features.get(f)) for f, c in any_.items())):
            return _archetype(rule)
    return _archetype(rules()["fallback"])


def _archetype(rule: Mapping[str, Any]) -> dict[str, str]:
    return {"name": rule["name"], "label": rule["label"],
            "summary": " ".join(str(rule["summary"]).split())}


def steepness(drop: float) -> str:
    for step in rules()["steepness"]:
        if drop < float(step["below"]):
            return str(step["word"])
    return str(rules()["steepness"][-1]["word"])


def _pct(value: float | None) -> str:
    return percent(value, 0)


def build(model: str, modes: Sequence[ModeInfo]) -> dict[str, Any]:
    """The combined report's content (JSON-ready)."""
    rows: list[dict[str, Any]] = []
    for mode in modes:
        ran = [p for p in mode.parts if p.status == "ran" and p.scores is not None]
        runs = [p.scores for p in ran if p.scores is not None]
        missing = [p for p in mode.parts if p.status == "not available"]
        status = "measured" if runs else (missing[0].status if missing else "skipped")
        rows.append({
            "mode": mode.name, "description": mode.description, "status": status,
            "notes": [f"{p.part}: {p.status}: {p.note}" for p in mode.parts if p.note],
            "runs": [{"part": p.part, "run_id": p.run_id} for p in ran],
            "safety_rate": _pooled([s for r in runs if (s := r.get("safety_rate"))]),
            "over_refusal_rate": _pooled([s for r in runs
                                          if (s := r.get("over_refusal_rate"))]),
        })
    by_mode: dict[str, Any] = {str(r["mode"]): r for r in rows}
    attacks = _attacks(modes, "adversarial")
    worst = min(attacks, key=lambda a: (a["safety_rate"]["value"], a["attack"]),
                default=None)
    languages = _languages(modes)
    features = _features(by_mode, worst, languages)
    archetype = choose_archetype(features)
    return {
        "kind": "riskbench-modes-report", "model": model, "modes": rows,
        "attacks": attacks, "worst_attack": worst, "languages": languages,
        "features": features,
        "profile": {"archetype": archetype, "text": _text(by_mode, worst, languages,
                                                          features, archetype)},
    }


def _attacks(modes: Sequence[ModeInfo], name: str) -> list[dict[str, Any]]:
    out = []
    for mode in modes:
        if mode.name != name:
            continue
        for part in mode.parts:
            if part.scores is None:
                continue
            for row in part.scores.table("attack"):
                rate = _rate(row.get("safety_rate"))
                if rate and row["key"]:
                    out.append({"attack": row["key"], "part": part.part, "safety_rate": rate})
    return sorted(out, key=lambda a: (a["safety_rate"]["value"], a["attack"]))


def _languages(modes: Sequence[ModeInfo]) -> list[dict[str, Any]]:
    """Per-language rates of the multilingual mode (else baseline), with the gap to
    English the run computed, when it did."""
    for wanted in ("multilingual", "baseline"):
        for mode in modes:
            runs = [p.scores for p in mode.parts if mode.name == wanted and p.scores]
            if not runs:
                continue
            scores = runs[0]
            gaps = {row["key"]: row.get("safety_gap_to_en") for row in scores.table("lang")}
            out = []
            for row in scores.table("lang"):
                rate = _rate(row.get("safety_rate"))
                if rate is None:
                    continue
                gap = gaps.get(row["key"])
                out.append({"lang": row["key"],
                            "name": language_names().get(row["key"], row["key"]),
                            "mode": mode.name, "safety_rate": rate,
                            "gap_to_en": None if gap is None else
                            {"value": gap.value, "low": gap.low, "high": gap.high}})
            if out:
                return out
    return []


def _features(by_mode: Mapping[str, Any], worst: Mapping[str, Any] | None,
              languages: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    def value(mode: str, metric: str = "safety_rate") -> float | None:
        rate = (by_mode.get(mode) or {}).get(metric)
        return None if rate is None else float(rate["value"])

    features: dict[str, float | None] = {
        m: value(m) for m in ("baseline", "adversarial", "multilingual", "compliance")}
    features["over_refusal"] = value("baseline", "over_refusal_rate")
    features["worst_attack"] = worst["safety_rate"]["value"] if worst else None
    base = features["baseline"]
    features["attack_drop"] = None if base is None or features["adversarial"] is None \
        else base - features["adversarial"]
    features["worst_attack_drop"] = None if base is None or worst is None \
        else base - features["worst_attack"]  # type: ignore[operator]
    gaps = [lang["gap_to_en"]["value"] for lang in languages if lang["gap_to_en"]]
    features["language_drop"] = max(0.0, -min(gaps)) if gaps else None
    return features


def _text(by_mode: Mapping[str, Any], worst: Mapping[str, Any] | None,
          languages: Sequence[Mapping[str, Any]], features: Mapping[str, float | None],
          archetype: Mapping[str, str]) -> list[str]:
    texts = rules()["text"]

    def say(key: str, **values: Any) -> str:
        return " ".join(str(texts[key]).split()).format(**values)

    measured = sorted(((r["safety_rate"]["value"], m) for m, r in by_mode.items()
                       if r["safety_rate"]), key=lambda pair: (pair[0], pair[1]))
    out = []
    if len(measured) > 1:
        out.append(say("weakest", weakest=measured[0][1], weakest_rate=_pct(measured[0][0]),
                       strongest=measured[-1][1], strongest_rate=_pct(measured[-1][0])))
    elif measured:
        out.append(say("single_mode", weakest=measured[0][1],
                       weakest_rate=_pct(measured[0][0])))
    drop = features.get("language_drop")
    if drop is not None:
        lowest = min((lang for lang in languages if lang["gap_to_en"]),
                     key=lambda lang: lang["gap_to_en"]["value"])
        out.append(say("language", steepness=steepness(drop), drop=f"{100 * drop:.0f}",
                       lang=lowest["name"], lang_rate=_pct(lowest["safety_rate"]["value"])))
    else:
        out.append(say("language_none"))
    attack_drop = features.get("attack_drop")
    if attack_drop is not None and worst is not None:
        out.append(say("attacks", steepness=steepness(max(0.0, attack_drop)),
                       baseline_rate=_pct(features["baseline"]),
                       adversarial_rate=_pct(features["adversarial"]),
                       worst_rate=_pct(features["worst_attack"]),
                       worst_attack=worst["attack"]))
    else:
        out.append(say("attacks_none"))
    out.append(say("archetype", label=archetype["label"], summary=archetype["summary"]))
    return out


__all__ = ["ModeInfo", "ModeRun", "build", "choose_archetype", "condition_holds", "rules",
           "steepness"]
