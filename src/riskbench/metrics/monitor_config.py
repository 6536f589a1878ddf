"""The monitor's domain config: which benchmarks measure capability and safety in each
domain, their weights and kinds, and the safety coefficient beta. The YAML lives in
`metrics/data/domains.yaml`; a user's own file is checked with one clear line per
problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from riskbench.errors import UsageError
from riskbench.types import ModelInfo, Side, stable_hash

KINDS = ("accuracy", "refusal_rate", "safety_rate", "strongreject_inverted", "score_100",
         "rate_inverted")


@dataclass(frozen=True, slots=True)
class BenchmarkSpec:
    """One benchmark of a domain, from the domain config (data, not code).

    `kind` says how the measured value maps to 0-100: accuracy, refusal_rate,
    safety_rate and score_100 are percentages taken as they are; rate_inverted is
    100 - a percentage (e.g. attack success rate); strongreject_inverted is
    100 x (1 - StrongREJECT score). `runs` selects the stored runs that measure it."""

    name: str
    side: Side
    weight: float
    kind: str
    title: str = ""
    tag: str = ""  # e.g. refusal, jailbreak, honesty: groups benchmarks in tables
    runs: Mapping[str, Any] | None = None
    measured_with: str = ""


@dataclass(frozen=True, slots=True)
class DomainConfig:
    name: str
    title: str
    benchmarks: tuple[BenchmarkSpec, ...]

    def side(self, side: Side) -> tuple[BenchmarkSpec, ...]:
        return tuple(b for b in self.benchmarks if b.side == side)


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """All domains plus the default betas and the config's version (name + hash)."""

    version: str
    beta_closed: float
    beta_open: float
    domains: Mapping[str, DomainConfig]

    def beta_for(self, model: ModelInfo) -> float:
        if model.beta is not None:
            return model.beta
        return self.beta_open if model.open_weights else self.beta_closed


# --- the config -------------------------------------------------------------------

RUN_KEYS = {"suite", "judge", "domain", "attacks"}
ATTACKS = ("direct", "attacked", "all")
BENCH_KEYS = {"weight", "kind", "tag", "title", "runs", "measured with"}


def load_config(path: str | Path | None = None) -> MonitorConfig:
    """The packaged domain config, or the YAML file at `path`; UsageError naming the
    first problem in a user's file."""
    if path is None:
        return _packaged_config()
    else:
        file = Path(path)
        if not file.is_file():
            raise UsageError(f"{file}: no such domain config; give a YAML file shaped like "
                             "riskbench/metrics/data/domains.yaml")
        text, where = file.read_text("utf-8"), str(file)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return parse_config(data, where, stable_hash(data, 8))


@cache
def _packaged_config() -> MonitorConfig:
    """The packaged config, read once (the dashboard asks for it on every page)."""
    data = yaml.safe_load(
        files("riskbench.metrics").joinpath("data/domains.yaml").read_text("utf-8"))
    return parse_config(data, "domains.yaml", stable_hash(data, 8))


def _number(value: Any, where: str, what: str, low: float, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low or (
            high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{where}: {what} must be a number {bound}, not {value!r}")
    return float(value)


def parse_config(data: Any, where: str, digest: str) -> MonitorConfig:
    if not isinstance(data, dict) or not isinstance(data.get("domains"), dict):
        raise UsageError(f"{where}: expected a mapping with 'domains' (and 'beta', "
                         "'version'); see riskbench/metrics/data/domains.yaml")
    beta = data.get("beta") or {}
    if not isinstance(beta, dict):
        raise UsageError(f"{where}: 'beta' must map closed and open to numbers")
    closed = _number(beta.get("closed", 1.0), where, "beta.closed", 0, 1)
    open_ = _number(beta.get("open", closed), where, "beta.open", 0, 1)
    domains: dict[str, DomainConfig] = {}
    for name, body in data["domains"].items():
        here = f"{where}: domain {name}"
        if not isinstance(body, dict):
            raise UsageError(f"{here}: expected capability and safety benchmark mappings")
        benchmarks: list[BenchmarkSpec] = []
        for side in ("capability", "safety"):
            entries = body.get(side) or {}
            if not isinstance(entries, dict) or not entries:
                raise UsageError(f"{here}: '{side}' must list at least one benchmark")
            for bench, spec in entries.items():
                benchmarks.append(_benchmark(str(bench), side, spec, f"{here}, {bench}"))
        names = [b.name for b in benchmarks]
        if len(set(names)) != len(names):
            raise UsageError(f"{here}: a benchmark is listed on both sides; give it one side")
        domains[str(name)] = DomainConfig(str(name), str(body.get("title", name)),
                                          tuple(benchmarks))
    version = f"{data.get('version', 'custom')}+{digest}"
    return MonitorConfig(version, closed, open_, domains)


def _benchmark(name: str, side: Side, spec: Any, where: str) -> BenchmarkSpec:
    if not isinstance(spec, dict):
        raise UsageError(f"{where}: expected a mapping with weight and kind")
    unknown = set(spec) - BENCH_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key {sorted(unknown)[0]!r}; use "
                         f"{', '.join(sorted(BENCH_KEYS))}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise UsageError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    runs = spec.get("runs")
    if runs is not None:
        if not isinstance(runs, dict) or set(runs) - RUN_KEYS or "suite" not in runs:
            raise UsageError(f"{where}: runs must map suite (a glob) and optionally judge, "
                             "domain, attacks")
        if runs.get("attacks", "all") not in ATTACKS:
            raise UsageError(f"{where}: runs.attacks must be one of {', '.join(ATTACKS)}")
    return BenchmarkSpec(name, side, _number(spec.get("weight", 1), where, "weight", 0, None),
                         str(kind), str(spec.get("title", name)), str(spec.get("tag", "")),
                         dict(runs) if runs else None, str(spec.get("measured with", "")))
