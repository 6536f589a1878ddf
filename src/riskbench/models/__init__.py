"""Model adapters behind one async interface, chosen by a spec string `provider:rest`.

The providers register on first use of `get_model` or `providers` (PEP 562): every
stage's error path imports `models.keys`, and a command that sends nothing
(`riskbench runs`) must not pay for every adapter's imports (httpx, the catalog's YAML).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from riskbench.errors import UsageError
from riskbench.models.base import Model, ModelDefaults, ProviderFactory
from riskbench.models.catalog import catalog, metadata_for

if TYPE_CHECKING:
    from riskbench.models.base import providers
    from riskbench.registry import Registry

PROVIDERS = ("chat_completions", "image_generation", "local", "prompted_tools", "scripted")


def _registered(wanted: str | None = None) -> Registry[ProviderFactory]:
    """The providers, registered by importing their modules in order; with `wanted`,
    only up to the module that registers it (an API model's run does not import the
    embedded model's torch: ~2 s of CPU per command, docs/performance.md engine step 5)."""
    from riskbench.models.base import providers

    for name in PROVIDERS:
        if wanted is not None and wanted in providers:
            break
        importlib.import_module(f"riskbench.models.{name}")
    return providers


def get_model(spec: str) -> Model:
    provider, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise UsageError(
            f"bad model spec {spec!r}; write provider:name, e.g. local:smollm2, "
            "openai:gpt-4o-mini or openai-compatible:http://127.0.0.1:8000/v1:my-model"
        )
    return _registered(provider).get(provider)(rest)


def __getattr__(name: str) -> Any:
    if name == "providers":
        return _registered()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Model", "ModelDefaults", "catalog", "get_model", "metadata_for", "providers"]
