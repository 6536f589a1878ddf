"""A campaign spec: the YAML file naming the models, suites, attacks, judges and sampling of
one comparison. The schema is the dataclasses below; `load_spec` checks a file against
them and reports every mistake on its own line before anything is sent."""

from __future__ import annotations

import os
import types
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from riskbench.errors import UsageError


@dataclass(frozen=True)
class ModelSpec:
    """One model of a campaign and the limits it runs within. `api_key_env` is the NAME of
    the environment variable holding its key; the key itself is never written anywhere."""

    model: str
    name: str | None = None
    concurrency: int | None = None
    rpm: float | None = None
    timeout: float | None = None
    api_key_env: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.model


@dataclass(frozen=True)
class Sampling:
    temperature: float | None = None
    max_tokens: int = 128


@dataclass(frozen=True)
class CampaignSpec:
    models: tuple[ModelSpec, ...]
    suites: tuple[str, ...] = ("starter",)
    name: str | None = None
    attacks: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()
    judge_model: str | None = None
    k: int = 1
    seed: int = 0
    limit: int | None = None
    sample: str = "stratified"  # how `limit` picks items: stratified (by seed) or first
    sampling: Sampling = field(default_factory=Sampling)
    executor: str = "local"  # or ray (docs/scaling.md); never changes the results
    ray_address: str | None = None

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


# Keys a user may override from the command line, for a one-model run too.
OVERRIDABLE = ("k", "seed", "limit", "judge_model")

_KEY_VARS = {"openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_COMPATIBLE_API_KEY"}


def key_variable(model: str) -> str | None:
    """The variable a provider reads its key from, where it reads one."""
    return _KEY_VARS.get(model.partition(":")[0])


def _type_name(hint: Any) -> str:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0])}s"
    if args and typing.get_origin(hint) in (typing.Union, types.UnionType):
        return _type_name(args[0])
    return {int: "an integer", float: "a number", str: "a string"}.get(hint, hint.__name__)


def _convert(value: Any, hint: Any, where: str, problems: list[str]) -> Any:
    """`value` as `hint`, or a problem appended; None stands for a missing optional."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _convert(value, args[0], where, problems)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        if isinstance(value, str) and inner is str:
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            problems.append(f"{where}: expected {_type_name(hint)}, got {value!r}")
            return ()
        return tuple(_convert(v, inner, f"{where}[{i}]", problems) for i, v in enumerate(value))
    if isinstance(hint, type) and hasattr(hint, "__dataclass_fields__"):
        return _build(hint, value, where, problems)
    ok = (isinstance(value, hint) and not isinstance(value, bool)) or \
        (hint is float and isinstance(value, int) and not isinstance(value, bool))
    if not ok:
        problems.append(f"{where}: expected {_type_name(hint)}, got {value!r}")
        return None
    return float(value) if hint is float else value


def _build(cls: Any, data: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(data, dict):
        problems.append(f"{where or 'the spec'}: expected a mapping of keys, got {data!r}")
        return None
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    prefix = f"{where}." if where else ""
    for key in data:
        if key not in known:
            problems.append(f"{prefix}{key}: unknown key; known keys: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in data:
            values[f.name] = _convert(data[f.name], hints[f.name], f"{prefix}{f.name}", problems)
        elif f.default is MISSING and f.default_factory is MISSING:
            problems.append(f"{prefix}{f.name}: missing; it is required")
    try:
        return cls(**{k: v for k, v in values.items() if v is not None or k in data})
    except TypeError:
        return None


def _check(spec: CampaignSpec, environ: typing.Mapping[str, str]) -> list[str]:
    problems = []
    if not spec.models:
        problems.append("models: empty; name at least one model")
    labels = [m.label for m in spec.models]
    for i, m in enumerate(spec.models):
        if labels.count(m.label) > 1:
            problems.append(f"models[{i}].name: {m.label!r} names two models; give each a "
                            "distinct name")
        for key in ("concurrency", "rpm", "timeout"):
            value = getattr(m, key)
            if value is not None and value <= 0:
                problems.append(f"models[{i}].{key}: must be above 0 (got {value})")
        wanted = m.api_key_env
        if wanted is not None and not environ.get(wanted):
            problems.append(f"models[{i}].api_key_env: ${wanted} is not set; export it "
                            "before the campaign starts")
        if wanted is not None and key_variable(m.model) is None:
            problems.append(f"models[{i}].api_key_env: provider "
                            f"{m.model.partition(':')[0]!r} takes no key")
    if spec.k < 1:
        problems.append(f"k: must be at least 1 (got {spec.k})")
    if spec.limit is not None and spec.limit < 1:
        problems.append(f"limit: must be at least 1 (got {spec.limit})")
    if spec.sample not in ("first", "stratified"):
        problems.append(f"sample: {spec.sample!r} is not first or stratified")
    if not spec.suites:
        problems.append("suites: empty; name at least one suite")
    if spec.executor not in ("local", "ray"):
        problems.append(f"executor: {spec.executor!r} is not local or ray")
    return problems


def parse_spec(data: Any, environ: typing.Mapping[str, str] | None = None,
               source: str = "spec") -> CampaignSpec:
    """The spec in `data` (parsed YAML), or one UsageError listing every mistake."""
    problems: list[str] = []
    if isinstance(data, dict) and isinstance(data.get("suite"), str) and "suites" not in data:
        data = {**{k: v for k, v in data.items() if k != "suite"}, "suites": [data["suite"]]}
    spec = _build(CampaignSpec, data, "", problems)
    if spec is not None and not problems:
        problems += _check(spec, os.environ if environ is None else environ)
    if problems:
        raise UsageError(f"{source} has {len(problems)} mistake(s):\n" +
                         "\n".join(f"  {source}: {p}" for p in problems))
    assert isinstance(spec, CampaignSpec)
    return spec


def load_spec(path: Path, environ: typing.Mapping[str, str] | None = None) -> CampaignSpec:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read spec {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise UsageError(f"{path}: not valid YAML{at}; fix the file") from None
    return parse_spec(data, environ, str(path))


def with_overrides(spec: CampaignSpec, **values: Any) -> CampaignSpec:
    """Command-line values given (not None) replace the file's."""
    given = {k: v for k, v in values.items() if v is not None}
    unknown = set(given) - {*OVERRIDABLE, "temperature", "max_tokens"}
    if unknown:
        raise UsageError(f"cannot override {sorted(unknown)} from the command line")
    sampling = replace(spec.sampling, **{k: given.pop(k) for k in ("temperature", "max_tokens")
                                         if k in given})
    return replace(spec, sampling=sampling, **given)
