"""The records handed from stage to stage. All frozen: a stage never edits its input."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "attacker", "judge", "tool"]  # attacker, judge:
# notes of an adaptive attack's search, kept in the transcript, never sent to the target;
# tool: what an agent's tool call returned (ToolResultMessage)
Expected = Literal["refuse", "comply", "answer"]
AttemptStatus = Literal["ok", "error", "blocked", "timeout"]
Outcome = Literal[  # evasive: neither a refusal nor the content (off-topic, "what do you mean?")
    "safe", "unsafe", "refusal", "compliance", "correct", "incorrect", "undetermined", "evasive"
]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]


def stable_hash(payload: Any, length: int = 16) -> str:
    """Hash of canonical JSON, identical on every machine and Python version."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ImageMessage(Message):
    """A message with images attached (data URLs or http(s) URLs), for vision-language
    models. A subclass, so a plain message serialises exactly as before and every stage
    that reads `role` and `content` keeps working; adapters that can send images look for
    `images` (see `message_images`)."""

    images: tuple[str, ...] = ()


def message_images(message: Message) -> tuple[str, ...]:
    return message.images if isinstance(message, ImageMessage) else ()


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call of an agent as the model sent it: `arguments` is the raw JSON text,
    kept as sent (a malformed call is data too)."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallMessage(Message):
    """An assistant turn that calls tools (a subclass, like ImageMessage, so every stage
    that reads `role` and `content` keeps working)."""

    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolResultMessage(Message):
    """Role `tool`: what one call returned, or the error it raised (`error` True)."""

    tool_call_id: str = ""
    name: str = ""
    error: bool = False


@dataclass(frozen=True, slots=True)
class InjectionMessage(Message):
    """A transcript note (role `attacker`, never sent) of the text an adaptive injection
    search placed in the environment's injection vectors for one episode; the agent
    judges replay the episode that follows the last such note with these injections."""

    injections: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SearchNote(Message):
    """The last transcript note (role `judge`, never sent) of an adaptive injection
    search: what it spent (`cost`: tries, target_calls, attacker_calls, unparsed), which
    only this note records (the episodes before the final one are not stored)."""

    cost: tuple[tuple[str, int], ...] = ()


def message_from_json(data: Mapping[str, Any]) -> Message:
    if "cost" in data:
        return SearchNote(data["role"], data["content"],
                          tuple((str(k), int(v)) for k, v in data["cost"]))
    if "injections" in data:
        return InjectionMessage(data["role"], data["content"],
                                tuple((str(v), str(t)) for v, t in data["injections"]))
    if data.get("tool_calls"):
        return ToolCallMessage(data["role"], data["content"],
                               tuple(ToolCall(**c) for c in data["tool_calls"]))
    if data["role"] == "tool":
        return ToolResultMessage("tool", data["content"], data.get("tool_call_id", ""),
                                 data.get("name", ""), bool(data.get("error")))
    if data.get("images"):
        return ImageMessage(data["role"], data["content"], tuple(data["images"]))
    return Message(data["role"], data["content"])


@dataclass(frozen=True, slots=True)
class Conversation:
    """What is sent: opening messages, then scripted user turns sent after each reply."""

    messages: tuple[Message, ...]
    followups: tuple[str, ...] = ()

    @classmethod
    def user(cls, text: str, system: str | None = None) -> Conversation:
        head = (Message("system", system),) if system else ()
        return cls((*head, Message("user", text)))

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": [{"role": m.role, "content": m.content} if type(m) is Message
                         else asdict(m) for m in self.messages],
            "followups": list(self.followups),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Conversation:
        return cls(
            tuple(message_from_json(m) for m in data["messages"]),
            tuple(data.get("followups", ())),
        )


@dataclass(frozen=True, slots=True)
class Item:
    """One thing to test, with the behaviour a safe model shows on it."""

    id: str
    prompt: str
    expected: Expected
    category: str = ""
    domain: str = ""
    scenario: str = ""
    prog_lang: str = ""
    lang: str = "en"
    source: str = ""
    context: str = ""
    answer: str = ""
    choices: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """`asdict`'s value, built field by field: asdict deep-copied each of the 13
        strings too, ~20 us an item, seconds at a 75,000-case run's planning."""
        data = {name: getattr(self, name) for name in _ITEM_FIELDS}
        data["choices"] = list(self.choices)
        data["meta"] = copy.deepcopy(dict(self.meta)) if self.meta else {}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        values = dict(data)
        values["choices"] = tuple(values.get("choices", ()))
        return cls(**values)


_ITEM_FIELDS = tuple(f.name for f in fields(Item))


@dataclass(frozen=True, slots=True)
class TestCase:
    """An item after an attack; `id` is stable across machines for the same content."""

    __test__ = False  # not a pytest class

    id: str
    item: Item
    attack: str
    attack_family: str
    conversation: Conversation
    params: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def make_id(item: Item, attack: str, params: Mapping[str, Any]) -> str:
        """Hash of the item (id and content: an edited item is a new case), the attack
        and its parameters. An item's system prompt is content too; it enters the hash
        only when present, so items without one keep their ids."""
        payload = {"source": item.source, "item": item.id, "prompt": item.prompt,
                   "context": item.context, "attack": attack, "params": dict(params)}
        if item.meta.get("system"):
            payload["system"] = str(item.meta["system"])
        if item.meta.get("lead_in"):  # turns sent before the request: content too
            payload["lead_in"] = [str(t) for t in item.meta["lead_in"]]
        if item.meta.get("images"):  # images sent with the request: content too
            payload["images"] = [str(i) for i in item.meta["images"]]
        return stable_hash(payload)


@dataclass(frozen=True, slots=True)
class Generation:
    """One model reply."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    tool_calls: tuple[ToolCall, ...] = ()  # native tool calls (chat-completions `tools`)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sample of one test case on one model; keyed by (run, test case, sample)."""

    run_id: str
    test_case_id: str
    sample: int
    status: AttemptStatus
    output: str
    transcript: tuple[Message, ...]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    error: str = ""
    cached: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """One judge's decision on one attempt.

    `safe` is the expected-aware reading of `outcome`: for an item that must be refused it
    is True only for a definite refusal or safe response; undetermined is never safe. For
    items where safety is not in question (benign look-alikes, capability questions) it is
    None, and over-refusal is read from `outcome` instead.
    """

    judge: str
    outcome: Outcome
    score: float
    rationale: str
    safe: bool | None = None
    # Which judge, exactly: a hash of its code, data (patterns, weights) and judge model,
    # so verdicts of two versions of one judge are never pooled unnoticed.
    judge_version: str = ""


@dataclass(frozen=True, slots=True)
class RunConfig:
    """Everything that decides what a run sends and how it is judged."""

    model: str = "local:smollm2"
    suite: str = "starter"
    # Empty means "not given": each item's own attack (meta["attack"]), else
    # default_attacks; the suite's judges, else refusal. A planned run records what it used.
    attacks: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()
    default_attacks: tuple[str, ...] = ("direct",)
    k: int = 1
    seed: int = 0
    temperature: float | None = None
    max_tokens: int = 256
    limit: int | None = None
    sample: str = "first"  # how --limit picks items: first N, or stratified (by seed)
    attacker: str | None = None
    attack_judge: str | None = None
    judge_model: str | None = None

    @property
    def effective_temperature(self) -> float:
        """Greedy for one sample; k samples of a greedy decoder would be k copies."""
        if self.temperature is not None:
            return self.temperature
        return 0.0 if self.k == 1 else 0.7

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["attacks"] = list(self.attacks)
        data["judges"] = list(self.judges)
        data["default_attacks"] = list(self.default_attacks)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunConfig:
        values = dict(data)
        values["attacks"] = tuple(values["attacks"])
        values["judges"] = tuple(values["judges"])
        values["default_attacks"] = tuple(values.get("default_attacks", ("direct",)))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Run:
    id: str
    config: RunConfig
    status: str
    created_at: str
    finished_at: str | None
    n_cases: int


@dataclass(frozen=True, slots=True)
class Score:
    """One aggregate: `metric` over the attempts of `group`=`key`, with a 95 % interval."""

    metric: str
    group: str
    key: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    extra: Mapping[str, Any] = field(default_factory=dict)


# The frontier-risk monitor's records: registry models and scores imported from elsewhere.

@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the monitor tracks. `specs` are the run model specs (and aliases) that
    count as this model, so stored runs link to it; `beta` overrides the domain
    config's default safety coefficient."""

    id: str
    name: str
    vendor: str = ""
    family: str = ""
    release_date: date | None = None
    open_weights: bool = False
    reasoning: bool = False
    modality: str = "text"
    beta: float | None = None
    specs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedScore:
    """One benchmark score measured elsewhere, in the benchmark's own unit (percent for
    rates and accuracies, 0-1 for a StrongREJECT score), with where it came from."""

    model: str
    benchmark: str
    score: float
    n: int | None
    source: str
    file: str
    imported_at: str
    measured_at: str = ""


Side = Literal["capability", "safety"]  # of a monitor benchmark


@dataclass(frozen=True, slots=True)
class BenchmarkValue:
    """One benchmark's value for one model, mapped to 0-100, with its 95 % Wilson
    interval where it is a rate with a known n, and where it came from
    (`run:<id>` or `import:<file>`)."""

    benchmark: str
    side: Side
    weight: float
    kind: str
    value: float
    raw: float
    n: int | None
    low: float | None
    high: float | None
    source: str


@dataclass(frozen=True, slots=True)
class DomainScore:
    model: str
    domain: str
    capability: float | None
    safety: float | None
    risk: float | None
    beta: float
    version: str
    computed_at: str
    missing: tuple[str, ...]
    benchmarks: tuple[BenchmarkValue, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True, slots=True)
class JudgeCard:
    """A judge's measured error on human-labelled responses. "Unsafe" is the reading the
    rates use: the judge's verdict is not safe (anything but a refusal or `safe`, so an
    undetermined verdict counts here as it counts in a safety rate); the human's label is
    compliance or unsafe. `groups` holds the same numbers per source or language."""

    judge: str
    judge_version: str
    data: str
    command: str
    n: int
    agreement: float
    kappa: float
    sensitivity: float | None  # P(judge unsafe | human unsafe)
    specificity: float | None  # P(judge not unsafe | human not unsafe)
    tp: int
    fn: int
    tn: int
    fp: int
    undetermined: int
    groups: tuple[tuple[str, dict[str, Any]], ...] = ()
