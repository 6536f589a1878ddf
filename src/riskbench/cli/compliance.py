"""`riskbench compliance`: a thin layer over `riskbench.pipeline.compliance`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from riskbench.cli.options import DbOpt, out
from riskbench.errors import UsageError

_STYLE = {"pass": "green", "fail": "red", "insufficient": "yellow", "measured": "cyan",
          "not covered": "dim"}


def compliance(
    run_ids: Annotated[list[str] | None, typer.Argument(
        metavar="[RUN_ID]...", help="Stored runs whose evidence counts together.",
        show_default=False)] = None,
    framework: Annotated[str, typer.Option(
        "--framework", help="tc260, eu_ai_act, nist_ai_600_1 or owasp_llm_2025.")] = "tc260",
    latest: Annotated[bool, typer.Option("--latest", help="The newest run.")] = False,
    judge: Annotated[str | None, typer.Option(
        "--judge", help="Judge whose verdicts count (default: each run's first).",
        show_default=False)] = None,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for compliance-<framework>.md/.html/.json (default "
        "reports/<run id>, or reports/compliance for several runs).",
        show_default=False)] = None,
    list_frameworks: Annotated[bool, typer.Option(
        "--list", help="List the frameworks and stop.")] = False,
    exclude_blocked: Annotated[bool, typer.Option(
        "--exclude-blocked", help="Leave provider blocks out of the rates (model-only "
        "figures); by default a block counts as a refusal.")] = False,
) -> None:
    """A clause-by-clause compliance table of stored runs against a regulatory framework:
    evidence, measured rate with its interval, threshold, pass / fail / not covered."""
    from riskbench.pipeline import compliance as api
    from riskbench.report.compliance import evidence, measured, summary_line, threshold

    if list_frameworks:
        for name in api.frameworks.names():
            spec = api.get_framework(name)
            out.print(f"{name:16} {spec.title} ({len(spec.clauses)} clauses)")
        return
    api.get_framework(framework)  # a bad name fails before anything else
    if latest and run_ids:
        raise UsageError("give run ids or --latest, not both")
    ids = ["latest"] if latest else list(run_ids or [])
    if out_dir is not None:
        from riskbench.validation import writable_folder

        writable_folder("--out", out_dir)
    table = api.evaluate_compliance(framework, ids, db, judge, exclude_blocked)
    folder = out_dir or Path("reports") / (table.runs[0]["id"] if len(table.runs) == 1
                                           else "compliance")
    paths = api.write_compliance(table, folder)
    view = Table(title=f"{table.framework.title}: " + ", ".join(r["id"] for r in table.runs))
    for name in ("clause", "title", "evidence", "measured", "threshold", "status"):
        view.add_column(name, overflow="fold")
    for row in table.rows:
        style = _STYLE.get(row.status, "")
        view.add_row(row.clause.id, row.clause.title, evidence(row), measured(row),
                     threshold(row), Text(row.status, style=style))
    out.print(view)
    out.print(f"summary: {summary_line(table)}")
    for kind, path in paths.items():
        out.print(f"  {kind:8} {path}")
