"""The one percent formatter of reports, profiles and the CLI: a fraction (or, with
`scale=1`, a value already in percent) as text, "–" where nothing was measured."""

from __future__ import annotations


def percent(value: float | None, digits: int = 1, *, none: str = "–", signed: bool = False,
            scale: float = 100.0) -> str:
    if value is None:
        return none
    return f"{scale * value:{'+' if signed else ''}.{digits}f}%"


def percent_ci(value: float | None, low: float, high: float, digits: int = 1,
               ci_digits: int = 0, sep: str = "–") -> str:
    """The rate with its interval's bounds: '93.3% [81–98]'."""
    if value is None:
        return "–"
    return f"{percent(value, digits)} [{100 * low:.{ci_digits}f}{sep}{100 * high:.{ci_digits}f}]"
