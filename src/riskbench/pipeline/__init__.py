"""The Python API, the only package that sees every stage: runs (`runs`), judging
records a user already has (`judge`), evaluation modes (`modes`), the frontier-risk
monitor (`monitor`) and regulatory compliance (`compliance`). The CLI mirrors it."""

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

__all__ = ["Plan", "Progress", "RunOptions", "RunResult", "compliance", "evaluate",
           "judge_records", "modes", "monitor", "plan", "resume", "suite_judges",
           "write_run_reports"]
