"""Stage 2: attacks turn `Item`s into `TestCase`s (what is actually sent).

Names the user can give (comma-separated):
  `roleplay`               one attack
  `many_shot[shots=16]`    with parameters
  `base64+roleplay`        a stack: base64 first, then roleplay wraps its result
  `family:encoding`        every attack of a family
  `group:strongreject`     a named group (attacks/data/groups.yaml)
  `family:adaptive`        every adaptive attack (needs --attacker and --attack-judge)
  `translate[lang=sw]`     the translation attack (needs --attacker, its translator)
  `pair_injection`         searches over an agent task's injected text (needs --attacker)
  `all`                    every static attack that fits the suite's modality
  `family:vision`          attacks that put the request in images (vision-language models)

Each attack declares what its output fits (text, image_prompt, vision; attacks/base.py).
A suite for image models (modality image_prompt) gets only those that fit: `all`,
families, groups and the default set are filtered, and naming one that does not fit is
a UsageError.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.attacks import (  # noqa: F401
    agent,
    bypass,
    code,
    direct,
    encoding,
    injection,
    multiturn,
    vision,
)
from riskbench.attacks.adaptive import AdaptiveAttack, adaptive_attacks
from riskbench.attacks.base import (
    MODALITIES,
    StaticAttack,
    attack,
    attacks,
    check_params,
    last_user_text,
)
from riskbench.errors import UsageError
from riskbench.types import (
    Conversation,
    ImageMessage,
    Item,
    Message,
    TestCase,
    message_images,
    stable_hash,
)

_STAGE = re.compile(r"^([A-Za-z0-9_\-]+)(?:\[(.*)\])?$")


@dataclass(frozen=True, slots=True)
class AttackPlan:
    """One attack or a stack of them, with parameters: what a test case records. An
    adaptive attack stands alone; its case holds the plain request and its parameters,
    and the engine runs the search."""

    stages: tuple[tuple[StaticAttack, tuple[tuple[str, Any], ...]], ...] = ()
    adaptive: AdaptiveAttack | None = None
    adaptive_params: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        if self.adaptive is not None:
            return _with_params(self.adaptive.name, self.adaptive.params,
                                self.adaptive_params)
        return "+".join(_with_params(atk.name, atk.params, params)
                        for atk, params in self.stages)

    @property
    def family(self) -> str:
        if self.adaptive is not None:
            return self.adaptive.family
        return "+".join(dict.fromkeys(atk.family for atk, _ in self.stages))

    def apply(self, item: Item, rng: random.Random) -> Conversation:
        if self.adaptive is not None:
            return Conversation.user(item.prompt)
        conversation: Conversation | None = None
        for atk, params in self.stages:
            if conversation is None:
                conversation = atk(item, rng, **dict(params))
                continue
            if conversation.followups:
                raise UsageError(f"{self.name}: a multi-turn attack can only be the last "
                                 "of a stack")
            inner = replace(item, prompt=last_user_text(conversation))
            outer = atk(inner, rng, **dict(params))
            conversation = Conversation(conversation.messages[:-1] + outer.messages,
                                        outer.followups)
        assert conversation is not None
        return conversation


def _with_params(name: str, defaults: Mapping[str, Any],
                 params: tuple[tuple[str, Any], ...]) -> str:
    changed = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in params
               if defaults.get(k) != v]
    return name + (f"[{','.join(f'{k}={v}' for k, v in changed)}]" if changed else "")


def _split(spec: str) -> list[str]:
    """Split on commas outside brackets."""
    parts, depth, current = [], 0, ""
    for ch in spec:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _parse(text: str) -> tuple[str, dict[str, str]]:
    match = _STAGE.match(text)
    if not match:
        raise UsageError(f"bad attack {text!r}; write name or name[key=value,...]")
    given = {}
    for pair in _split(match.group(2) or ""):
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"bad parameter {pair!r} in {text!r}; write key=value")
        given[key.strip()] = value.strip()
    return match.group(1), given


def _plan(spec: str) -> AttackPlan:
    parts = [_parse(part) for part in spec.split("+")]
    if any(name in adaptive_attacks.names() for name, _ in parts):
        if len(parts) > 1:
            raise UsageError(f"{spec}: an adaptive attack cannot be stacked with others")
        name, given = parts[0]
        adaptive = adaptive_attacks.get(name)
        checked = check_params(name, adaptive.params, given)
        check = getattr(adaptive, "check", None)
        if check is not None:
            check(checked)
        return AttackPlan(adaptive=adaptive, adaptive_params=tuple(sorted(checked.items())))
    stages = []
    for name, given in parts:
        atk = attacks.get(name)
        stages.append((atk, tuple(sorted(check_params(name, atk.params, given).items()))))
    return AttackPlan(tuple(stages))


@cache
def groups() -> dict[str, dict[str, Any]]:
    text = files("riskbench.attacks").joinpath("data/groups.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def families() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, atk in attacks:
        out.setdefault(atk.family, []).append(name)
    for name, adaptive in adaptive_attacks:
        out.setdefault(adaptive.family, []).append(name)
    return out


def plan_modalities(plan: AttackPlan) -> tuple[str, ...]:
    """What a plan's output fits: what every stage fits (adaptive attacks: text)."""
    if plan.adaptive is not None:
        return tuple(getattr(plan.adaptive, "modalities", ("text",)))
    shared = set(MODALITIES)
    for atk, _ in plan.stages:
        shared &= set(atk.modalities)
    return tuple(m for m in MODALITIES if m in shared)


def fits(plan: AttackPlan, modality: str) -> bool:
    """Whether a plan can be sent to a suite of `modality`. A vision attack fits a text
    suite (it renders the text request into images for a vision-language model)."""
    fitting = plan_modalities(plan)
    return modality in fitting or (modality == "text" and "vision" in fitting)


def _unfit(plan: AttackPlan, modality: str) -> UsageError:
    usable = ", ".join(name for name, atk in attacks if modality in atk.modalities)
    searches = [name for name, a in adaptive_attacks
                if modality in getattr(a, "modalities", ("text",))]
    usable += f"; adaptive: {', '.join(searches)}" if searches else ""
    what = ", ".join(MODALITIES[m] for m in plan_modalities(plan))
    return UsageError(f"attack {plan.name!r} does not apply to {MODALITIES[modality]}, this "
                      f"suite's input (it is written for {what}); attacks that do: {usable}")


def resolve(names: Sequence[str] | str, modality: str | None = "text") -> list[AttackPlan]:
    """Attack plans for the user's names (see the module docstring), for a suite of
    `modality` (None: no check). `all`, families and groups keep the attacks that fit it;
    an attack named outright that does not fit is a UsageError."""
    if modality is not None and modality not in MODALITIES:
        raise UsageError(f"unknown modality {modality!r}; choose one of "
                         f"{', '.join(MODALITIES)}")
    specs = _split(names) if isinstance(names, str) else [s for n in names for s in _split(n)]
    plans: list[AttackPlan] = []
    for spec in specs:
        if spec == "all":
            wanted = modality or "text"
            plans += [_plan(name) for name, atk in attacks if wanted in atk.modalities]
        elif spec.startswith("family:"):
            family = spec.removeprefix("family:")
            if family not in families():
                raise UsageError(f"unknown attack family {family!r}; choose one of "
                                 f"{', '.join(sorted(families()))}")
            plans += _fitting(spec, resolve(families()[family], None), modality)
        elif spec.startswith("group:"):
            group = spec.removeprefix("group:")
            if group not in groups():
                raise UsageError(f"unknown attack group {group!r}; choose one of "
                                 f"{', '.join(sorted(groups()))}")
            entry = groups()[group]
            if "from" in entry:
                excluded = set(entry.get("exclude", ()))
                members = [p for p in resolve(f"group:{entry['from']}", None)
                           if p.name not in excluded]
            else:
                members = resolve(entry["attacks"], None)
            plans += _fitting(spec, members, modality)
        else:
            plan = _plan(spec)
            if modality is not None and not fits(plan, modality):
                raise _unfit(plan, modality)
            plans.append(plan)
    unique = {plan.name: plan for plan in plans}
    return list(unique.values())


def _fitting(spec: str, plans: list[AttackPlan], modality: str | None) -> list[AttackPlan]:
    """The members of a family or group that fit; none at all is a UsageError."""
    if modality is None:
        return plans
    kept = [plan for plan in plans if fits(plan, modality)]
    if not kept:
        raise UsageError(f"no attack of {spec} applies to {MODALITIES[modality]}, this "
                         "suite's input (docs/attacks.md lists what each attack fits)")
    return kept


def build_test_cases(
    items: Iterable[Item], chosen: Sequence[AttackPlan], seed: int = 0
) -> list[TestCase]:
    """Every item under every attack plan; randomness is seeded per (seed, item, plan),
    so the same configuration yields the same cases and ids on every machine."""
    cases = []
    for item in items:
        for plan in chosen:
            rng = random.Random(stable_hash([seed, item.source, item.id, plan.name]))
            params: dict[str, Any] = {"seed": seed}
            if plan.adaptive is not None:
                params["adaptive"] = dict(plan.adaptive_params)
            if "agent" in item.meta:  # the attack's text goes in the environment
                sent, agent_params = agent.agent_case(item, plan.apply, rng, plan.name,
                                                       plan.adaptive is not None)
                params |= agent_params
                cases.append(TestCase(
                    id=TestCase.make_id(item, plan.name, params), item=item,
                    attack=plan.name, attack_family=plan.family,
                    conversation=with_system(item, sent), params=params))
                continue
            cases.append(TestCase(
                id=TestCase.make_id(item, plan.name, params), item=item, attack=plan.name,
                attack_family=plan.family,
                conversation=with_lead_in(item, with_system(
                    item, with_images(item, plan.apply(item, rng)))),
                params=params,
            ))
    return cases


def with_system(item: Item, conversation: Conversation) -> Conversation:
    """An item's own system prompt (`meta["system"]`, e.g. the application prompt a
    prompt-injection case attacks) goes first, unless the attack already set one."""
    system = item.meta.get("system")
    if not system or any(m.role == "system" for m in conversation.messages):
        return conversation
    return replace(conversation, messages=(Message("system", str(system)),
                                           *conversation.messages))


def with_images(item: Item, conversation: Conversation) -> Conversation:
    """An item's own images (`meta["images"]`: data URLs, http(s) URLs or image files)
    go with the request: attached to the last user message, before any image the attack
    added. Items without images are returned untouched."""
    refs = item.meta.get("images")
    if not refs:
        return conversation
    from riskbench.attacks.vision.render import image_reference

    urls = tuple(image_reference(str(ref)) for ref in refs)
    messages = list(conversation.messages)
    last = max(i for i, m in enumerate(messages) if m.role == "user")
    target = messages[last]
    messages[last] = ImageMessage(target.role, target.content,
                                  urls + message_images(target))
    return replace(conversation, messages=tuple(messages))


def with_lead_in(item: Item, conversation: Conversation) -> Conversation:
    """Turns an item sends before its request (`meta["lead_in"]`, e.g. code handed over
    benignly that a later turn asks to change) each get a real reply; the attacked request
    follows. A forged history cannot follow a real reply, so when the attack sends one the
    lead-in is put in front of its first user message instead."""
    lead = [str(turn) for turn in item.meta.get("lead_in") or ()]
    if not lead:
        return conversation
    system = tuple(m for m in conversation.messages if m.role == "system")
    rest = [m for m in conversation.messages if m.role != "system"]
    if len(rest) == 1 and rest[0].role == "user":
        return Conversation((*system, Message("user", lead[0])),
                            (*lead[1:], rest[0].content, *conversation.followups))
    first = next(i for i, m in enumerate(rest) if m.role == "user")
    merged = Message("user", "\n\n".join([*lead, rest[first].content]))
    return replace(conversation, messages=(*system, *rest[:first], merged, *rest[first + 1:]))


def build_bound_test_cases(items: Iterable[Item], default: Sequence[str], seed: int = 0,
                           modality: str = "text"
                           ) -> tuple[list[TestCase], list[AttackPlan]]:
    """Each item under the attack its `meta["attack"]` names (a suite that binds one attack
    per case, like code-safety, runs as designed), or under those of `default` that fit
    the suite's `modality` when it names none (an image model gets no chat wrapper).
    Returns the cases and the plans used, in order of first use."""
    resolved: dict[str, list[AttackPlan]] = {}
    cases: list[TestCase] = []
    for item in items:
        spec = str(item.meta.get("attack") or "")
        if spec not in resolved:
            try:
                resolved[spec] = resolve(spec, modality) if spec else \
                    _fitting("the default attacks", resolve(default, None), modality)
            except UsageError as exc:
                if not spec:
                    raise
                raise UsageError(f"item {item.id}: its attack {spec!r} is not usable "
                                 f"({exc})") from None
        cases += build_test_cases([item], resolved[spec], seed)
    used = {plan.name: plan for plans in resolved.values() for plan in plans}
    return cases, list(used.values())


def needs_helpers(plans: Sequence[AttackPlan]) -> list[str]:
    """Names of the plans that need an attacker and an attack judge."""
    return [plan.name for plan in plans if helper_roles(plan) == ("attacker", "judge")]


def helper_roles(plan: AttackPlan) -> tuple[str, ...]:
    """The helper models a plan needs: ("attacker", "judge") for an adaptive search,
    ("attacker",) for the translation attack, () for a static attack."""
    if plan.adaptive is None:
        return ()
    return tuple(getattr(plan.adaptive, "helpers", ("attacker", "judge")))


__all__ = ["MODALITIES", "AdaptiveAttack", "AttackPlan", "StaticAttack", "adaptive_attacks",
           "attack", "attacks", "build_bound_test_cases", "build_test_cases", "families",
           "fits", "groups", "helper_roles", "needs_helpers", "plan_modalities", "resolve",
           "with_images", "with_lead_in"]
