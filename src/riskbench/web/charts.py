"""The dashboard's charts as server-rendered SVG: pages draw with no script at all, so
a strict Content-Security-Policy can forbid scripts outright. Every label is escaped.

C, S and R all live on 0-100 (R = C x (1 - beta x S / 100) <= C), so the axes are fixed
and charts of different domains compare at a glance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e",
           "#ad1457", "#558b2f", "#283593")
W, H = 640, 420
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 36, 48


@dataclass(frozen=True, slots=True)
class Point:
    """One model in a chart; `label` and `tip` are shown as text, never as markup."""

    x: float
    y: float
    label: str
    tip: str = ""


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _frame(title: str, x_label: str, y_label: str, x_ticks: Sequence[tuple[float, str]]
           ) -> list[str]:
    """Axes, grid and labels of a chart whose plot area maps 0-1 on both axes."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-weight="bold" font-size="14">{escape(title)}</text>',
    ]
    for tick in (0, 25, 50, 75, 100):
        y = TOP + ph * (1 - tick / 100)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" '
                     f'y2="{y:.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{tick}</text>')
    for frac, label in x_ticks:
        x = LEFT + pw * frac
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" '
                     f'y2="{TOP + ph}" stroke="#e4e4e4"/>'
                     f'<text x="{x:.1f}" y="{TOP + ph + 16}" font-size="11" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts += [
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>',
        f'<text x="{LEFT + pw / 2:.1f}" y="{H - 10}" font-size="12" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{TOP + ph / 2:.1f}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + ph / 2:.1f})">{escape(y_label)}</text>',
    ]
    return parts


def _xy(fx: float, fy: float) -> tuple[float, float]:
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    fx, fy = min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0)
    return LEFT + pw * fx, TOP + ph * (1 - fy)


def frontier_scatter(points: Sequence[Point], frontier: Sequence[str], title: str) -> str:
    """Capability (x) against safety (y), one circle per model; the risk Pareto frontier
    (no other model both more capable and less safe) as a line through its models,
    by capability ascending. Frontier models are drawn filled."""
    on_frontier = set(frontier)
    parts = _frame(title, "capability C (0-100)", "safety S (0-100)",
                   [(t / 100, str(t)) for t in (0, 25, 50, 75, 100)])
    by_label = {p.label: p for p in points}
    line = [by_label[m] for m in frontier if m in by_label]
    if line:
        coords = " ".join("{:.1f},{:.1f}".format(*_xy(p.x / 100, p.y / 100)) for p in line)
        parts.append(f'<polyline class="frontier" points="{coords}" fill="none" '
                     f'stroke="#c62828" stroke-width="2" stroke-dasharray="6 3">'
                     f"<title>risk Pareto frontier: {escape(', '.join(frontier))}</title>"
                     "</polyline>")
    for p in points:
        x, y = _xy(p.x / 100, p.y / 100)
        hit = p.label in on_frontier
        parts.append(
            f'<circle class="point{" on-frontier" if hit else ""}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="5" fill="{"#c62828" if hit else "#fff"}" stroke="#c62828">'
            f"<title>{escape(p.tip or p.label)}</title></circle>"
            f'<text x="{x + 7:.1f}" y="{y - 6:.1f}" font-size="11">{escape(_short(p.label))}'
            "</text>"
        )
    parts.append(_legend([("#c62828", "on the frontier", "dash"),
                          ("#fff", "other models", "circle")]))
    parts.append("</svg>")
    return "".join(parts)


def _legend(entries: Sequence[tuple[str, str, str]]) -> str:
    x0 = W - RIGHT + 12
    out = ['<g class="legend">']
    for i, (colour, label, mark) in enumerate(entries):
        y = TOP + 8 + 18 * i
        if mark == "circle":
            out.append(f'<circle cx="{x0 + 8}" cy="{y}" r="4" fill="{colour}" '
                       'stroke="#c62828"/>')
        else:
            dash = ' stroke-dasharray="6 3"' if mark == "dash" else ""
            out.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + 16}" y2="{y}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{x0 + 22}" y="{y + 4}" font-size="11">'
                   f"{escape(_short(label, 18))}</text>")
    out.append("</g>")
    return "".join(out)


def risk_trend(cummax: Sequence[tuple[date, float, str]],
               families: Mapping[str, Sequence[tuple[date, float, str]]], title: str) -> str:
    """Risk R by release date: the running maximum as a step line (the frontier of risk
    over time) and one line per family. Each tuple is (release date, R, model)."""
    dates = [d for d, _, _ in cummax] + [d for s in families.values() for d, _, _ in s]
    if not dates:
        return ""
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def fx(d: date) -> float:
        return (d - first).days / span if last > first else 0.5

    years = range(first.year + (first.month > 1 or first.day > 1), last.year + 1)
    ticks = [(fx(date(y, 1, 1)), str(y)) for y in years]
    if not ticks:
        ticks = [(fx(first), first.isoformat())]
    parts = _frame(title, "release date", "risk R (0-100)", ticks)
    legend: list[tuple[str, str, str]] = [("#222", "cumulative max R", "line")]
    for i, (family, series) in enumerate(sorted(families.items())):
        colour = PALETTE[i % len(PALETTE)]
        legend.append((colour, family, "line"))
        ordered = sorted(series)
        coords = " ".join("{:.1f},{:.1f}".format(*_xy(fx(d), r / 100)) for d, r, _ in ordered)
        if len(ordered) > 1:
            parts.append(f'<polyline class="family" points="{coords}" fill="none" '
                         f'stroke="{colour}" stroke-width="1.5">'
                         f"<title>{escape(family)}</title></polyline>")
        for d, r, model in ordered:
            x, y = _xy(fx(d), r / 100)
            parts.append(f'<circle class="trend-point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
                         f'fill="{colour}"><title>{escape(model)} ({escape(family)}), '
                         f"{d.isoformat()}: R = {r:.1f}</title></circle>")
    steps: list[str] = []
    previous: float | None = None
    for d, value, _leader in sorted(cummax):
        x, y = _xy(fx(d), value / 100)
        if previous is not None:
            steps.append(f"{x:.1f},{_xy(0, previous / 100)[1]:.1f}")
        steps.append(f"{x:.1f},{y:.1f}")
        previous = value
    if steps:
        leaders = ", ".join(dict.fromkeys(leader for _, _, leader in sorted(cummax)))
        parts.append(f'<polyline class="cummax" points="{" ".join(steps)}" fill="none" '
                     f'stroke="#222" stroke-width="2"><title>cumulative maximum of R; '
                     f"leaders: {escape(leaders)}</title></polyline>")
    parts.append(_legend(legend[:12]))
    parts.append("</svg>")
    return "".join(parts)
