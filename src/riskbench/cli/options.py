"""What every command group shares: the consoles, the --db option, list parsing."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from riskbench.errors import UsageError

out = Console()
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default "
                  "sqlite:///riskbench.db, or $RISKBENCH_DB).", show_default=False)]


def csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def tier(value: str) -> str:
    if value not in ("public", "restricted"):
        raise UsageError(f"unknown tier {value!r}; use public or restricted")
    return value
