"""Progress for runs on stderr: a rich bar on a terminal, one line every ~10 s in logs."""

from __future__ import annotations

import time

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


class LineProgress:
    """Progress for logs (stderr not a terminal): one line every `every` seconds with
    done/total, the rate of attempts finished in this process (cached ones included,
    counted apart), errors and ETA, and a last line at the end."""

    def __init__(self, console: Console, every: float = 10.0) -> None:
        self._console, self._every = console, every
        self._total = self._done = self._new = self._errors = self._cached = 0
        self._started = self._last = 0.0

    def start(self, total: int, done: int) -> None:
        self._total, self._done = total, done
        self._started = self._last = time.monotonic()
        self._console.print(f"starting: {done}/{total} attempts already stored",
                            highlight=False)

    def advance(self, attempt: Attempt) -> None:
        self._done += 1
        self._new += 1
        self._errors += attempt.status != "ok"
        self._cached += attempt.cached
        if time.monotonic() - self._last >= self._every:
            self._line()

    def _line(self) -> None:
        now = time.monotonic()
        self._last = now
        elapsed = max(now - self._started, 1e-9)
        rate = self._new / elapsed
        left = self._total - self._done
        eta = f"{left / rate:.0f} s" if rate > 0 else "unknown"
        self._console.print(f"{self._done}/{self._total} attempts, {rate:.2f}/s, "
                            f"{self._errors} errors, {self._cached} cached, ETA {eta}",
                            highlight=False)

    def stop(self) -> None:
        self._line()
