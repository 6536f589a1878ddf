"""riskbench: measure how safe large language models are and how much risk they carry.

The public Python API is `riskbench.pipeline` (re-exported here) and mirrors the CLI:
build a `RunConfig`, call `evaluate`, read the scores from the store with
`riskbench.metrics`.
"""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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
    from riskbench.version import __version__

_PIPELINE = {"Plan", "RunOptions", "RunResult", "compliance", "evaluate", "judge_records",
             "modes", "monitor", "plan", "resume", "write_run_reports"}


def __getattr__(name: str) -> Any:
    """The pipeline API, imported on first use, so that `import riskbench.cli` is light
    until the CLI has its Ctrl-C guard in place (the stages take seconds to import); the
    version too (importlib.metadata, which no listing needs)."""
    if name == "__version__":
        from riskbench import version

        return version.__version__
    if name in _PIPELINE:
        from riskbench import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'riskbench' has no attribute {name!r}")


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
