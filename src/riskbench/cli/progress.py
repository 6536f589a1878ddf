"""Terminal progress for runs: a rich bar with rate, ETA and error count, on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from riskbench.types import Attempt


class RichProgress:
    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("[bold]attempts"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TextColumn("{task.fields[rate]:.1f}/s"),
            TextColumn("errors {task.fields[errors]}"), TextColumn("cached {task.fields[cached]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
        )
        self._task = self._progress.add_task("run", total=0, rate=0.0, errors=0, cached=0)
        self._errors = self._cached = 0

    def start(self, total: int, done: int) -> None:
        self._progress.update(self._task, total=total, completed=done)
        self._progress.start()

    def advance(self, attempt: Attempt) -> None:
        self._errors += attempt.status != "ok"
        self._cached += attempt.cached
        task = self._progress.tasks[0]
        self._progress.update(self._task, advance=1, errors=self._errors, cached=self._cached,
                              rate=task.speed or 0.0)

    def stop(self) -> None:
        self._progress.stop()
