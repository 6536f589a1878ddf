"""Exit codes of `riskbench` (docs/usage.md): 0 done, 1 a run whose every attempt failed
(or a bug, with its traceback), 2 bad input (one line on stderr), 130 interrupted. Every
error line is scrubbed of API keys and printed as plain text on one line.

typer 0.22+ ships its own click (`typer._click`) and, called with standalone_mode=False,
turns Ctrl-C into a returned 130 and raises its own click exceptions, which
`click.ClickException` does not catch; older typer uses click itself and raises Abort on
Ctrl-C. Both are handled here, and tests/cli/test_exit_codes.py pins the behaviour.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from riskbench.errors import RunFailed, RunInterrupted, UsageError, WorkerFailed
from riskbench.escaping import strip_controls
from riskbench.models.keys import scrub

INTERRUPTED = 130


def error_line(message: object) -> str:
    """`message` as one line of plain text with no key in it."""
    return " ".join(strip_controls(scrub(str(message))).split())


def fail(message: object, code: int) -> int:
    """Print `error: message` on stderr and return `code`."""
    sys.stdout.flush()
    print(f"error: {error_line(message)}", file=sys.stderr, flush=True)
    return code


def interrupted(run_id: str | None = None) -> int:
    sys.stdout.flush()
    line = "interrupted"
    if run_id:
        line += (f"; everything finished is stored. Resume with `riskbench run --resume "
                 f"{error_line(run_id)}`")
    print(line, file=sys.stderr, flush=True)
    return INTERRUPTED


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    """`name` from typer's own click and from click, where each is installed."""
    found = []
    for module in ("typer._click.exceptions", "typer.exceptions", "click.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def _usage_message(exc: Any) -> str:
    """click's message of a usage error, with where to read the usage."""
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and getattr(exc, "exit_code", 1) == 2:
        message += f" (see `{ctx.command_path} --help`)"
    return str(message)


def _crashed() -> int:
    """A bug: its traceback, as Python would print it but with keys scrubbed, exit 1."""
    sys.stdout.flush()
    print(scrub(traceback.format_exc()), end="", file=sys.stderr, flush=True)
    return 1


def run(app: Any, argv: Sequence[str] | None = None) -> int:
    """Run the typer `app` on `argv` (default sys.argv[1:]) and return its exit code."""
    try:
        returned = app(args=None if argv is None else list(argv), prog_name="riskbench",
                       standalone_mode=False)
    except UsageError as exc:  # CredentialsRejected included
        return fail(exc, 2)
    except (RunFailed, WorkerFailed) as exc:
        return fail(exc, 1)
    except RunInterrupted as exc:
        return interrupted(exc.run_id)
    except KeyboardInterrupt:
        return interrupted()
    except Exception as exc:
        if isinstance(exc, _click_classes("Abort")):  # older click's Ctrl-C
            return interrupted()
        if isinstance(exc, _click_classes("Exit")):
            return int(getattr(exc, "exit_code", 0) or 0)
        if isinstance(exc, _click_classes("ClickException")):
            return fail(_usage_message(exc), int(getattr(exc, "exit_code", 2)))
        return _crashed()
    if returned == INTERRUPTED:  # typer's Ctrl-C outside a run
        return interrupted()
    return returned if isinstance(returned, int) else 0
