"""The model registry as YAML: one mapping per model id, the same shape as
`riskbench/models/data/catalog.yaml`, so the packaged catalog imports as it is."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from riskbench.atomic import write_atomic
from riskbench.errors import UsageError
from riskbench.types import ModelInfo

FIELDS = ("name", "vendor", "family", "release_date", "open_weights", "reasoning",
          "modality", "beta", "specs")
HEADER = ("# riskbench model registry (riskbench models export). Import with\n"
          "# `riskbench models import FILE.yaml`.\n")


def check_model(model: ModelInfo, where: str) -> ModelInfo:
    """The model with its defaults filled in, or a UsageError naming the bad field."""
    if not model.id or not model.id.strip() or any(c.isspace() for c in model.id):
        raise UsageError(f"{where}: a model id must be a non-empty name without spaces, "
                         f"not {model.id!r}")
    if model.beta is not None and not 0 <= model.beta <= 1:
        raise UsageError(f"{where}: beta must be between 0 and 1, not {model.beta}")
    return replace(model, name=model.name or model.id)


def parse_date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{where}: release_date must be YYYY-MM-DD, not {value!r}") from None


def _bool(value: Any, where: str, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise UsageError(f"{where}: {name} must be true or false, not {value!r}")


def model_from_mapping(model_id: str, data: Any, where: str) -> ModelInfo:
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a mapping of {', '.join(FIELDS)}")
    unknown = sorted(set(data) - set(FIELDS) - {"id"})
    if unknown:
        raise UsageError(f"{where}: unknown field {unknown[0]!r}; use {', '.join(FIELDS)}")
    beta = data.get("beta")
    if beta is not None and (isinstance(beta, bool) or not isinstance(beta, int | float)):
        raise UsageError(f"{where}: beta must be a number between 0 and 1, not {beta!r}")
    specs = data.get("specs") or []
    if not isinstance(specs, list) or not all(isinstance(x, str) for x in specs):
        raise UsageError(f"{where}: specs must be a list of model specs")
    model = ModelInfo(
        id=str(model_id), name=str(data.get("name") or model_id),
        vendor=str(data.get("vendor") or ""), family=str(data.get("family") or ""),
        release_date=parse_date(data.get("release_date"), where),
        open_weights=_bool(data.get("open_weights", False), where, "open_weights"),
        reasoning=_bool(data.get("reasoning", False), where, "reasoning"),
        modality=str(data.get("modality") or "text"),
        beta=None if beta is None else float(beta), specs=tuple(specs),
    )
    return check_model(model, where)


def read_models(path: Path) -> list[ModelInfo]:
    """Models from YAML: `{id: {fields}}` or `{models: [{id: ..., fields}]}`."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give a registry YAML (riskbench models "
                         "export writes one)")
    return parse_models(path.read_text(encoding="utf-8"), path)


def parse_models(text: str, path: object) -> list[ModelInfo]:
    """The models of a registry YAML's text; `path` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if isinstance(data, dict) and isinstance(data.get("models"), list):
        entries = []
        for number, entry in enumerate(data["models"], start=1):
            if not isinstance(entry, dict) or not entry.get("id"):
                raise UsageError(f"{path}: model {number} has no id")
            entries.append((str(entry["id"]), entry))
    elif isinstance(data, dict) and data:
        entries = [(str(k), v) for k, v in data.items()]
    else:
        raise UsageError(f"{path}: expected a mapping of model id to vendor, family, "
                         "release_date, ...")
    models = [model_from_mapping(k, v, f"{path}: model {k}") for k, v in entries]
    ids = [m.id for m in models]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise UsageError(f"{path}: model {dup!r} is listed twice; keep one entry")
    return models


def to_mapping(model: ModelInfo) -> dict[str, Any]:
    return {
        "name": model.name, "vendor": model.vendor, "family": model.family,
        "release_date": model.release_date, "open_weights": model.open_weights,
        "reasoning": model.reasoning, "modality": model.modality, "beta": model.beta,
        "specs": list(model.specs),
    }


def write_models(models: list[ModelInfo], path: Path) -> None:
    """Write atomically: the file is whole or absent."""
    text = HEADER + yaml.safe_dump({m.id: to_mapping(m) for m in models}, sort_keys=False,
                                   allow_unicode=True)
    write_atomic(path, text)
