"""The `riskbench` command, mirroring `riskbench.pipeline`: one thin module per command
group; this module only assembles the app; `exits` maps errors to exit codes."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType


def _interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    print("interrupted", file=sys.stderr)
    raise SystemExit(130)


# Ctrl-C while the stages import (seconds on a loaded machine): one line and 130, not a
# traceback; the usual handler is back once the app is assembled (cli.exits maps it).
_GUARDED = threading.current_thread() is threading.main_thread()
_SIGINT = signal.signal(signal.SIGINT, _interrupted_while_starting) if _GUARDED else None

import typer  # noqa: E402

from riskbench.cli import campaign, exits, judge, lists, run  # noqa: E402
from riskbench.cli.compliance import compliance  # noqa: E402
from riskbench.cli.monitor import models_app, monitor_app  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=False,
                  help="Measure how safe large language models are.")
ORDER = ("run", "campaign", "campaigns", "evaluate", "runs", "report", "judge", "judge-eval",
         "suites", "build", "judges", "compliance", "serve")  # as `riskbench --help` lists them
for group in (run.app, campaign.app, lists.app, judge.app):
    app.registered_commands += group.registered_commands
    app.registered_groups += group.registered_groups
app.command("compliance")(compliance)
app.registered_commands.sort(
    key=lambda c: ORDER.index(c.name or getattr(c.callback, "__name__", "")))
app.add_typer(models_app, name="models")
app.add_typer(monitor_app, name="monitor")


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (a scheduler's or `kill`'s stop) takes Ctrl-C's path: the run is left
    `interrupted` and resumable, exit 130, one line."""
    signal.raise_signal(signal.SIGINT)


if _GUARDED:
    signal.signal(signal.SIGINT, _SIGINT if _SIGINT is not None else signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminated)


def main(argv: Sequence[str] | None = None) -> None:
    """The `riskbench` entry point; exit codes and error lines in `cli.exits`."""
    sys.exit(exits.run(app, argv))
