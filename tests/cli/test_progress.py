"""Progress on stderr: one line per interval in logs, and a rate that is the model's, not
inflated by cache hits (a resumed run once showed "5053.2/s")."""

from __future__ import annotations

import io
import time

from rich.console import Console

from riskbench.cli.progress import LineProgress, RichProgress, progress_for
from riskbench.types import Attempt


def attempt(n: int, status: str = "ok", cached: bool = False) -> Attempt:
    return Attempt("r", f"c{n}", 0, status, "", (), cached=cached)  # type: ignore[arg-type]


def rate_of(line: str) -> float:
    return float(line.split(", ")[1].removesuffix("/s from the model"))


def console() -> Console:
    return Console(file=io.StringIO(), width=200)


def test_progress_in_logs_is_one_line_per_interval_with_the_real_rate() -> None:
    shown = console()
    progress = LineProgress(shown, every=0.05)
    progress.start(10, 4)
    for n in range(6):
        time.sleep(0.02)
        progress.advance(attempt(n, "error" if n == 0 else "ok"))
    progress.stop()
    lines = shown.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0] == "starting: 4/10 attempts already stored"
    assert 2 <= len(lines) <= 6  # a line per interval, not per attempt
    last = lines[-1]
    assert last.startswith("10/10 attempts, ") and "1 errors" in last and "ETA 0 s" in last
    assert 5 < rate_of(last) < 60  # six attempts in about 0.12 s, not 10/0.12 or 6/0


def test_cache_hits_are_counted_apart_and_not_in_the_rate() -> None:
    shown = console()
    progress = LineProgress(shown, every=3600)
    progress.start(1002, 0)
    for n in range(1000):  # a resumed run: a thousand answers straight from the cache
        progress.advance(attempt(n, cached=True))
    progress.stop()
    first = shown.file.getvalue().splitlines()[-1]  # type: ignore[attr-defined]
    assert first.startswith("1000/1002 attempts, 0.00/s from the model, 1000 cached")
    assert "ETA unknown" in first  # nothing answered yet: no rate to extrapolate from
    time.sleep(0.2)
    progress.advance(attempt(1000))
    progress.advance(attempt(1001))
    progress.stop()
    last = shown.file.getvalue().splitlines()[-1]  # type: ignore[attr-defined]
    assert "1000 cached" in last
    assert 2 < rate_of(last) < 11  # two real answers in about 0.2 s, whatever the cache did


def test_the_bar_shows_the_same_real_rate() -> None:
    bar = RichProgress(Console(file=io.StringIO(), width=200, force_terminal=True))
    bar.start(20, 0)
    for n in range(10):
        bar.advance(attempt(n, cached=True))
    time.sleep(0.1)
    bar.advance(attempt(10))
    bar.stop()
    assert bar.counts.cached == 10 and bar.counts.answered == 1
    assert bar.counts.rate() < 11  # one answer in about 0.1 s, not eleven


def test_a_terminal_gets_the_bar_and_a_log_the_lines() -> None:
    assert isinstance(progress_for(Console(file=io.StringIO(), force_terminal=True)),
                      RichProgress)
    assert isinstance(progress_for(Console(file=io.StringIO())), LineProgress)
