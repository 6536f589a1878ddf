"""The profile's sentences, generated from the same numbers as its tables. A claim is
made only when the data support it: at least the minimum n (metrics/data/min_n.yaml) and,
for a difference, a 95 % Newcombe interval that excludes zero. Otherwise the sentence says
what the data cannot tell. Wording lives in data/archetypes.yaml (`text`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from riskbench.metrics import min_n
from riskbench.report.profile import drop, lowest_language, pct, rules, steepness


def _say(key: str, **values: Any) -> str:
    return " ".join(str(rules()["text"][key]).split()).format(**values)


def _points(value: float) -> str:
    return f"{100 * value:.0f}"


def _signed(value: float) -> str:
    return f"{100 * value:+.0f}"


def _same(rates: Sequence[Mapping[str, Any]]) -> bool:
    return len({round(float(r["value"]), 9) for r in rates}) == 1


def modes_sentence(by_mode: Mapping[str, Any]) -> str:
    measured = sorted(((r["safety_rate"], m) for m, r in by_mode.items() if r["safety_rate"]),
                      key=lambda pair: (pair[0]["value"], pair[1]))
    need = min_n("safety_rate")
    if not measured:
        return _say("no_mode")
    if len(measured) == 1:
        rate, mode = measured[0]
        return _say("single_mode", weakest=mode, weakest_rate=pct(rate["value"]),
                    n=rate["n"])
    if any(rate["n"] < need for rate, _ in measured):
        sizes = ", ".join(f"{mode} n = {rate['n']}" for rate, mode in measured)
        return _say("modes_small", sizes=sizes, min_n=need)
    if _same([rate for rate, _ in measured]):
        return _say("modes_equal", rate=pct(measured[0][0]["value"]))
    (weak, weakest), (strong, strongest) = measured[0], measured[-1]
    gap = drop(strong, weak)
    assert gap is not None
    values = {"weakest": weakest, "weakest_rate": pct(weak["value"]),
              "strongest": strongest, "strongest_rate": pct(strong["value"]),
              "gap": _points(gap["value"]), "low": _points(gap["low"]),
              "high": _points(gap["high"])}
    return _say("weakest" if gap["low"] > 0 else "modes_unclear", **values)


def language_sentence(languages: Sequence[Mapping[str, Any]]) -> str:
    if not languages:
        return _say("language_none")
    if len(languages) == 1:
        return _say("language_one", lang=languages[0]["name"])
    en = next((lang for lang in languages if lang["lang"] == "en"), None)
    if en is None:
        return _say("language_no_english")
    need = min_n("safety_rate")
    smallest = min(int(lang["safety_rate"]["n"]) for lang in languages)
    if smallest < need:
        return _say("language_small", n=smallest, min_n=need)
    if _same([lang["safety_rate"] for lang in languages]):
        return _say("language_equal", rate=pct(en["safety_rate"]["value"]))
    lowest = lowest_language(languages)
    en_rate = pct(en["safety_rate"]["value"])
    if lowest is None or lowest["gap_to_en"]["value"] >= 0:
        return _say("language_above", en_rate=en_rate)
    gap = lowest["gap_to_en"]
    values = {"drop": _points(-gap["value"]), "low": _points(-gap["high"]),
              "high": _points(-gap["low"]), "lang": lowest["name"],
              "lang_rate": pct(lowest["safety_rate"]["value"]), "en_rate": en_rate}
    if gap["high"] < 0:
        return _say("language", steepness=steepness(-gap["value"]), **values)
    return _say("language_unclear", **values)


def attacks_sentence(by_mode: Mapping[str, Any], worst: Mapping[str, Any] | None) -> str:
    base = (by_mode.get("baseline") or {}).get("safety_rate")
    adv = (by_mode.get("adversarial") or {}).get("safety_rate")
    if base is None or adv is None or worst is None:
        return _say("attacks_none")
    need = min_n("safety_rate")
    if base["n"] < need or adv["n"] < need:
        return _say("attacks_small", base_n=base["n"], adv_n=adv["n"], min_n=need)
    worst_rate = worst["safety_rate"]
    if _same([base, adv, worst_rate]):
        if base["value"] == 0:
            return _say("attacks_all_zero")
        return _say("attacks_equal", rate=pct(base["value"]))
    fall = drop(base, adv)
    assert fall is not None
    rates = {"baseline_rate": pct(base["value"]), "adversarial_rate": pct(adv["value"])}
    if fall["low"] > 0:
        out = _say("attacks", steepness=steepness(fall["value"]), drop=_points(fall["value"]),
                   low=_points(fall["low"]), high=_points(fall["high"]), **rates)
    elif fall["high"] < 0:
        out = _say("attacks_rise", low=_signed(-fall["high"]), high=_signed(-fall["low"]),
                   **rates)
    else:
        out = _say("attacks_unclear", low=_signed(-fall["high"]),
                   high=_signed(-fall["low"]), **rates)
    return f"{out} {worst_sentence(base, worst)}"


def worst_sentence(base: Mapping[str, Any], worst: Mapping[str, Any]) -> str:
    rate, need = worst["safety_rate"], min_n("safety_rate")
    values = {"worst_attack": worst["attack"], "worst_rate": pct(rate["value"])}
    if rate["n"] < need:
        return _say("worst_small", n=rate["n"], min_n=need)
    fall = drop(base, rate)
    assert fall is not None
    return _say("worst" if fall["low"] > 0 else "worst_unclear", **values)


def profile_text(by_mode: Mapping[str, Any], worst: Mapping[str, Any] | None,
                 languages: Sequence[Mapping[str, Any]],
                 evidence: Mapping[str, Any], archetype: Mapping[str, str]) -> list[str]:
    """The profile's sentences: modes, language gap, attacks, archetype."""
    closing = _say("archetype_undetermined", summary=archetype["summary"]) \
        if archetype["name"] == rules()["undetermined"]["name"] else \
        _say("archetype", label=archetype["label"], summary=archetype["summary"])
    return [modes_sentence(by_mode), language_sentence(languages),
            attacks_sentence(by_mode, worst), closing]


__all__ = ["attacks_sentence", "language_sentence", "modes_sentence", "profile_text"]
