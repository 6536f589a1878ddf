"""Model metadata (vendor, family, release date, open weights, reasoning, modality), typed
as `ModelInfo`: the packaged catalog has the format of the monitor's registry YAML."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from riskbench.types import ModelInfo


@cache
def catalog() -> dict[str, ModelInfo]:
    from riskbench.models.catalog_file import parse_models  # YAML, on first use only

    text = files("riskbench.models").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    return {m.id: m for m in parse_models(text, "riskbench/models/data/catalog.yaml")}


def metadata_for(spec: str) -> dict[str, Any]:
    """The catalog entry whose specs include `spec`, JSON-ready (what a report shows of
    its model), or an empty mapping."""
    for model in catalog().values():
        if spec in model.specs:
            return {"name": model.id, "specs": list(model.specs), "vendor": model.vendor,
                    "family": model.family, "release_date": released(model),
                    "open_weights": model.open_weights, "reasoning": model.reasoning,
                    "modality": model.modality}
    return {}


def released(model: ModelInfo) -> str:
    """The release date as ISO text, "" where the catalog has none."""
    return model.release_date.isoformat() if model.release_date else ""
