"""The `riskbench` command, mirroring `riskbench.pipeline`: one thin module per command
group; this module only assembles the app and maps errors to exit codes."""

from __future__ import annotations

import sys

import typer

from riskbench.cli import campaign, judge, lists, run
from riskbench.cli.compliance import compliance
from riskbench.cli.monitor import models_app, monitor_app
from riskbench.cli.options import err
from riskbench.errors import RunInterrupted, UsageError

app = typer.Typer(add_completion=False, no_args_is_help=False,
                  help="Measure how safe large language models are.")
ORDER = ("run", "campaign", "evaluate", "runs", "report", "judge", "judge-eval", "suites", "build",
         "judges", "compliance", "serve")  # as `riskbench --help` lists them
for group in (run.app, campaign.app, lists.app, judge.app):
    app.registered_commands += group.registered_commands
    app.registered_groups += group.registered_groups
app.command("compliance")(compliance)
app.registered_commands.sort(
    key=lambda c: ORDER.index(c.name or getattr(c.callback, "__name__", "")))
app.add_typer(models_app, name="models")
app.add_typer(monitor_app, name="monitor")


def main() -> None:
    try:
        app(standalone_mode=False)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except RunInterrupted as exc:
        print(f"interrupted; everything finished is stored. Resume with "
              f"`riskbench run --resume {exc.run_id}`", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise
