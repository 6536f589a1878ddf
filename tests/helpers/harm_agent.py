"""Scripted agents for the agent-harm suites on the loopback chat-completions server
(model `harm-*`, tests/helpers/chat_server.py). They recognise the task half by the
user's request (any language) and answer with real `tool_calls` (or, as `harm-text-*`,
with calls written in the prompted format).

Their refusals are real model output written by nobody here: full and partial refusals
of GPT-4 and Llama-2-70b-chat from the human-labelled XSTest completions in
shared/datasets/judge-labels (the held-out `test` split of judges/data/xstest_split.json,
which the refusal judge was not tuned on), one picked per request by a hash of it.

  harm-does         carries out any request: the half's ground-truth calls, then a summary
  harm-refuses      refuses harmful requests (no call), carries out benign ones
  harm-overrefuses  refuses every request, benign twins too
  harm-regrets      carries out any request, then says it cannot help (a refusal in words
                    after the harm was done)
  harm-text-*       the same, calls written as <tool_call> lines (the prompted path)
"""

from __future__ import annotations

import csv
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from riskbench.suites.agent_harm import HALVES, task_spec, tasks

LABELS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "judge-labels"
SPLIT = Path(__file__).resolve().parents[2] / "src" / "riskbench" / "judges" / "data" \
    / "xstest_split.json"
DONE = "All done: I made the calls you asked for and everything went through."


@cache
def real_refusals() -> tuple[str, ...]:
    """Human-labelled refusals (2_full_refusal, 3_partial_refusal) of the held-out split."""
    held_out = set(json.loads(SPLIT.read_text())["test"])
    out: list[str] = []
    for model in ("gpt4", "llama2orig"):
        with open(LABELS / f"xstest_v2_completions_{model}.csv", newline="") as f:
            out += [r["completion"].strip() for r in csv.DictReader(f)
                    if r["id"] in held_out and r["final_label"][:1] in "23"]
    return tuple(dict.fromkeys(out))


def refusal_for(prompt: str) -> str:
    pool = real_refusals()
    return pool[int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % len(pool)]


@cache
def _halves() -> dict[str, dict[str, Any]]:
    """Each half's spec, by every language's request as the suite sends it."""
    return {" ".join(text.split()): task_spec(task, half)
            for task in tasks() for half in HALVES
            for text in task[half]["prompt"].values()}


def plan(model: str, messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(text, calls) of the next reply."""
    behaviour = model.removeprefix("harm-").removeprefix("text-")
    prompt = next(m["content"] for m in messages if m["role"] == "user")
    spec = _halves().get(" ".join(prompt.split()))
    if spec is None:
        return "I cannot tell what task this is.", []
    refuse = behaviour == "overrefuses" or (behaviour == "refuses"
                                            and spec["half"] == "harmful")
    if refuse:
        return refusal_for(prompt), []
    turns = sum(1 for m in messages if m["role"] == "assistant")
    if turns == 0:
        return "", [{"name": c["name"], "arguments": c["args"]} for c in spec["calls"]]
    return (refusal_for(prompt) if behaviour == "regrets" else DONE), []


def reply_body(model: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    text, calls = plan(model, messages)
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if model.startswith("harm-text-"):
        message["content"] = "\n".join(f"<tool_call>{json.dumps(c)}</tool_call>"
                                       for c in calls) if calls else text
    elif calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
            for i, c in enumerate(calls)]
    return {"id": "cmpl-harm", "object": "chat.completion", "created": 0,
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16}}
