"""The `riskbench` command, mirroring `riskbench.pipeline`: one thin module per command
group; this module only assembles the app; `exits` maps errors to exit codes."""

from __future__ import annotations

import gc
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
_COLLECTING = gc.isenabled()
gc.disable()  # while the root imports (cli.lazy says why)
_GUARDED = threading.current_thread() is threading.main_thread()
_SIGINT = signal.signal(signal.SIGINT, _interrupted_while_starting) if _GUARDED else None

import typer  # noqa: E402

from riskbench.cli import exits, lazy  # noqa: E402

# Every command by name, in the order `riskbench --help` lists them, and where it is
# defined (`module:attribute` of riskbench.cli): a command's module is imported only when
# that command runs (or --help lists them all), so `runs` does not import the pipeline.
# `models` is monitor's group with the catalog listing of `lists` as its callback.
COMMANDS = {
    "run": "run:app", "campaign": "campaign:app", "campaigns": "campaign:app",
    "evaluate": "run:app", "runs": "runs:app", "report": "run:app", "judge": "judge:app",
    "judge-eval": "judge:app", "suites": "lists:app", "build": "lists:app",
    "judges": "lists:app", "compliance": "compliance:compliance", "serve": "run:app",
    "attacks": "lists:app", "models": "lists:models_app", "monitor": "monitor:monitor_app",
}


class _Root(lazy.LazyGroup):
    table = COMMANDS


app = typer.Typer(cls=_Root, add_completion=False, no_args_is_help=False,
                  help="Measure how safe large language models are.")


@app.callback()
def _root() -> None:
    """A group needs a callback (or registered commands) for typer to build it."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (a scheduler's or `kill`'s stop) takes Ctrl-C's path: the run is left
    `interrupted` and resumable, exit 130, one line."""
    signal.raise_signal(signal.SIGINT)


if _COLLECTING:
    gc.enable()
if _GUARDED:
    signal.signal(signal.SIGINT, _SIGINT if _SIGINT is not None else signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminated)


def main(argv: Sequence[str] | None = None) -> None:
    """The `riskbench` entry point; exit codes and error lines in `cli.exits`. Where it
    is what the process runs, start-up's objects stay frozen to the end, so that the
    interpreter's exit does not scan them (two full collections of ~110,000 objects, 6 %
    of `runs`' instructions); called from a test or a notebook, it gives the collector
    back as it found it."""
    lazy.pause_collector()
    try:
        code = exits.run(app, argv)
    finally:
        lazy.resume_collector()
        if getattr(sys.modules.get("__main__"), "main", None) is not main:
            gc.unfreeze()  # not the program (whose script or __main__ imports `main`)
    sys.exit(code)
