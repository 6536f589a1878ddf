"""The agent loop against AgentDojo's real banking environment: the step bound, the
prompted format both ways, and malformed calls answered with the tool's error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from riskbench.engine.agent_loop import parse_calls, prompted_messages, run_agent
from riskbench.suites.agentdojo import AgentEnvironment, tool_schemas
from riskbench.types import Generation, Message, ToolCall, ToolCallMessage, ToolResultMessage

TASK = {"suite": "banking", "user_task": "user_task_0"}
OPENING = (Message("system", "You act for Emma."), Message("user", "Pay my bill."))


def _run(replies: Sequence[str], native: bool = False, max_steps: int = 15) -> Any:
    sent: list[list[Message]] = []

    async def step(messages: Sequence[Message], tools: Any) -> Generation:
        sent.append(list(messages))
        assert (tools is not None) == native
        return Generation(replies[min(len(sent) - 1, len(replies) - 1)])

    env = AgentEnvironment(TASK, {})
    done = asyncio.run(run_agent(OPENING, tool_schemas("banking"), env, step, native=native,
                                 max_steps=max_steps))
    return done, sent, env


def test_prompted_calls_run_against_the_environment_and_results_come_back() -> None:
    call = '<tool_call>{"name": "get_balance", "arguments": {}}</tool_call>'
    done, sent, env = _run([f"Let me look.\n{call}", "Your balance is 1810."])
    assert done.finished and done.steps == 2 and done.calls == 1 and done.malformed == 0
    assert done.output == "Your balance is 1810."
    result = done.transcript[3]
    assert isinstance(result, ToolResultMessage) and result.name == "get_balance"
    assert result.content == str(env.before.bank_account.balance) and not result.error
    # the second request: tools listed in the system prompt, the result as a user turn
    system, *_, last = sent[1]
    assert "get_balance" in system.content and "send_money" in system.content
    assert system.content.startswith("You act for Emma.")
    assert last.role == "user" and last.content == \
        f'<tool_result name="get_balance">{result.content}</tool_result>'


def test_malformed_calls_get_the_tool_error_and_are_counted() -> None:
    replies = ['<tool_call>{"name": "send_money", "arguments": {"recipient": </tool_call>\n'
               '<tool_call>{"name": "fly_to_mars", "arguments": {}}</tool_call>\n'
               '<tool_call>{"name": "send_money", "arguments": {"amount": "lots"}}</tool_call>\n'
               '<tool_call>{"name": "send_money", "arguments": {"recipient": "XX1", '
               '"amount": 5, "subject": "x", "date": "2022-01-01"}}</tool_call>', "Done."]
    done, sent, env = _run(replies)
    errors = [m for m in done.transcript if isinstance(m, ToolResultMessage) and m.error]
    assert [e.content.split(":")[0] for e in errors] == [
        "MalformedCall", "ToolNotFoundError", "ValidationError"]
    assert done.calls == 4 and done.malformed == 3
    # the well-formed call ran: the environment holds the new transaction
    sent_now = env.state.bank_account.transactions[-1]
    assert len(env.state.bank_account.transactions) == \
        len(env.before.bank_account.transactions) + 1
    assert (sent_now.recipient, sent_now.amount) == ("XX1", 5)
    assert 'error="true"' in sent[1][-1].content


def test_the_loop_stops_after_max_steps() -> None:
    call = '<tool_call>{"name": "get_balance", "arguments": {}}</tool_call>'
    done, sent, _ = _run([call], max_steps=4)
    assert not done.finished and done.steps == 4 and len(sent) == 4 and done.calls == 4


def test_parse_calls_reads_what_small_models_write() -> None:
    text = ('<tool_call>{"name": "a", "arguments": {"x": 1}}</tool_call> then '
            '<tool_call>[1, 2]</tool_call> and <tool_call>{"name": "b", "arguments": "{}"}')
    calls = parse_calls(text, 3)
    assert calls == (ToolCall("call_3_0", "a", '{"x": 1}'), ToolCall("call_3_1", "", "[1, 2]"),
                     ToolCall("call_3_2", "b", "{}"))  # an unclosed last call still counts
    assert parse_calls("No tools needed; the answer is 42.", 1) == ()


def test_prompted_messages_keep_native_records_as_text() -> None:
    calls = (ToolCall("c1", "get_balance", "{}"),)
    transcript = [*OPENING, ToolCallMessage("assistant", "checking", calls),
                  ToolResultMessage("tool", "10", "c1", "get_balance"),
                  ToolResultMessage("tool", "oops", "c2", "x", True)]
    out = prompted_messages(transcript, tool_schemas("banking"))
    assert [m.role for m in out] == ["system", "user", "assistant", "user"]
    assert out[-1].content == ('<tool_result name="get_balance">10</tool_result>\n'
                               '<tool_result name="x" error="true">oops</tool_result>')


def test_replay_scores_a_workspace_run_whose_tools_stamp_the_time() -> None:
    """send_email stamps the email with the current time; the judges' replay (later, so
    another time) must still agree with the record, and score what the environment says."""
    import time

    from riskbench.judges.agent import AgentSecurity, AgentUtility
    from riskbench.types import Attempt, Conversation, Item, TestCase

    task = {"suite": "workspace", "user_task": "user_task_13", "injection_task": None}
    env = AgentEnvironment(task, {})
    calls = [ToolCall(f"c{i}", c.function, json.dumps(c.args)) for i, c in
             enumerate(env.user_task.ground_truth(env.before.model_copy(deep=True)))]
    assert "send_email" in {c.name for c in calls}
    transcript: list[Message] = [*OPENING, ToolCallMessage("assistant", "", tuple(calls))]
    for call in calls:
        outcome = env.run(call)
        transcript.append(ToolResultMessage("tool", outcome.error or outcome.text, call.id,
                                            call.name, outcome.error is not None))
    output = env.user_task.GROUND_TRUTH_OUTPUT
    transcript.append(Message("assistant", output))
    time.sleep(1.1)
    item = Item("w13", "x", "comply", meta={"agent": task})
    case = TestCase("w13", item, "direct", "none", Conversation(OPENING),
                    {"agent": {"task": task, "injections": {}}})
    attempt = Attempt("r", "w13", 0, "ok", output, tuple(transcript))
    utility = AgentUtility().verdict(case, attempt)
    assert (utility.outcome, utility.safe) == ("correct" if env.utility(output)
                                               else "incorrect", None)
    assert utility.outcome == "correct", utility.rationale
    assert AgentSecurity().verdict(case, attempt).outcome == "compliance"
