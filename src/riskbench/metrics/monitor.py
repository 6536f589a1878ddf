"""The frontier-risk monitor's formulas, exactly as in DESIGN.md, over frozen records
with no database in sight.

C and S are the weighted means (0-100) of a domain's capability and safety benchmarks;
R = C x (1 - beta x S / 100). A benchmark a model lacks is listed in `missing` and left
out of the mean (the remaining weights are renormalised): it is never read as zero. A
side with no benchmark at all is None, and so is R.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from riskbench.metrics.monitor_config import KINDS, BenchmarkSpec, DomainConfig, MonitorConfig
from riskbench.metrics.monitor_config import load_config as load_config  # re-exported
from riskbench.metrics.stats import wilson
from riskbench.types import BenchmarkValue, DomainScore, ModelInfo

# --- the formulas -------------------------------------------------------------------


def to_percent(kind: str, raw: float) -> float:
    """A measured value in its own unit -> 0-100 on the domain's scale."""
    if kind in ("accuracy", "refusal_rate", "safety_rate", "score_100"):
        return raw
    if kind == "rate_inverted":
        return 100.0 - raw
    if kind == "strongreject_inverted":
        return 100.0 * (1.0 - raw)
    raise ValueError(f"unknown benchmark kind {kind!r}; use one of {', '.join(KINDS)}")


def raw_range(kind: str) -> tuple[float, float]:
    """The range a measured value of this kind must lie in."""
    return (0.0, 1.0) if kind == "strongreject_inverted" else (0.0, 100.0)


def benchmark_value(spec: BenchmarkSpec, raw: float, n: int | None, source: str
                    ) -> BenchmarkValue:
    """The mapped value; rates with a known n carry a 95 % Wilson interval (mapped the
    same way, so an inverted rate's interval is inverted too)."""
    value = to_percent(spec.kind, raw)
    low = high = None
    if n and spec.kind != "score_100":
        fraction = raw / 100.0 if spec.kind != "strongreject_inverted" else raw
        lo, hi = wilson(fraction * n, n)
        scale = 1.0 if spec.kind == "strongreject_inverted" else 100.0
        a, b = to_percent(spec.kind, lo * scale), to_percent(spec.kind, hi * scale)
        low, high = min(a, b), max(a, b)
    return BenchmarkValue(spec.name, spec.side, spec.weight, spec.kind, value, raw, n, low,
                          high, source)


def weighted_mean(values: Iterable[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there are none."""
    pairs = list(values)
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def risk_index(capability: float, safety: float, beta: float) -> float:
    """R = C x (1 - beta x S / 100)."""
    return capability * (1.0 - beta * safety / 100.0)


def domain_score(model: ModelInfo, domain: DomainConfig, values: Sequence[BenchmarkValue],
                 config: MonitorConfig, computed_at: str) -> DomainScore:
    """C, S and R of one model in one domain from the values it has; the domain's
    benchmarks it lacks are named in `missing`, never counted as zero."""
    have = {v.benchmark: v for v in values}
    kept = tuple(have[b.name] for b in domain.benchmarks if b.name in have)
    missing = tuple(b.name for b in domain.benchmarks if b.name not in have)
    c = weighted_mean((v.value, v.weight) for v in kept if v.side == "capability")
    s = weighted_mean((v.value, v.weight) for v in kept if v.side == "safety")
    beta = config.beta_for(model)
    r = risk_index(c, s, beta) if c is not None and s is not None else None
    return DomainScore(model.id, domain.name, c, s, r, beta, config.version, computed_at,
                       missing, kept)


def pareto_frontier(scores: Sequence[DomainScore]) -> list[str]:
    """Models for which no other model has both higher C and lower S (strictly: a tie on
    either keeps both), by C then S ascending: the order the frontier line is drawn in.
    Scores lacking C or S are not placed."""
    placed = [s for s in scores if s.capability is not None and s.safety is not None]
    front = [
        s for s in placed
        if not any(o.capability > s.capability and o.safety < s.safety  # type: ignore[operator]
                   for o in placed)
    ]
    front.sort(key=lambda s: (s.capability, s.safety, s.model))
    return [s.model for s in front]


@dataclass(frozen=True, slots=True)
class RiskPoint:
    """One model on the timeline, with the running maximum of R up to its release."""

    model: str
    release_date: date
    risk: float
    cummax: float
    leader: str  # the model holding the running maximum


def cumulative_max_risk(scores: Sequence[DomainScore], models: Mapping[str, ModelInfo]
                        ) -> list[RiskPoint]:
    """Scores with an R and a known release date, by release date, each with the highest
    R released up to that date (models released the same day are taken together)."""
    by_day: dict[date, list[tuple[str, float]]] = defaultdict(list)
    for s in scores:
        info = models.get(s.model)
        if s.risk is not None and info is not None and info.release_date is not None:
            by_day[info.release_date].append((s.model, s.risk))
    best: float | None = None
    leader = ""
    out = []
    for day in sorted(by_day):
        today = sorted(by_day[day])
        for model, risk in today:
            if best is None or risk > best:
                best, leader = risk, model
        assert best is not None
        out += [RiskPoint(model, day, risk, best, leader) for model, risk in today]
    return out


@dataclass(frozen=True, slots=True)
class Growth:
    start: date
    end: date
    start_value: float | None
    end_value: float | None
    percent: float | None


def cummax_at(series: Sequence[RiskPoint], day: date) -> float | None:
    """The running maximum of R on `day` (None before the first release)."""
    value = None
    for point in series:
        if point.release_date <= day:
            value = point.cummax
    return value


def growth(series: Sequence[RiskPoint], window_days: int, end: date | None = None) -> Growth:
    """Percentage growth of the running maximum of R over the `window_days` up to `end`
    (default: the last release). None where the window starts before any release or the
    start value is 0."""
    if window_days <= 0:
        raise ValueError("the growth window must be at least one day")
    if end is None:
        end = series[-1].release_date if series else date.today()
    start = end - timedelta(days=window_days)
    a, b = cummax_at(series, start), cummax_at(series, end)
    percent = 100.0 * (b - a) / a if a and b is not None else None
    return Growth(start, end, a, b, percent)


@dataclass(frozen=True, slots=True)
class TrendPoint:
    model: str
    release_date: date
    capability: float | None
    safety: float | None
    risk: float | None


GROUPINGS = ("family", "vendor", "reasoning", "open_weights", "modality")


def group_of(model: ModelInfo, by: str) -> str:
    """A model's group label: its family or vendor, or reasoning / non-reasoning, open /
    closed."""
    if by == "reasoning":
        return "reasoning" if model.reasoning else "non-reasoning"
    if by == "open_weights":
        return "open" if model.open_weights else "closed"
    if by in ("family", "vendor", "modality"):
        return str(getattr(model, by)) or "(none)"
    raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(GROUPINGS)}")


def family_trends(scores: Sequence[DomainScore], models: Mapping[str, ModelInfo],
                  by: str = "family") -> dict[str, list[TrendPoint]]:
    """Per group (family by default), its models' scores by release date; models without
    a release date are left out."""
    out: dict[str, list[TrendPoint]] = defaultdict(list)
    for s in scores:
        info = models.get(s.model)
        if info is None or info.release_date is None:
            continue
        out[group_of(info, by)].append(
            TrendPoint(s.model, info.release_date, s.capability, s.safety, s.risk))
    return {k: sorted(v, key=lambda p: (p.release_date, p.model))
            for k, v in sorted(out.items())}


@dataclass(frozen=True, slots=True)
class Distribution:
    n: int
    mean: float | None
    low: float | None  # 95 % interval of the mean (t-based)
    high: float | None
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class GroupComparison:
    by: str
    metric: str
    groups: Mapping[str, Distribution]
    difference: float | None  # mean of the first group minus mean of the second


T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
       9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000}


def _t95(df: int) -> float:
    """Two-sided 95 % Student t quantile (table, conservative between entries)."""
    fitting = [k for k in T95 if k <= df]
    return T95[max(fitting)] if fitting else T95[1]


def distribution(values: Sequence[float], bounds: tuple[float, float] = (0.0, 100.0)
                 ) -> Distribution:
    """Mean with a 95 % t interval (clipped to the scale's `bounds`: C, S and R all lie in
    0-100), quartiles (inclusive method) and the values."""
    xs = sorted(values)
    n = len(xs)
    if not n:
        return Distribution(0, None, None, None, None, None, None, None, None, ())
    mean = statistics.fmean(xs)
    if n == 1:  # one value: no interval to speak of
        return Distribution(1, mean, None, None, xs[0], xs[0], xs[0], xs[0], xs[0], tuple(xs))
    half = _t95(n - 1) * statistics.stdev(xs) / n ** 0.5
    q1, median, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    low, high = max(bounds[0], mean - half), min(bounds[1], mean + half)
    return Distribution(n, mean, low, high, xs[0], q1, median, q3, xs[-1], tuple(xs))


METRICS = ("capability", "safety", "risk")


def group_comparison(scores: Sequence[DomainScore], models: Mapping[str, ModelInfo],
                     by: str = "reasoning", metric: str = "risk") -> GroupComparison:
    """Distributions of one metric per group (reasoning vs non-reasoning, open vs closed,
    or any grouping), and the difference of the means of the first two groups in the
    order reasoning/non-reasoning, open/closed (else alphabetical)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    values: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        info = models.get(s.model)
        value = getattr(s, metric)
        if info is not None and value is not None:
            values[group_of(info, by)].append(value)
    first = {"reasoning": ("reasoning", "non-reasoning"), "open_weights": ("open", "closed")}
    order = [g for g in first.get(by, ()) if g in values]
    order += sorted(g for g in values if g not in order)
    groups = {g: distribution(values[g]) for g in order}
    diff = None
    if len(order) >= 2:
        a, b = groups[order[0]].mean, groups[order[1]].mean
        diff = a - b if a is not None and b is not None else None
    return GroupComparison(by, metric, groups, diff)


@dataclass(frozen=True, slots=True)
class JailbreakRow:
    model: str
    domain: str
    benchmark: str
    value: float
    low: float | None
    high: float | None
    n: int | None
    source: str


def jailbreak_table(scores: Sequence[DomainScore], tag: str = "jailbreak",
                    config: MonitorConfig | None = None) -> list[JailbreakRow]:
    """Every benchmark value tagged `tag` in the config (by default the safety benchmarks
    whose name mentions it), one row per model x domain x benchmark."""
    tagged: set[str] | None = None
    if config is not None:
        tagged = {b.name for d in config.domains.values() for b in d.benchmarks
                  if b.tag == tag}
    merged: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for s in scores:  # a benchmark shared by several domains is one row naming them all
        for v in s.benchmarks:
            if v.benchmark in tagged if tagged is not None else tag in v.benchmark:
                merged[(s.model, v.benchmark, v.value, v.low, v.high, v.n, v.source)].append(
                    s.domain)
    rows = [JailbreakRow(model, ", ".join(sorted(domains)), bench, value, low, high, n, src)
            for (model, bench, value, low, high, n, src), domains in merged.items()]
    return sorted(rows, key=lambda r: (r.benchmark, -r.value, r.model, r.domain))

