"""Adaptive injection attacks on agents: PAIR and TAP searching over the injected text.

Chao et al. 2023 (PAIR) and Mehrotra et al. 2024 (TAP) refine a chat prompt with an
attacker model, scored by a judge model. Here the attacker writes the text hidden in the
data an agent's tools return (AgentDojo's injection vectors, Debenedetti et al. 2024);
each candidate is played as one agent episode in a fresh environment, and the judge is
the environment: the injection task's own security check (did its goal happen). The
search stops at the first success. The attacker is told what the agent did (its calls
and final reply, JSON-escaped and cut), never the injection task's ground truth.

An attacker reply without a JSON object holding a non-empty `injection` string is
counted, answered with a correction and asked again (`retries` times); after that the
round (PAIR) or branch (TAP) is dropped: a garbled reply is never sent as an injection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from riskbench.attacks.adaptive.base import (
    Ask,
    Episode,
    InjectionResult,
    Play,
    adaptive_attacks,
    note,
    tree_tries,
)
from riskbench.errors import ModelError
from riskbench.types import InjectionMessage, Item, Message, SearchNote, ToolCallMessage

PAIR = "Chao et al. 2023, 'Jailbreaking Black Box Large Language Models in Twenty Queries'"
TAP = "Mehrotra et al. 2024, 'Tree of Attacks: Jailbreaking Black-Box LLMs Automatically'"
AGENTDOJO = "Debenedetti et al. 2024, 'AgentDojo' (injection vectors, security checks)"


@cache
def settings() -> dict[str, Any]:
    text = files("riskbench.attacks").joinpath("data/injection_search.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def parse_injection(text: str) -> str | None:
    """The `injection` string of the first JSON object in the reply that has a non-empty
    one (code fences and words around it allowed; raw line breaks inside strings too, as
    models write them); None when there is none."""
    decoder = json.JSONDecoder(strict=False)
    start = text.find("{")
    while start >= 0:
        try:
            data, _ = decoder.raw_decode(text, start)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("injection"), str) \
                and data["injection"].strip():
            return str(data["injection"]).strip()
        start = text.find("{", start + 1)
    return None


def feedback(episode: Episode, n: int) -> str:
    """What the attacker is told after a failed episode: the agent's calls and final
    reply, JSON-escaped (they are model output) and cut to the lengths in the data."""
    cfg = settings()
    limits = cfg["feedback"]
    calls = [c for m in episode.transcript if isinstance(m, ToolCallMessage)
             for c in m.tool_calls]
    lines = [json.dumps({"name": c.name, "arguments": c.arguments[:limits["arguments"]]},
                        ensure_ascii=False) for c in calls[:limits["calls"]]]
    return str(cfg["retry"]).format(
        n=n, shown=len(lines), calls=len(calls), cut=limits["arguments"],
        call_lines="\n".join(lines) or cfg["no_calls"], reply_cut=limits["reply"],
        reply=json.dumps(episode.output[:limits["reply"]], ensure_ascii=False))


@dataclass
class _Block:
    """One episode's part of the transcript: the notes that led to it (attacker replies,
    the injected text), the episode, and what the environment said and the attacker was
    told."""

    before: list[Message]
    episode: Episode
    after: list[Message]


class _Search:
    """The state one search shares between its rounds: counts, transcript blocks."""

    def __init__(self, item: Item, play: Play, ask: Ask, retries: int) -> None:
        self.task = dict(item.meta["agent"])
        self.play, self.ask, self.retries = play, ask, retries
        self.blocks: list[_Block] = []
        self.pending: list[Message] = []  # notes of the next episode
        self.attacker_calls = self.unparsed = 0
        cfg = settings()
        self.root: tuple[Message, ...] = (
            Message("system", str(cfg["attacker_system"]).format(
                user=self.task.get("user_name") or "the user", task=item.prompt,
                goal=self.task["goal"])),
            Message("user", str(cfg["first"])))

    async def propose(self, history: Sequence[Message]
                      ) -> tuple[str | None, tuple[Message, ...]]:
        """A candidate from the attacker, and the attacker's conversation with its reply;
        a reply without one is counted and corrected, `retries` times at most."""
        history = tuple(history)
        for _ in range(1 + self.retries):
            reply = await self.ask("attacker", history)
            self.attacker_calls += 1
            self.pending.append(note("attacker", reply))
            history = (*history, Message("assistant", reply))
            candidate = parse_injection(reply)
            if candidate is not None:
                return candidate, history
            self.unparsed += 1
            self.pending.append(note("judge", "no candidate in the attacker's reply "
                                              f"({self.unparsed} so far); asked again"))
            history = (*history, Message("user", str(settings()["unparsed"])))
        self.pending.append(note("judge", f"no candidate after {1 + self.retries} replies; "
                                          "dropped"))
        return None, history

    async def attempt(self, candidate: str) -> tuple[Episode, str]:
        """Play one candidate; (the episode, what the attacker is told of it: the feedback
        after a failure, '' after a success)."""
        injections = {vector: candidate for vector in self.task["vectors"]}
        pairs = tuple(sorted(injections.items()))
        self.pending.append(InjectionMessage("attacker", candidate, pairs))
        episode = await self.play(injections)
        n = len(self.blocks) + 1
        told = "" if episode.injected else feedback(episode, n)
        verdict = "happened" if episode.injected else "did not happen"
        after = [note("judge", f"episode {n}: the injected goal {verdict}")]
        self.blocks.append(_Block(self.pending, episode,
                                  [*after, *([note("judge", told)] if told else [])]))
        self.pending = []
        return episode, told

    def result(self) -> InjectionResult:
        if not self.blocks:
            raise ModelError(f"the attacker gave no usable injection text in "
                             f"{self.attacker_calls} replies ({self.unparsed} without a "
                             "candidate); no episode was played")
        transcript: list[Message] = []
        for block in self.blocks[:-1]:
            transcript += [*block.before, *block.after]
        final = self.blocks[-1]
        transcript += [*final.before, *final.episode.transcript, *final.after,
                       *self.pending]
        target = sum(b.episode.model_calls for b in self.blocks)
        found = next((i for i, b in enumerate(self.blocks, 1) if b.episode.injected), None)
        transcript.append(SearchNote("judge", (
            f"search: {len(self.blocks)} episodes, {target} target model calls, "
            f"{self.attacker_calls} attacker replies ({self.unparsed} without a candidate); "
            + (f"the injected goal happened in episode {found}" if found else
               "the injected goal never happened")),
            (("tries", len(self.blocks)), ("target_calls", target),
             ("attacker_calls", self.attacker_calls), ("unparsed", self.unparsed))))
        tokens = (sum(b.episode.prompt_tokens for b in self.blocks),
                  sum(b.episode.completion_tokens for b in self.blocks))
        return InjectionResult(tuple(transcript), final.episode, len(self.blocks), target,
                               self.attacker_calls, self.unparsed, *tokens)


class _InjectionAttack:
    family = "adaptive"
    helpers = ("attacker",)  # the environment is the judge
    attacker_is = "the model that writes the injected text (any model spec)"
    modalities = ("agent",)
    name: str
    params: dict[str, Any]

    def __init__(self) -> None:
        self.params = dict(settings()["defaults"][self.name])


class PairInjection(_InjectionAttack):
    name = "pair_injection"
    source = f"{PAIR}; on agents as in {AGENTDOJO}"
    description = ("PAIR over the injected text of an agent task: each round the attacker "
                   "model writes the text hidden in the tool output, the agent runs a whole "
                   "episode, the environment's security check says whether the injected "
                   "goal happened; the attacker sees what the agent did and refines, for at "
                   "most `iterations` episodes, stopping at the first success.")

    @staticmethod
    def max_tries(params: Mapping[str, Any]) -> int:
        """Episodes a case may play: one per round."""
        return int(params["iterations"])

    async def run(self, item: Item, play: Play, ask: Ask, *, iterations: int = 5,
                  retries: int = 2) -> InjectionResult:
        search = _Search(item, play, ask, retries)
        history: tuple[Message, ...] = search.root
        for _ in range(iterations):
            candidate, history = await search.propose(history)
            if candidate is None:
                continue
            episode, told = await search.attempt(candidate)
            if episode.injected:
                break
            history = (*history, Message("user", told))
        return search.result()


class TapInjection(_InjectionAttack):
    name = "tap_injection"
    source = f"{TAP}; on agents as in {AGENTDOJO}"
    description = ("TAP over the injected text of an agent task: each round every kept "
                   "branch asks the attacker for `branching` new texts, each is played as "
                   "an agent episode and checked by the environment, and `width` branches "
                   "go on, for at most `depth` rounds, stopping at the first success. The "
                   "check is pass/fail, so branches are kept in the order they were grown, "
                   "and there is no off-topic pruning (no judge model).")

    max_tries = staticmethod(tree_tries)

    async def run(self, item: Item, play: Play, ask: Ask, *, depth: int = 3, width: int = 2,
                  branching: int = 2, retries: int = 2) -> InjectionResult:
        search = _Search(item, play, ask, retries)
        leaves: list[tuple[Message, ...]] = [search.root]
        for _ in range(depth):
            grown: list[tuple[Message, ...]] = []
            for leaf in leaves:
                for b in range(1, branching + 1):
                    # the branch number makes each request (and its cache key) distinct
                    asked = Message("user", f"{leaf[-1].content}\n\n" + str(
                        settings()["branch"]).format(b=b, branching=branching))
                    candidate, history = await search.propose((*leaf[:-1], asked))
                    if candidate is None:
                        continue
                    episode, told = await search.attempt(candidate)
                    if episode.injected:
                        return search.result()
                    grown.append((*history, Message("user", told)))
            leaves = grown[:width]
            if not leaves:
                break
        return search.result()


adaptive_attacks.add("pair_injection", PairInjection())
adaptive_attacks.add("tap_injection", TapInjection())
