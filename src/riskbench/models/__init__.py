"""Model adapters behind one async interface, chosen by a spec string `provider:rest`."""

from riskbench.errors import UsageError
from riskbench.models import (  # noqa: F401  (register)
    chat_completions,
    image_generation,
    local,
    prompted_tools,
    scripted,
)
from riskbench.models.base import Model, ModelDefaults, providers
from riskbench.models.catalog import catalog, metadata_for


def get_model(spec: str) -> Model:
    provider, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise UsageError(
            f"bad model spec {spec!r}; write provider:name, e.g. local:smollm2, "
            "openai:gpt-4o-mini or openai-compatible:http://127.0.0.1:8000/v1:my-model"
        )
    return providers.get(provider)(rest)


__all__ = ["Model", "ModelDefaults", "catalog", "get_model", "metadata_for", "providers"]
