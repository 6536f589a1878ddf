"""The monitor's charts as inline SVG (no script): the capability-safety plane with the risk
Pareto frontier, R over release date with its running maximum, and per-family lines.
Every label is escaped: model names come from user files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from html import escape

from riskbench.metrics.monitor import RiskPoint, TrendPoint
from riskbench.types import DomainScore

W, H = 720, 440
LEFT, RIGHT, TOP, BOTTOM = 56, 160, 36, 44
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")


def _frame(title: str, x_label: str, y_label: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-weight="bold" font-size="14">{escape(title)}</text>',
        f'<text x="{LEFT + (W - LEFT - RIGHT) / 2:.0f}" y="{H - 6}" font-size="12" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{TOP + (H - TOP - BOTTOM) / 2:.0f}" font-size="12" '
        f'text-anchor="middle" transform="rotate(-90 14 {TOP + (H - TOP - BOTTOM) / 2:.0f})">'
        f"{escape(y_label)}</text>",
    ]


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _y_ticks(parts: list[str], top_value: float, sy: Callable[[float], float]) -> None:
    step = 10 if top_value <= 60 else 20
    for tick in range(0, int(top_value) + 1, step):
        y = sy(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{tick}</text>')


def scatter_chart(scores: Sequence[DomainScore], frontier: Sequence[str], title: str
                  ) -> str:
    """Capability (x) against safety (y) on the 0-100 scale, zoomed to the models' range
    in steps of 10; the frontier models joined by a line."""
    placed = {s.model: s for s in scores if s.capability is not None and s.safety is not None}
    x0, x1 = _range([s.capability for s in placed.values() if s.capability is not None])
    y0, y1 = _range([s.safety for s in placed.values() if s.safety is not None])

    def sx(v: float) -> float:
        return LEFT + (W - LEFT - RIGHT) * (v - x0) / (x1 - x0)

    def sy(v: float) -> float:
        return H - BOTTOM - (H - TOP - BOTTOM) * (v - y0) / (y1 - y0)

    parts = _frame(title, "capability C (0-100)", "safety S (0-100)")
    for tick in range(int(y0), int(y1) + 1, 10):
        y = sy(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                     f'stroke="#e5e5e5"/><text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{tick}</text>')
    for tick in range(int(x0), int(x1) + 1, 10):
        parts.append(f'<line x1="{sx(tick):.1f}" y1="{TOP}" x2="{sx(tick):.1f}" '
                     f'y2="{H - BOTTOM}" stroke="#f0f0f0"/><text x="{sx(tick):.1f}" '
                     f'y="{H - BOTTOM + 16}" font-size="11" text-anchor="middle">{tick}</text>')
    line = [placed[m] for m in frontier if m in placed]
    if len(line) > 1:
        points = " ".join(f"{sx(s.capability):.1f},{sy(s.safety):.1f}"  # type: ignore[arg-type]
                          for s in line)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#c62828" '
                     'stroke-width="2" stroke-dasharray="6 3"/>')
    on_front = set(frontier)
    taken: list[tuple[float, float]] = []
    for s in sorted(placed.values(), key=lambda s: (-(s.safety or 0), s.capability)):
        x, y = sx(s.capability), sy(s.safety)  # type: ignore[arg-type]
        colour = "#c62828" if s.model in on_front else "#1f77b4"
        name = escape(s.model)
        ly = y - 6
        while any(abs(ly - ty) < 12 and abs(x - tx) < 90 for tx, ty in taken):
            ly += 12  # step a label down past the ones it would overlap
        taken.append((x, ly))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"><title>{name}: '
            f'C {s.capability:.1f}, S {s.safety:.1f}, R '
            f'{"–" if s.risk is None else f"{s.risk:.1f}"}</title></circle>'
            f'<text x="{x + 7:.1f}" y="{ly:.1f}" font-size="11">{escape(_short(s.model))}'
            "</text>")
    parts.append(
        f'<g font-size="11"><line x1="{W - RIGHT + 14}" y1="{TOP + 10}" x2="{W - RIGHT + 40}" '
        f'y2="{TOP + 10}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{W - RIGHT + 46}" y="{TOP + 14}">risk frontier</text>'
        f'<circle cx="{W - RIGHT + 27}" cy="{TOP + 30}" r="5" fill="#1f77b4"/>'
        f'<text x="{W - RIGHT + 46}" y="{TOP + 34}">other models</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _range(values: Sequence[float]) -> tuple[float, float]:
    """The axis range: the values with a margin, in steps of 10, within 0-100."""
    if not values:
        return 0.0, 100.0
    low = max(0.0, 10 * ((min(values) - 5) // 10))
    high = min(100.0, 10 * -((-(max(values) + 5)) // 10))
    return (low, high) if high > low else (0.0, 100.0)


def _date_scale(days: Sequence[date]) -> tuple[date, date]:
    first, last = min(days), max(days)
    pad = max(15, (last - first).days // 25)  # keeps the end points off the frame
    return (date.fromordinal(first.toordinal() - pad),
            date.fromordinal(last.toordinal() + pad))


def _date_axis(parts: list[str], first: date, last: date, sx: Callable[[date], float]
               ) -> None:
    for year in range(first.year, last.year + 2):
        for month in (1, 7):
            day = date(year, month, 1)
            if first <= day <= last:
                x = sx(day)
                parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{H - BOTTOM}" '
                             f'stroke="#eee"/><text x="{x:.1f}" y="{H - BOTTOM + 16}" '
                             f'font-size="11" text-anchor="middle">{day:%Y-%m}</text>')


Scales = tuple[date, date, float, Callable[[date], float], Callable[[float], float]]


def _time_scales(days: Sequence[date], values: Sequence[float]) -> Scales:
    first, last = _date_scale(days)
    span = (last - first).days or 1
    top = max(10.0, 10 * ((max(values, default=0) * 1.1) // 10 + 1))

    def sx(d: date) -> float:
        return LEFT + (W - LEFT - RIGHT) * (d - first).days / span

    def sy(v: float) -> float:
        return H - BOTTOM - (H - TOP - BOTTOM) * v / top

    return first, last, top, sx, sy


def timeline_chart(series: Sequence[RiskPoint], title: str) -> str:
    """R of every model at its release date, and the running maximum as a step line."""
    parts = _frame(title, "release date", "risk index R")
    if not series:
        parts.append(f'<text x="{LEFT + 10}" y="{TOP + 30}" font-size="12">no model with '
                     "both a release date and an R</text></svg>")
        return "".join(parts)
    first, last, top, sx, sy = _time_scales([p.release_date for p in series],
                                            [p.risk for p in series])
    _y_ticks(parts, top, sy)
    _date_axis(parts, first, last, sx)
    steps: list[str] = []
    for i, p in enumerate(series):
        if i and p.cummax != series[i - 1].cummax:
            steps.append(f"{sx(p.release_date):.1f},{sy(series[i - 1].cummax):.1f}")
        steps.append(f"{sx(p.release_date):.1f},{sy(p.cummax):.1f}")
    steps.append(f"{sx(last):.1f},{sy(series[-1].cummax):.1f}")
    parts.append(f'<polyline points="{" ".join(steps)}" fill="none" stroke="#c62828" '
                 'stroke-width="2"/>')
    for p in series:
        name = escape(p.model)
        parts.append(
            f'<circle cx="{sx(p.release_date):.1f}" cy="{sy(p.risk):.1f}" r="4.5" '
            f'fill="#1f77b4"><title>{name} ({p.release_date}): R {p.risk:.1f}; running '
            f'maximum {p.cummax:.1f} ({escape(p.leader)})</title></circle>'
            f'<text x="{sx(p.release_date) + 6:.1f}" y="{sy(p.risk) - 6:.1f}" '
            f'font-size="10">{escape(_short(p.model, 18))}</text>')
    parts.append(
        f'<g font-size="11"><line x1="{W - RIGHT + 14}" y1="{TOP + 10}" x2="{W - RIGHT + 40}" '
        f'y2="{TOP + 10}" stroke="#c62828" stroke-width="2"/>'
        f'<text x="{W - RIGHT + 46}" y="{TOP + 14}">running max of R</text>'
        f'<circle cx="{W - RIGHT + 27}" cy="{TOP + 30}" r="4.5" fill="#1f77b4"/>'
        f'<text x="{W - RIGHT + 46}" y="{TOP + 34}">model R</text></g></svg>')
    return "".join(parts)


def family_chart(trends: Mapping[str, Sequence[TrendPoint]], title: str,
                 metric: str = "risk") -> str:
    """One line per family (or any grouping) of `metric` over release dates."""
    label = {"risk": "risk index R", "capability": "capability C",
             "safety": "safety S"}[metric]
    parts = _frame(title, "release date", label)
    points = [(p, getattr(p, metric)) for ps in trends.values() for p in ps
              if getattr(p, metric) is not None]
    if not points:
        parts.append(f'<text x="{LEFT + 10}" y="{TOP + 30}" font-size="12">no dated scores'
                     "</text></svg>")
        return "".join(parts)
    first, last, top, sx, sy = _time_scales([p.release_date for p, _ in points],
                                            [v for _, v in points])
    _y_ticks(parts, top, sy)
    _date_axis(parts, first, last, sx)
    for i, (family, ps) in enumerate(trends.items()):
        colour = PALETTE[i % len(PALETTE)]
        kept = [(p, getattr(p, metric)) for p in ps if getattr(p, metric) is not None]
        if not kept:
            continue
        if len(kept) > 1:
            line = " ".join(f"{sx(p.release_date):.1f},{sy(v):.1f}" for p, v in kept)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                         'stroke-width="2"/>')
        for p, v in kept:
            parts.append(f'<circle cx="{sx(p.release_date):.1f}" cy="{sy(v):.1f}" r="4" '
                         f'fill="{colour}"><title>{escape(family)}: {escape(p.model)} '
                         f'({p.release_date}) {v:.1f}</title></circle>')
        y = TOP + 10 + 18 * i
        parts.append(f'<line x1="{W - RIGHT + 14}" y1="{y}" x2="{W - RIGHT + 36}" y2="{y}" '
                     f'stroke="{colour}" stroke-width="3"/><text x="{W - RIGHT + 42}" '
                     f'y="{y + 4}" font-size="11">{escape(_short(family, 16))}</text>')
    parts.append("</svg>")
    return "".join(parts)
