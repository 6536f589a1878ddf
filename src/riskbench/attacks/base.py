"""The attack record, its registry and the decorator that fills it."""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from riskbench.errors import UsageError
from riskbench.registry import Registry
from riskbench.types import Conversation, Item

ApplyFn = Callable[..., Conversation]

# The inputs an attack can produce and a suite can take (Suite.modality).
MODALITIES = {"text": "text prompts to a chat model",
              "image_prompt": "image-generation prompts",
              "vision": "images for a vision-language model",
              "agent": "text placed in a tool-using agent's environment (injection slots)"}


@dataclass(frozen=True, slots=True)
class StaticAttack:
    """Turns an item into the conversation that is sent, with no model in the loop.

    `params` are the keyword-only arguments of `apply` with their defaults; a user sets
    them as `name[key=value,...]`.
    """

    name: str
    family: str
    description: str
    source: str
    turns: int
    needs_model: bool
    apply: ApplyFn
    params: Mapping[str, Any] = field(default_factory=dict)
    # what the attack's output can be sent as (keys of MODALITIES): "text" for a chat
    # model, "image_prompt" for a text-to-image model's prompt, "vision" when the request
    # travels in images (a vision-language model; chosen by name or family, never `all`)
    modalities: tuple[str, ...] = ("text",)

    def __call__(self, item: Item, rng: random.Random, **params: Any) -> Conversation:
        return self.apply(item, rng, **{**self.params, **params})


def check_params(attack: str, defaults: Mapping[str, Any], given: Mapping[str, str]
                 ) -> dict[str, Any]:
    """Defaults overridden by `given` (strings from the command line), typed like the
    defaults; unknown names and bad values are a UsageError."""
    values = dict(defaults)
    for key, raw in given.items():
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise UsageError(f"attack {attack!r} has no parameter {key!r} "
                             f"(parameters: {known})")
        values[key] = _convert(attack, key, raw, defaults[key])
    return values


def _convert(attack: str, key: str, raw: Any, default: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise UsageError(f"attack {attack!r}: parameter {key}={raw!r} must be "
                         f"{type(default).__name__}") from None
    return raw


attacks: Registry[StaticAttack] = Registry("attack", "riskbench attacks", "riskbench.attacks")


def attack(
    name: str, *, family: str, source: str, turns: int = 1, needs_model: bool = False,
    modalities: tuple[str, ...] = ("text",),
) -> Callable[[ApplyFn], StaticAttack]:
    """Register `apply(item, rng, *, param=default, ...) -> Conversation`; its docstring
    is the description and its keyword-only arguments are the attack's parameters.
    `modalities`: what its output fits (MODALITIES); a wrapper written for a chat model
    ("never apologise", a persona) is "text" only."""
    unknown = set(modalities) - set(MODALITIES)
    if unknown or not modalities:
        raise ValueError(f"attack {name!r}: modalities must be among {sorted(MODALITIES)}")

    def decorate(fn: ApplyFn) -> StaticAttack:
        description = " ".join(inspect.cleandoc(fn.__doc__ or "").split())
        params = {
            p.name: p.default for p in inspect.signature(fn).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        return attacks.add(
            name, StaticAttack(name, family, description, source, turns, needs_model, fn,
                               params, tuple(modalities))
        )

    return decorate


def last_user_text(conversation: Conversation) -> str:
    return next(m.content for m in reversed(conversation.messages) if m.role == "user")
