"""Evaluation modes (`riskbench evaluate --mode`): named bundles of ordinary runs
(suite x attacks x judges) kept as data in `modes.yaml`, so a mode is changed by editing
data; each part runs through `riskbench.pipeline.runs` as a run of its own (stored,
resumable, reported like any other), then one combined report with the safety profile.

Runs are found again through `runs.json` in the output folder: the same command with the
same settings resumes unfinished runs and reuses finished ones instead of starting over."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from riskbench import store
from riskbench.atomic import write_atomic
from riskbench.errors import RunInterrupted, UsageError
from riskbench.pipeline.compliance import compliance_table, get_framework, write_compliance
from riskbench.pipeline.options import Progress, RunOptions
from riskbench.pipeline.runs import evaluate, plan, resume
from riskbench.report import profile, profile_render
from riskbench.suites import load_suite, suites
from riskbench.types import RunConfig


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
    text = files("riskbench.pipeline").joinpath("modes.yaml").read_text(encoding="utf-8")
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


@dataclass(frozen=True)
class ModesResult:
    model: str
    modes: tuple[profile.ModeInfo, ...]
    content: dict[str, Any]
    reports: dict[str, Path]


def default_out_dir(model: str) -> Path:
    return Path("reports") / "modes" / re.sub(r"[^A-Za-z0-9._-]+", "_", model)


def evaluate_modes(model: str, mode: str, *, limit: int | None = None, k: int = 1,
                   seed: int = 0, max_tokens: int = 128, attacker: str | None = None,
                   attack_judge: str | None = None, judge_model: str | None = None,
                   options: RunOptions | None = None, out_dir: Path | None = None,
                   progress: Progress | None = None,
                   framework: str = "tc260") -> ModesResult:
    chosen = resolve(mode)
    if any(m.name == "compliance" for m in chosen):
        get_framework(framework)  # a typo fails before any run
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 (got {limit})")
    options = options or RunOptions()
    out_dir = out_dir or default_out_dir(model)
    manifest_path = out_dir / "runs.json"
    manifest: dict[str, Any] = json.loads(manifest_path.read_text("utf-8")) \
        if manifest_path.exists() else {}
    helpers = bool(attacker and attack_judge)
    planned: list[tuple[Mode, Part, RunConfig | None, str, str]] = []
    # (mode, part, config or None, status, note): every name checked before any run
    for each in chosen:
        for part in each.parts:
            if part.suite not in suites.names():
                planned.append((each, part, None, "not available",
                                f"suite {part.suite} is not registered in this install"))
                continue
            if part.needs_helpers and not helpers:
                planned.append((each, part, None, "skipped",
                                "adaptive attacks need --attacker and --attack-judge"))
                continue
            wanted = RunConfig(model=model, suite=part.suite, attacks=part.attacks,
                               judges=part.judges, k=k, seed=seed, max_tokens=max_tokens,
                               limit=limit, attacker=attacker if part.needs_helpers else None,
                               attack_judge=attack_judge if part.needs_helpers else None,
                               judge_model=judge_model)
            plan(_limited(wanted, part, out_dir))
            planned.append((each, part, wanted, "ran", ""))
    if all(status == "not available" for _, _, _, status, _ in planned):
        notes = "; ".join(f"{m.name}/{p.name}: {note}" for m, p, _, _, note in planned)
        raise UsageError(f"mode {mode} is not available: {notes}")
    db = store.connect(options.db_url)
    results: dict[str, list[profile.ModeRun]] = {m.name: [] for m in chosen}
    for each, part, config, status, note in planned:
        if config is None:
            results[each.name].append(profile.ModeRun(each.name, part.name, status, note))
            continue
        key = f"{each.name}/{part.name}"
        run_options = replace(options, report_dir=out_dir / each.name / part.name)
        known = manifest.get(key)
        try:
            if known and known["config"] == config.to_json() and _exists(db, known):
                result = resume(known["run_id"], run_options, progress)
            else:
                result = evaluate(_limited(config, part, out_dir), run_options,
                                           progress)
        except RunInterrupted as exc:
            manifest[key] = {"run_id": exc.run_id, "config": config.to_json()}
            _save(manifest_path, manifest)
            raise
        manifest[key] = {"run_id": result.run.id, "config": config.to_json()}
        _save(manifest_path, manifest)
        results[each.name].append(profile.ModeRun(each.name, part.name, "ran", "",
                                                  result.run.id, result.scores))
    infos = tuple(profile.ModeInfo(m.name, m.description, tuple(results[m.name]))
                  for m in chosen)
    content = profile.build(model, infos)
    reports = profile_render.write(content, out_dir)
    compliance_runs = [r.run_id for r in results.get("compliance", []) if r.run_id]
    if compliance_runs:
        table = compliance_table(db, get_framework(framework), compliance_runs)
        for kind, path in write_compliance(table, out_dir).items():
            reports[f"compliance {kind}"] = path
    return ModesResult(model, infos, content, reports)


def _exists(db: Any, known: dict[str, Any]) -> bool:
    try:
        store.get_run(db, known["run_id"])
    except UsageError:
        return False
    return True


def _save(path: Path, manifest: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(manifest, indent=2))


def _limited(config: RunConfig, part: Part, out_dir: Path) -> RunConfig:
    """With --limit on a part that is parallel across languages, the first N items of
    every language, written as a suite file beside the report (its runs keep the cases)."""
    if not (part.limit_per_lang and config.limit):
        return config
    taken: dict[str, int] = {}
    records = []
    for item in load_suite(part.suite).items:
        if taken.get(item.lang, 0) < config.limit:
            taken[item.lang] = taken.get(item.lang, 0) + 1
            records.append({"id": item.id, "prompt": item.prompt, "expected": item.expected,
                            "category": item.category, "lang": item.lang,
                            "source": item.source, "meta": dict(item.meta)})
    path = out_dir / "suites" / f"{part.suite}-first{config.limit}-per-lang.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return replace(config, suite=str(path), limit=None)


def modes_table(chosen: Sequence[Mode]) -> list[dict[str, Any]]:
    return [{"mode": m.name, "description": m.description,
             "parts": [{"name": p.name, "suite": p.suite, "attacks": list(p.attacks)}
                       for p in m.parts]} for m in chosen]


__all__ = ["ModesResult", "default_out_dir", "evaluate_modes", "modes_table"]
