"""The agent loop: a model works on a task by calling tools, riskbench runs the calls.

Each step is one model call. On the native path the tools travel in the chat-completions
`tools` field and the calls come back as `tool_calls`; on the prompted path (models
without native tool calls: `local:`, `scripted:`, `prompted-tools:<spec>`) the tools are
described in the system prompt and calls are parsed from the reply's
`<tool_call>{...}</tool_call>` lines, results sent back as a user message. Either way the
transcript holds the same structured records (ToolCallMessage, ToolResultMessage), so
scoring and reports do not care which path a model took.

A call that cannot run (no tool of that name, arguments that are not JSON or fail the
tool's schema) is answered with the error the model would get from the tool and the loop
goes on; such calls are counted as malformed (`AgentRun.malformed`). The loop ends when
a reply calls no tool, or after `max_steps` model calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Protocol

import yaml

from riskbench.types import (
    Generation,
    Message,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
)

MAX_STEPS = 15  # model calls per attempt (AgentDojo's own loop allows 15 iterations)
_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


class Outcome(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def error(self) -> str | None: ...

    @property
    def malformed(self) -> bool: ...


class Environment(Protocol):
    def run(self, call: ToolCall) -> Outcome: ...


# step(messages, tools or None) -> the model's reply; tools None on the prompted path
Step = Callable[[Sequence[Message], Sequence[dict[str, Any]] | None], Awaitable[Generation]]


@dataclass(frozen=True, slots=True)
class AgentRun:
    transcript: tuple[Message, ...]
    output: str
    steps: int
    calls: int
    malformed: int
    finished: bool  # False: stopped at max_steps with calls still coming
    prompt_tokens: int
    completion_tokens: int


@cache
def _prompts() -> dict[str, str]:
    text = files("riskbench.engine").joinpath("data/agent_prompted.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def describe_tools(tools: Sequence[dict[str, Any]]) -> str:
    """The prompted path's tool list: name, description, argument schema."""
    blocks = []
    for tool in tools:
        fn = tool["function"]
        schema = json.dumps(fn.get("parameters") or {}, ensure_ascii=False, sort_keys=True)
        blocks.append(f"- {fn['name']}: {' '.join(str(fn.get('description', '')).split())}"
                      f"\n  arguments: {schema}")
    return _prompts()["instructions"].format(tools="\n".join(blocks))


def parse_calls(text: str, step: int) -> tuple[ToolCall, ...]:
    """`<tool_call>` lines of a prompted reply; one that does not parse is kept as a call
    with no name and its raw text as arguments, so it is answered as malformed."""
    calls = []
    for i, match in enumerate(_CALL.finditer(text)):
        raw = match.group(1).strip()
        ident = f"call_{step}_{i}"
        try:
            data = json.loads(raw)
        except ValueError:
            calls.append(ToolCall(ident, "", raw))
            continue
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            calls.append(ToolCall(ident, "", raw))
            continue
        arguments = data.get("arguments", {})
        calls.append(ToolCall(ident, data["name"],
                              arguments if isinstance(arguments, str)
                              else json.dumps(arguments, ensure_ascii=False)))
    return tuple(calls)


def spoken(text: str) -> str:
    """A reply without its prompted-path `<tool_call>` blocks: what the model said."""
    return _CALL.sub(" ", text).strip()


def prompted_messages(messages: Sequence[Message], tools: Sequence[dict[str, Any]]
                      ) -> list[Message]:
    """The transcript as a model without native tools sees it: the tool list appended to
    the system prompt, each tool result as a user message."""
    prompts = _prompts()
    listing = describe_tools(tools)
    out: list[Message] = []
    if not messages or messages[0].role != "system":
        out.append(Message("system", listing))
    results: list[str] = []
    for message in messages:
        if isinstance(message, ToolResultMessage):
            form = prompts["error" if message.error else "result"]
            results.append(form.format(name=message.name or "?", content=message.content))
            continue
        if results:
            out.append(Message("user", "\n".join(results)))
            results = []
        if message.role == "system" and not out:
            out.append(Message("system", f"{message.content}\n\n{listing}"))
        else:
            out.append(Message(message.role, message.content))
    if results:
        out.append(Message("user", "\n".join(results)))
    return out


async def run_agent(opening: Sequence[Message], tools: Sequence[dict[str, Any]],
                    environment: Environment, step: Step, *, native: bool,
                    max_steps: int = MAX_STEPS) -> AgentRun:
    """Run the loop from the opening messages (system, user) to a reply without calls."""
    transcript: list[Message] = list(opening)
    calls = malformed = prompt_tokens = completion_tokens = steps = 0
    output = ""
    finished = False
    while steps < max_steps:
        steps += 1
        if native:
            generation = await step(transcript, tools)
            made = generation.tool_calls
        else:
            generation = await step(prompted_messages(transcript, tools), None)
            made = parse_calls(generation.text, steps)
        prompt_tokens += generation.prompt_tokens
        completion_tokens += generation.completion_tokens
        output = generation.text
        if not made:
            transcript.append(Message("assistant", generation.text))
            finished = True
            break
        transcript.append(ToolCallMessage("assistant", generation.text, made))
        for call in made:
            outcome = environment.run(call)
            calls += 1
            malformed += outcome.malformed
            transcript.append(ToolResultMessage(
                "tool", outcome.error or outcome.text, call.id, call.name,
                outcome.error is not None))
    return AgentRun(tuple(transcript), output, steps, calls, malformed, finished,
                    prompt_tokens, completion_tokens)
