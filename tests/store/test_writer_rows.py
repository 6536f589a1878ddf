"""The writer's rows through SQLite's driver (tuples, the transcript as JSON text) read
back as SQLAlchemy stored them before: every kind of message, non-ASCII text, and the
JSON helpers' fallbacks for what orjson refuses."""

from __future__ import annotations

import math

from riskbench import store
from riskbench.jsonl import dumps, loads
from riskbench.pipeline import plan
from riskbench.types import (
    Attempt,
    Message,
    RunConfig,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
    Verdict,
)


def test_rows_read_back_as_written(db_url: str) -> None:
    the_plan = plan(RunConfig(model="scripted:echo", attacks=("direct",), limit=1))
    engine = store.connect(db_url)
    run = store.create_run(engine, the_plan.config, the_plan.cases)
    case = the_plan.cases[0]
    transcript = (*case.conversation.messages, Message("assistant", "好的 — ünïcode 🚀"),
                  ToolCallMessage("assistant", "", (ToolCall("1", "send", '{"a": 1}'),)),
                  ToolResultMessage("tool", "sent", "1", "send", True))
    attempt = Attempt(run.id, case.id, 0, "ok", "好的 🚀", transcript, 3, 4, 0.25, "", True)
    verdict = Verdict("refusal", "compliance", 0.0, "engages: '好的'", False, "v1")
    writer = store.AttemptWriter(engine)
    writer.add(attempt, [verdict])
    writer.add(attempt, [verdict])  # a stored key is skipped, as on resume
    writer.flush()
    writer.close()
    [row] = store.load_attempts(engine, run.id, "refusal")
    assert tuple(row["transcript"]) == transcript
    assert (row["output"], row["status"], row["outcome"], row["safe"], row["rationale"],
            row["judge_version"]) == ("好的 🚀", "ok", "compliance", False, "engages: '好的'",
                                      "v1")
    assert store.done_keys(engine, run.id) == {(case.id, 0)}


def test_json_helpers_fall_back_where_orjson_refuses() -> None:
    assert loads(dumps({"text": "\ud800 lone surrogate"})) == {"text": "\ud800 lone surrogate"}
    assert loads(dumps({1: "int key", "big": 2**70})) == {"1": "int key", "big": 2**70}
    assert math.isnan(loads('{"x": NaN}')["x"])  # the stdlib writes NaN; it reads back
    assert loads(dumps({"é": [1, 2.5, None, True]})) == {"é": [1, 2.5, None, True]}
