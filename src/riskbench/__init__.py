"""riskbench: measure how safe large language models are and how much risk they carry.

The public Python API is `riskbench.pipeline` (re-exported here) and mirrors the CLI:
build a `RunConfig`, call `evaluate`, read the scores from the store with
`riskbench.metrics`.
"""

from riskbench.pipeline import (
    Plan,
    RunOptions,
    RunResult,
    compliance,
    evaluate,
    judge_records,
    modes,
    monitor,
    plan,
    resume,
    write_run_reports,
)
from riskbench.types import (
    Attempt,
    Conversation,
    Generation,
    Item,
    Message,
    Run,
    RunConfig,
    Score,
    TestCase,
    Verdict,
)
from riskbench.version import __version__

__all__ = [
    "Attempt",
    "Conversation",
    "Generation",
    "Item",
    "Message",
    "Plan",
    "Run",
    "RunConfig",
    "RunOptions",
    "RunResult",
    "Score",
    "TestCase",
    "Verdict",
    "__version__",
    "compliance",
    "evaluate",
    "judge_records",
    "modes",
    "monitor",
    "plan",
    "resume",
    "write_run_reports",
]
