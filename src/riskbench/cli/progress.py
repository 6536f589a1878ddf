"""Progress for runs on stderr: a rich bar on a terminal, one line every ~10 s in logs.

The rate is of attempts the model answered in this process: an answer from the response
cache takes no model time, so counting it would show a resumed or cached run at thousands
per second (one did: "5053.2/s"). Cache hits are counted and shown apart, and the ETA
comes from the real rate."""

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
)

from riskbench.types import Attempt


class Counts:
    """What both displays show: attempts done, answered by the model, from the cache,
    failed, since `start`."""

    def __init__(self) -> None:
        self.total = self.done = self.answered = self.cached = self.errors = 0
        self.started = time.monotonic()

    def start(self, total: int, done: int) -> None:
        self.total, self.done = total, done
        self.started = time.monotonic()

    def add(self, attempt: Attempt) -> None:
        self.done += 1
        self.errors += attempt.status != "ok"
        self.cached += attempt.cached
        self.answered += not attempt.cached

    def rate(self) -> float:
        """Attempts answered by the model (not the cache) per second of wall time."""
        return self.answered / max(time.monotonic() - self.started, 1e-9)

    def eta(self) -> str:
        left, rate = self.total - self.done, self.rate()
        if left <= 0:
            return "0 s"
        return f"{left / rate:.0f} s" if self.answered else "unknown"


class RichProgress:
    def __init__(self, console: Console) -> None:
        self.counts = Counts()
        self._progress = Progress(
            TextColumn("[bold]attempts"), BarColumn(), MofNCompleteColumn(),
            TaskProgressColumn(), TextColumn("{task.fields[rate]:.2f}/s from the model"),
            TextColumn("cached {task.fields[cached]}"),
            TextColumn("errors {task.fields[errors]}"), TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"), console=console, transient=False,
        )
        self._task = self._progress.add_task("run", total=0, rate=0.0, errors=0, cached=0,
                                             eta="unknown")

    def start(self, total: int, done: int) -> None:
        self.counts.start(total, done)
        self._progress.update(self._task, total=total, completed=done)
        self._progress.start()

    def advance(self, attempt: Attempt) -> None:
        c = self.counts
        c.add(attempt)
        self._progress.update(self._task, advance=1, errors=c.errors, cached=c.cached,
                              rate=c.rate(), eta=c.eta())

    def stop(self) -> None:
        self._progress.stop()


class LineProgress:
    """Progress for logs (stderr not a terminal): one line every `every` seconds with
    done/total, the model's rate, cache hits, errors and ETA, and a last line at the end."""

    def __init__(self, console: Console, every: float = 10.0) -> None:
        self._console, self._every = console, every
        self.counts = Counts()
        self._last = 0.0

    def start(self, total: int, done: int) -> None:
        self.counts.start(total, done)
        self._last = time.monotonic()
        self._console.print(f"starting: {done}/{total} attempts already stored",
                            highlight=False)

    def advance(self, attempt: Attempt) -> None:
        self.counts.add(attempt)
        if time.monotonic() - self._last >= self._every:
            self._line()

    def _line(self) -> None:
        self._last = time.monotonic()
        c = self.counts
        self._console.print(f"{c.done}/{c.total} attempts, {c.rate():.2f}/s from the model, "
                            f"{c.cached} cached, {c.errors} errors, ETA {c.eta()}",
                            highlight=False)

    def stop(self) -> None:
        self._line()


def progress_for(console: Console) -> RichProgress | LineProgress:
    """A bar on a terminal; in a log or a pipe, a line every ~10 s."""
    return RichProgress(console) if console.is_terminal else LineProgress(console)
