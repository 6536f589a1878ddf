"""The Python API, the only package that sees every stage: runs (`runs`), judging
records a user already has (`judge`), evaluation modes (`modes`), the frontier-risk
monitor (`monitor`) and regulatory compliance (`compliance`). The CLI mirrors it.

The names load on first use (PEP 562), so a command that needs one stage (`riskbench
runs` needs only the store) does not import them all at start-up."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "compliance": "riskbench.pipeline.compliance", "modes": "riskbench.pipeline.modes",
    "monitor": "riskbench.pipeline.monitor", "judge_records": "riskbench.pipeline.judge",
    "Progress": "riskbench.pipeline.options", "RunOptions": "riskbench.pipeline.options",
    **{name: "riskbench.pipeline.runs" for name in (
        "Plan", "RunResult", "evaluate", "plan", "resume", "suite_judges",
        "write_run_reports")},
}

if TYPE_CHECKING:
    from riskbench.pipeline import compliance, modes, monitor
    from riskbench.pipeline.judge import judge_records
    from riskbench.pipeline.options import Progress, RunOptions
    from riskbench.pipeline.runs import (
        Plan,
        RunResult,
        evaluate,
        plan,
        resume,
        suite_judges,
        write_run_reports,
    )


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'riskbench.pipeline' has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if where.endswith("." + name) else getattr(module, name)
    globals()[name] = value
    return value


__all__ = ["Plan", "Progress", "RunOptions", "RunResult", "compliance", "evaluate",
           "judge_records", "modes", "monitor", "plan", "resume", "suite_judges",
           "write_run_reports"]
