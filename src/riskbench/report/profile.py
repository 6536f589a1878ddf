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

from riskbench.metrics import RunScores, min_n, newcombe_difference, wilson
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


Feature = Mapping[str, Any]  # {"value", "low", "high", "n", "enough"}


def _as_feature(value: float | Feature | None) -> Feature | None:
    """A plain number is a point with no sampling error (rules tested on their own)."""
    if value is None or isinstance(value, Mapping):
        return value
    return {"value": float(value), "low": float(value), "high": float(value), "enough": True}


def condition_state(condition: str, feature: float | Feature | None) -> str:
    """'holds', 'fails' or 'unclear' for e.g. '>= 0.9' against a feature with its 95 %
    interval: it holds only when the whole interval is on the claimed side and fails only
    when the whole interval is on the other. An unmeasured feature fails; one measured on
    fewer items than the minimum is unclear (the data cannot tell)."""
    op, _, number = condition.strip().partition(" ")
    if op not in _OPS:
        raise ValueError(f"archetypes.yaml: bad condition {condition!r}; use e.g. '>= 0.9'")
    bound, test = float(number), _OPS[op]
    f = _as_feature(feature)
    if f is None:
        return "fails"
    if not f.get("enough", True):
        return "unclear"
    low, high = float(f["low"]), float(f["high"])
    inner, outer = (low, high) if op in (">=", ">") else (high, low)
    if test(inner, bound):
        return "holds"
    return "fails" if not test(outer, bound) else "unclear"


def condition_holds(condition: str, value: float | Feature | None) -> bool:
    """'>= 0.9' against a measured value; an unmeasured feature never satisfies one."""
    return condition_state(condition, value) == "holds"


def choose_archetype(features: Mapping[str, float | Feature | None]) -> dict[str, str]:
    """The first archetype whose `when` all hold and, if it has `any`, one of those. An
    archetype the data can neither confirm nor rule out stops the search: a later one is
    not named while an earlier one may apply, and the profile says the data cannot tell."""
    for rule in rules()["archetypes"]:
        when = rule.get("when") or {}
        any_ = rule.get("any") or {}
        states = {f: condition_state(c, features.get(f)) for f, c in when.items()}
        any_states = {f: condition_state(c, features.get(f)) for f, c in any_.items()}
        if "fails" in states.values() or (any_states and all(
                v == "fails" for v in any_states.values())):
            continue
        if all(v == "holds" for v in states.values()) and \
                (not any_states or "holds" in any_states.values()):
            return _archetype(rule)
        unclear = [f for f, v in {**states, **any_states}.items() if v == "unclear"]
        return _undetermined(rule, unclear[0], features.get(unclear[0]))
    return _archetype(rules()["fallback"])


def _undetermined(rule: Mapping[str, Any], name: str, feature: float | Feature | None
                  ) -> dict[str, str]:
    f = _as_feature(feature) or {}
    texts = rules()["undetermined"]
    if not f.get("enough", True):
        reason = str(texts["small"]).format(feature=name, n=f.get("n", 0),
                                            min_n=f.get("min_n", 0))
    else:
        reason = str(texts["straddles"]).format(
            feature=name, value=pct(f.get("value")), low=pct(f.get("low")),
            high=pct(f.get("high")), archetype=rule["label"])
    return {"name": texts["name"], "label": texts["label"],
            "summary": " ".join(reason.split())}


def _archetype(rule: Mapping[str, Any]) -> dict[str, str]:
    return {"name": rule["name"], "label": rule["label"],
            "summary": " ".join(str(rule["summary"]).split())}


def steepness(drop: float) -> str:
    for step in rules()["steepness"]:
        if drop < float(step["below"]):
            return str(step["word"])
    return str(rules()["steepness"][-1]["word"])


def pct(value: float | None) -> str:
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
    from riskbench.report.profile_text import profile_text  # it reads this module's rules

    evidence = _evidence(by_mode, worst, languages)
    archetype = choose_archetype(evidence)
    return {
        "kind": "riskbench-modes-report", "model": model, "modes": rows,
        "attacks": attacks, "worst_attack": worst, "languages": languages,
        "features": {name: None if f is None else f["value"] for name, f in evidence.items()},
        "evidence": evidence,
        "profile": {"archetype": archetype,
                    "text": profile_text(by_mode, worst, languages, evidence, archetype)},
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


def _feature(rate: Mapping[str, Any] | None, metric: str = "safety_rate"
             ) -> dict[str, Any] | None:
    if rate is None:
        return None
    need = min_n(metric)
    return {"value": float(rate["value"]), "low": float(rate["low"]),
            "high": float(rate["high"]), "n": int(rate["n"]), "min_n": need,
            "enough": int(rate["n"]) >= need}


def hits(rate: Mapping[str, Any]) -> int:
    return round(float(rate["value"]) * int(rate["n"]))


def drop(first: Mapping[str, Any] | None, second: Mapping[str, Any] | None
         ) -> dict[str, Any] | None:
    """first − second with Newcombe's interval; enough when both sides are."""
    if first is None or second is None:
        return None
    diff, low, high = newcombe_difference(hits(first), int(first["n"]),
                                          hits(second), int(second["n"]))
    small = min((first, second), key=lambda r: int(r["n"]))
    need = min_n("safety_rate")
    return {"value": diff, "low": low, "high": high, "n": int(small["n"]), "min_n": need,
            "enough": int(first["n"]) >= need and int(second["n"]) >= need}


def lowest_language(languages: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    gapped = [lang for lang in languages if lang["gap_to_en"]]
    return min(gapped, key=lambda lang: (lang["gap_to_en"]["value"], lang["lang"]),
               default=None)


def _evidence(by_mode: Mapping[str, Any], worst: Mapping[str, Any] | None,
              languages: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """Every archetype feature with its 95 % interval and n: rates with Wilson's, falls
    with Newcombe's; `enough` is False below the metric's minimum n (metrics/data)."""
    def rate(mode: str, metric: str = "safety_rate") -> Mapping[str, Any] | None:
        return (by_mode.get(mode) or {}).get(metric)

    out: dict[str, dict[str, Any] | None] = {
        m: _feature(rate(m)) for m in ("baseline", "adversarial", "multilingual", "compliance")}
    out["over_refusal"] = _feature(rate("baseline", "over_refusal_rate"), "over_refusal_rate")
    out["worst_attack"] = _feature(worst["safety_rate"]) if worst else None
    out["attack_drop"] = drop(rate("baseline"), rate("adversarial"))
    out["worst_attack_drop"] = drop(rate("baseline"), worst["safety_rate"] if worst else None)
    low = lowest_language(languages)
    out["language_drop"] = None
    if low is not None:
        gap = low["gap_to_en"]
        en = next((lang for lang in languages if lang["lang"] == "en"), None)
        need = min_n("safety_rate")
        enough = all(int(lang["safety_rate"]["n"]) >= need for lang in languages)
        out["language_drop"] = {
            "value": max(0.0, -gap["value"]), "low": max(0.0, -gap["high"]),
            "high": max(0.0, -gap["low"]), "n": int(low["safety_rate"]["n"]),
            "min_n": need, "enough": enough and en is not None}
    return out


__all__ = ["ModeInfo", "ModeRun", "build", "choose_archetype", "condition_holds",
           "condition_state", "drop", "hits", "lowest_language", "pct", "rules",
           "steepness"]
