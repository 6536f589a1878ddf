"""What every command group shares: the consoles, the --db option, list parsing.

The consoles print data as data: category names, model specs, run ids and errors come
from suites, users and models, so no string is ever parsed as Rich markup or emoji, and
control characters (ESC, BEL, ...) are shown as U+FFFD (`escaping.strip_controls`), so
`[/]` cannot crash a table and `[link=...]`, `\\x1b]0;...` or `\\x1b[2J` never reach the
terminal. Styling is explicit: `rich.text.Text(..., style=...)`, never markup in a string.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from riskbench.errors import UsageError
from riskbench.escaping import strip_controls

PIPE_WIDTH = 1000  # columns of piped output without $COLUMNS: tables never cut a cell


class DataConsole(Console):
    """A Rich console whose strings (printed, or cells and titles of tables) are text."""

    def __init__(self, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, markup=False, emoji=False)
        if not self.is_terminal and "COLUMNS" not in os.environ:
            self._width = PIPE_WIDTH  # piped: a table is as wide as its data, ids uncut

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(strip_controls(text), **{**kwargs, "markup": False,
                                                           "emoji": False})


out = DataConsole()
err = DataConsole(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document to stdout "
                    "instead of a table (for scripts).")]


def print_json(document: Any) -> None:
    """A list command's data for scripts: one JSON document on stdout, nothing else (no
    markup, colour or wrapping; strings escaped by JSON, control characters included)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default "
                  "sqlite:///riskbench.db, or $RISKBENCH_DB).", show_default=False)]

ExecutorOpt = Annotated[str | None, typer.Option(
    "--executor", help="Where attempts are made: local (this process, the default) or ray "
    "(a Ray cluster, docs/scaling.md).", show_default=False)]
RayAddressOpt = Annotated[str | None, typer.Option(
    "--ray-address", help="With --executor ray: the cluster's head (host:port or "
    "ray://host:port); default: a Ray instance on this machine.", show_default=False)]
RayWorkersOpt = Annotated[int | None, typer.Option(
    "--ray-workers", help="With --executor ray: shards in parallel (default: the "
    "cluster's CPUs).", show_default=False)]


def ray_options(executor: str | None, address: str | None, workers: int | None
                ) -> dict[str, Any]:
    """The RunOptions fields of the executor flags that were given."""
    given = {"executor": executor, "ray_address": address, "ray_workers": workers}
    return {k: v for k, v in given.items() if v is not None}


def csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def tier(value: str) -> str:
    if value not in ("public", "restricted", "both"):
        raise UsageError(f"unknown tier {value!r}; use public, restricted or both")
    return value
