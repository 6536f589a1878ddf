"""The model interface every provider adapter implements, and the provider registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from riskbench.registry import Registry
from riskbench.types import Generation, Message


@dataclass(frozen=True, slots=True)
class ModelDefaults:
    """What suits this kind of model when the user does not say: a local batched model
    wants as many requests in flight as its batch; an API wants many more."""

    concurrency: int = 64
    timeout_s: float = 120.0


@runtime_checkable
class Model(Protocol):
    spec: str
    defaults: ModelDefaults

    async def generate(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
    ) -> Generation:
        """One reply. Raises TransientModelError (retry), BlockedError or ModelError."""
        ...

    async def check(self) -> None:
        """Fail fast with a UsageError when the model cannot be used at all."""
        ...

    async def aclose(self) -> None: ...


ProviderFactory = Callable[[str], Model]
providers: Registry[ProviderFactory] = Registry("model provider", "riskbench models",
                                                 "riskbench.model_providers",
                                                 ("riskbench.model providers",))
