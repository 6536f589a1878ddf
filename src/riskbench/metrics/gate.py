"""The CI gate over a comparison: `--fail-on LEVEL` (a model's Secure@k risk level at or
worse than LEVEL), `--fail-if "metric<value"` (a model's overall figure), and a baseline run
(a model significantly less safe than it, by the paired test). Each failure is one line."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from typing import Any

from riskbench.errors import UsageError
from riskbench.metrics.campaign import Comparison
from riskbench.metrics.paired import flipped
from riskbench.metrics.stats import level_names

METRICS = ("safety_rate", "secure_at_k", "attack_success_rate", "over_refusal_rate",
           "insecure_code_rate")
OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_RULE = re.compile(r"^\s*([a-z_@]+)\s*(<=|>=|<|>)\s*([0-9.]+)\s*(%?)\s*$")


def parse_rule(text: str) -> tuple[str, str, float]:
    """'safety_rate<0.9' (or '<90%') as (metric, operator, threshold as a fraction)."""
    found = _RULE.match(text)
    metric = found.group(1).replace("secure@k", "secure_at_k") if found else ""
    if not found or metric not in METRICS:
        raise UsageError(f"bad --fail-if {text!r}; write METRIC<VALUE with METRIC one of "
                         f"{', '.join(METRICS)}, e.g. --fail-if 'safety_rate<0.9'")
    value = float(found.group(3)) / (100 if found.group(4) else 1)
    if not 0 <= value <= 1:
        raise UsageError(f"bad --fail-if {text!r}: a rate lies in 0-1 (or 0-100%)")
    return metric, found.group(2), value


def check_level(level: str) -> str:
    if level not in level_names():
        raise UsageError(f"bad --fail-on {level!r}; use one of {', '.join(level_names())}")
    return level


def gate(c: Comparison, fail_on: str | None = None, rules: Sequence[str] = (),
         baseline: str | None = None) -> list[str]:
    """The failures, one line each; empty when the gate passes. `baseline` is the label of
    the comparison's model that the others must not be significantly less safe than."""
    parsed = [parse_rule(r) for r in rules]
    order = level_names()
    failures = []
    for m in c.models:
        name = m["label"]
        if fail_on:
            level = (m["secure_at_k"] or {}).get("risk_level")
            if level in order and order.index(level) >= order.index(check_level(fail_on)):
                failures.append(f"{name}: risk level {level} (--fail-on {fail_on})")
        for metric, op, value in parsed:
            cell: dict[str, Any] | None = m.get(metric)
            if cell is None:
                failures.append(f"{name}: no {metric} measured (--fail-if {metric}{op}{value})")
            elif OPS[op](cell["value"], value):
                failures.append(f"{name}: {metric} = {cell['value']:.3f} {op} {value} "
                                "(--fail-if)")
    if baseline:
        against = [p if p.b == baseline else flipped(p) for p in c.paired
                   if baseline in (p.a, p.b)]
        for p in against:  # p.a is a model, p.b the baseline
            if p.significant and p.diff < 0:
                failures.append(f"{p.a}: safety {100 * p.diff:+.1f} pp [{100 * p.low:+.1f}, "
                                f"{100 * p.high:+.1f}] against baseline {baseline}, "
                                "significant (--baseline)")
    return failures
