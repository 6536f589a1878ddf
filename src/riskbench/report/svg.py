"""The one SVG chart kit of reports and the dashboard: bar, scatter with a frontier,
timeline, family lines, radar, heat map. Inline SVG with no script, so the HTML report opens
offline and the dashboard keeps a Content-Security-Policy that forbids scripts.

What every chart does the same way: axes fit the data (padded, on nice ticks: 1, 2, 2.5,
5 x 10^n), date axes carry at least three ticks, and point labels never overlap: a
placement pass sorts them by y, tries nearby positions on both sides of the point and
draws a leader line when a label had to move. Text width is estimated as characters x
font size x 0.6, wider than system-ui's glyphs. Every text is escaped: model names come
from user files."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

W, H = 720, 440
LEFT, RIGHT, TOP, BOTTOM = 56, 160, 36, 44
FONT = 11
RED, BLUE = "#c62828", "#1f77b4"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")


@dataclass(frozen=True, slots=True)
class Point:
    """One model in a chart; `label` and `tip` are shown as text, never as markup."""

    x: float
    y: float
    label: str
    tip: str = ""


Dated = tuple[date, float, str]  # (release date, value, model)


def short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * 0.6


# -- scales ------------------------------------------------------------------------------

def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5, 10 x 10^n at least `raw`."""
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)


def nice_axis(values: Sequence[float], bounds: tuple[float, float] = (0.0, 100.0),
              count: int = 5) -> tuple[float, float, list[float]]:
    """(low, high, ticks) around `values`: padded by 8 % of their span (at least 2 units)
    so no point sits on the frame, rounded out to a nice step, kept within `bounds`."""
    if not values:
        low, high = bounds
    else:
        low, high = min(values), max(values)
        pad = max(0.08 * (high - low), 2.0)
        low, high = max(bounds[0], low - pad), min(bounds[1], high + pad)
    step = nice_step((high - low) / count)
    low = max(bounds[0], math.floor(low / step + 1e-9) * step)
    high = min(bounds[1], math.ceil(high / step - 1e-9) * step)
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    return low, high, ticks


def tick_text(value: float) -> str:
    return f"{value:g}"


def date_axis(days: Sequence[date]) -> tuple[date, date, list[tuple[date, str]]]:
    """(first, last, ticks) for release dates: padded so the end points stay off the
    frame and the span holds at least three month starts; ticks every 1, 2, 3, 6, 12 or
    24 months, the densest that keeps at most seven."""
    first, last = min(days), max(days)
    pad = max(45, (last - first).days // 20)
    first = date.fromordinal(first.toordinal() - pad)
    last = date.fromordinal(last.toordinal() + pad)
    months = [date(y, m, 1) for y in range(first.year, last.year + 1) for m in range(1, 13)
              if first <= date(y, m, 1) <= last]
    for step in (1, 2, 3, 6, 12, 24):
        ticks = [d for d in months if (d.year * 12 + d.month - 1) % step == 0]
        if len(ticks) <= 7:
            break
    fmt = "%Y" if step >= 12 else "%Y-%m"
    return first, last, [(d, d.strftime(fmt)) for d in ticks]


# -- label placement ---------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(anchors: Sequence[tuple[float, float, str]], size: float = FONT,
                 area: Box = (LEFT + 2, TOP, W - RIGHT + 8, H - BOTTOM), radius: float = 5
                 ) -> list[tuple[float, float, str, bool] | None]:
    """(x, baseline y, text-anchor, leader?) per anchor (x, y, text), in input order.
    Labels go to the right of their point (left when they would leave `area`); in order
    of y, each takes the nearest position, stepping half a line up or down and trying
    both sides, whose box overlaps no label placed before and no point. A label with no
    free place within ten lines is left out (None): its point keeps the name as a
    tooltip, and no label is ever drawn over another."""
    boxes: list[Box] = [(x - radius, y - radius, x + radius, y + radius)
                        for x, y, _ in anchors]
    placed: list[Box] = []
    out: list[tuple[float, float, str, bool] | None] = [None] * len(anchors)
    order = sorted(range(len(anchors)), key=lambda i: (anchors[i][1], anchors[i][0]))
    for i in order:
        x, y, text = anchors[i]
        width = text_width(text, size) + 2
        for k in range(41):
            dy = (k + 1) // 2 * size * 0.5 * (1 if k % 2 else -1)
            base = y - 6 + dy
            if not area[1] + size <= base <= area[3] + size * 0.3:
                continue
            for side in ("start", "end"):
                x0 = x + radius + 2 if side == "start" else x - radius - 2 - width
                box = (x0, base - size, x0 + width, base + size * 0.3 + 1)
                if x0 < area[0] or x0 + width > area[2] \
                        or any(_overlaps(box, b) for b in placed) \
                        or any(_overlaps(box, b) for n, b in enumerate(boxes) if n != i):
                    continue
                out[i] = (x0 if side == "start" else x0 + width, base, side, abs(dy) > size)
                placed.append(box)
                break
            if out[i] is not None:
                break
    return out


def _labels(anchors: Sequence[tuple[float, float, str]], size: float = FONT) -> list[str]:
    parts = []
    for (x, y, text), spot in zip(anchors, place_labels(anchors, size), strict=True):
        if spot is None:
            continue
        lx, ly, side, leader = spot
        if leader:
            tx = lx - 1 if side == "start" else lx + 1
            parts.append(f'<line class="leader" x1="{x:.1f}" y1="{y:.1f}" x2="{tx:.1f}" '
                         f'y2="{ly - size * 0.35:.1f}" stroke="#999" stroke-width="0.7"/>')
        parts.append(f'<text class="label" x="{lx:.1f}" y="{ly:.1f}" font-size="{size}" '
                     f'text-anchor="{side}">{escape(text)}</text>')
    return parts


# -- frame -------------------------------------------------------------------------------

class Plane:
    """The plot area of a chart: value axes mapped to pixels, grid and axis labels."""

    def __init__(self, x: tuple[float, float], y: tuple[float, float]) -> None:
        self.x, self.y = x, y

    def sx(self, v: float) -> float:
        x0, x1 = self.x
        return LEFT + (W - LEFT - RIGHT) * (v - x0) / ((x1 - x0) or 1)

    def sy(self, v: float) -> float:
        y0, y1 = self.y
        return H - BOTTOM - (H - TOP - BOTTOM) * (v - y0) / ((y1 - y0) or 1)


def _open(title: str, x_label: str, y_label: str) -> list[str]:
    mid = TOP + (H - TOP - BOTTOM) / 2
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-weight="bold" font-size="14">{escape(title)}</text>',
        f'<text x="{LEFT + (W - LEFT - RIGHT) / 2:.0f}" y="{H - 6}" font-size="12" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{mid:.0f}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid:.0f})">{escape(y_label)}</text>',
    ]


def _grid(plane: Plane, x_ticks: Sequence[tuple[float, str]], y_ticks: Sequence[float]
          ) -> list[str]:
    parts = []
    for tick in y_ticks:
        y = plane.sy(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" '
                     f'y2="{y:.1f}" stroke="#e5e5e5"/><text class="tick" x="{LEFT - 6}" '
                     f'y="{y + 4:.1f}" font-size="11" text-anchor="end">{tick_text(tick)}'
                     "</text>")
    for value, label in x_ticks:
        x = plane.sx(value)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" '
                     f'y2="{H - BOTTOM}" stroke="#eee"/><text class="tick" x="{x:.1f}" '
                     f'y="{H - BOTTOM + 16}" font-size="11" text-anchor="middle">'
                     f"{escape(label)}</text>")
    parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" '
                 f'height="{H - TOP - BOTTOM}" fill="none" stroke="#999"/>')
    return parts


def _legend(entries: Sequence[tuple[str, str, str]]) -> str:
    """(colour, label, mark) with mark line | dash | dot | ring."""
    x0 = W - RIGHT + 14
    out = ['<g class="legend" font-size="11">']
    for i, (colour, label, mark) in enumerate(entries):
        y = TOP + 10 + 18 * i
        if mark in ("dot", "ring"):
            fill = colour if mark == "dot" else "#fff"
            out.append(f'<circle cx="{x0 + 13}" cy="{y}" r="4.5" fill="{fill}" '
                       f'stroke="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 3"' if mark == "dash" else ""
            out.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + 26}" y2="{y}" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{x0 + 32}" y="{y + 4}">{escape(short(label, 18))}</text>')
    out.append("</g>")
    return "".join(out)


def _empty(parts: list[str], message: str) -> str:
    parts.append(f'<text x="{LEFT + 10}" y="{TOP + 30}" font-size="12">{escape(message)}'
                 "</text></svg>")
    return "".join(parts)


# -- charts ------------------------------------------------------------------------------

def bar(rows: Sequence[Mapping[str, Any]], metric: str, title: str) -> str:
    """Horizontal bars of a rate per row on 0-100 % (a bar's length is its value, so the
    axis starts at 0), the 95 % interval as a whisker."""
    rows = [r for r in rows if r.get(metric)]
    label_w, bar_w, row_h, top = 260, 420, 26, 34
    height = top + row_h * len(rows) + 30
    width = label_w + bar_w + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-weight="bold" font-size="14">{escape(title)}</text>',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + bar_w * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" '
                     f'y2="{height - 24}" stroke="#ddd"/>'
                     f'<text x="{x:.1f}" y="{height - 8}" font-size="11" '
                     f'text-anchor="middle">{tick}%</text>')
    for i, row in enumerate(rows):
        score = row[metric]
        y = top + i * row_h
        value, low, high = (100 * score[k] for k in ("value", "low", "high"))
        colour = "#2e7d32" if value >= 90 else "#f9a825" if value >= 60 else RED
        label = escape(short(str(row.get("label") or row["key"]), 32))
        parts += [
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end">{label}'
            "</text>",
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * value / 100:.1f}" height="16" '
            f'fill="{colour}"><title>{label}: {value:.1f}% '
            f'(95% CI {low:.1f}-{high:.1f}, n={score["n"]})</title></rect>',
            f'<line x1="{label_w + bar_w * low / 100:.1f}" y1="{y + 12}" '
            f'x2="{label_w + bar_w * high / 100:.1f}" y2="{y + 12}" stroke="#222"/>',
            f'<text x="{label_w + bar_w + 8}" y="{y + 16}" font-size="12">{value:.0f}%</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def scatter(points: Sequence[Point], frontier: Sequence[str], title: str,
            x_label: str = "capability C (0-100)", y_label: str = "safety S (0-100)") -> str:
    """Capability (x) against safety (y), both axes fitted to the models; the risk Pareto
    frontier (no other model both more capable and less safe) as a dashed line through
    its models in the order given (capability ascending), its models filled."""
    parts = _open(title, x_label, y_label)
    if not points:
        return _empty(parts, "no model with both a capability and a safety score")
    x0, x1, xt = nice_axis([p.x for p in points])
    y0, y1, yt = nice_axis([p.y for p in points])
    plane = Plane((x0, x1), (y0, y1))
    parts += _grid(plane, [(t, tick_text(t)) for t in xt], yt)
    by_label = {p.label: p for p in points}
    line = [by_label[m] for m in frontier if m in by_label]
    if line:
        coords = " ".join(f"{plane.sx(p.x):.1f},{plane.sy(p.y):.1f}" for p in line)
        parts.append(f'<polyline class="frontier" points="{coords}" fill="none" '
                     f'stroke="{RED}" stroke-width="2" stroke-dasharray="6 3">'
                     f"<title>risk Pareto frontier: {escape(', '.join(frontier))}</title>"
                     "</polyline>")
    on_front = set(frontier)
    for p in points:
        hit = p.label in on_front
        parts.append(
            f'<circle class="point{" on-frontier" if hit else ""}" cx="{plane.sx(p.x):.1f}" '
            f'cy="{plane.sy(p.y):.1f}" r="5" fill="{RED if hit else "#fff"}" '
            f'stroke="{RED if hit else BLUE}" stroke-width="1.5">'
            f"<title>{escape(p.tip or p.label)}</title></circle>")
    parts += _labels([(plane.sx(p.x), plane.sy(p.y), short(p.label)) for p in points])
    parts.append(_legend([(RED, "risk frontier", "dash"), (RED, "on the frontier", "dot"),
                          (BLUE, "other models", "ring")]))
    parts.append("</svg>")
    return "".join(parts)


def _time_plane(days: Sequence[date], values: Sequence[float]
                ) -> tuple[Plane, list[tuple[float, str]], list[float], date]:
    first, last, dticks = date_axis(days)
    y0, y1, yt = nice_axis(values)
    plane = Plane((first.toordinal(), last.toordinal()), (y0, y1))
    return plane, [(d.toordinal(), text) for d, text in dticks], yt, last


def _steps(plane: Plane, cummax: Sequence[Dated], last: date, colour: str = RED) -> str:
    """The running maximum as a step line to the right edge."""
    steps: list[str] = []
    ordered = sorted(cummax)
    for i, (d, value, _) in enumerate(ordered):
        x = plane.sx(d.toordinal())
        if i and value != ordered[i - 1][1]:
            steps.append(f"{x:.1f},{plane.sy(ordered[i - 1][1]):.1f}")
        steps.append(f"{x:.1f},{plane.sy(value):.1f}")
    steps.append(f"{plane.sx(last.toordinal()):.1f},{plane.sy(ordered[-1][1]):.1f}")
    leaders = ", ".join(dict.fromkeys(leader for _, _, leader in ordered))
    return (f'<polyline class="cummax" points="{" ".join(steps)}" fill="none" '
            f'stroke="{colour}" '
            f'stroke-width="2"><title>running maximum of R; leaders: {escape(leaders)}'
            "</title></polyline>")


def timeline(points: Sequence[Dated], cummax: Sequence[Dated], title: str,
             y_label: str = "risk index R") -> str:
    """Every model's value at its release date, labelled, and the running maximum as a
    step line."""
    parts = _open(title, "release date", y_label)
    if not points:
        return _empty(parts, "no model with both a release date and an R")
    plane, xt, yt, last = _time_plane([d for d, _, _ in points],
                                      [v for _, v, _ in (*points, *cummax)])
    parts += _grid(plane, xt, yt)
    if cummax:
        parts.append(_steps(plane, cummax, last))
    for d, value, model in points:
        parts.append(f'<circle class="trend-point" cx="{plane.sx(d.toordinal()):.1f}" '
                     f'cy="{plane.sy(value):.1f}" r="4.5" fill="{BLUE}"><title>'
                     f"{escape(model)} ({d}): {value:.1f}</title></circle>")
    parts += _labels([(plane.sx(d.toordinal()), plane.sy(v), short(m, 18))
                      for d, v, m in points], 10)
    parts.append(_legend([(RED, "running max of R", "line"), (BLUE, "model R", "dot")]))
    parts.append("</svg>")
    return "".join(parts)


def family_lines(families: Mapping[str, Sequence[Dated]], title: str,
                 y_label: str = "risk index R", cummax: Sequence[Dated] = ()) -> str:
    """One line per family (or any grouping) over release dates; with `cummax`, the
    running maximum as a step line over them."""
    parts = _open(title, "release date", y_label)
    kept = {f: sorted(s) for f, s in families.items() if s}
    dated = [p for s in kept.values() for p in s] + list(cummax)
    if not dated:
        return _empty(parts, "no dated scores")
    plane, xt, yt, last = _time_plane([d for d, _, _ in dated], [v for _, v, _ in dated])
    parts += _grid(plane, xt, yt)
    # the step line in black: the family palette holds a red of its own
    legend: list[tuple[str, str, str]] = [("#222", "running max of R", "line")] if cummax \
        else []
    for i, (family, series) in enumerate(kept.items()):
        colour = PALETTE[i % len(PALETTE)]
        legend.append((colour, family, "line"))
        if len(series) > 1:
            coords = " ".join(f"{plane.sx(d.toordinal()):.1f},{plane.sy(v):.1f}"
                              for d, v, _ in series)
            parts.append(f'<polyline class="family" points="{coords}" fill="none" '
                         f'stroke="{colour}" stroke-width="1.5"><title>{escape(family)}'
                         "</title></polyline>")
        for d, v, model in series:
            parts.append(f'<circle class="trend-point" cx="{plane.sx(d.toordinal()):.1f}" '
                         f'cy="{plane.sy(v):.1f}" r="4" fill="{colour}"><title>'
                         f"{escape(model)} ({escape(family)}), {d}: {v:.1f}</title></circle>")
    if cummax:
        parts.append(_steps(plane, cummax, last, "#222"))
    parts.append(_legend(legend[:20]))
    parts.append("</svg>")
    return "".join(parts)


def radar(axes: Sequence[tuple[str, float]], title: str = "Safety profile") -> str:
    """A rate (0-1) per axis on spokes from 0 % (centre) to 100 % (rim): a profile's
    shape compares across models only on one fixed scale."""
    width, height, radius = 560, 360, 120  # wide enough for the side labels
    cx, cy = width / 2, height / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}'
             "</title>"]
    count = max(len(axes), 1)

    def point(i: int, fraction: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / count
        return (cx + radius * fraction * math.cos(angle),
                cy + radius * fraction * math.sin(angle))

    for ring in (0.25, 0.5, 0.75, 1.0):
        ring_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in
                               (point(i, ring) for i in range(count)))
        parts.append(f'<polygon points="{ring_points}" fill="none" stroke="#ddd"/>')
    for i, (label, value) in enumerate(axes):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.22)
        anchor = "middle" if abs(lx - cx) < 10 else "start" if lx > cx else "end"
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" '
                     f'stroke="#bbb"/><text x="{lx:.1f}" y="{ly:.1f}" font-size="12" '
                     f'text-anchor="{anchor}">{escape(label)} {100 * value:.0f}%</text>')
    if axes:
        shape = " ".join(f"{x:.1f},{y:.1f}" for x, y in
                         (point(i, v) for i, (_, v) in enumerate(axes)))
        parts.append(f'<polygon class="profile" points="{shape}" fill="#1565c0" '
                     'fill-opacity="0.25" stroke="#1565c0" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["Point", "bar", "date_axis", "family_lines", "nice_axis", "place_labels",
           "radar", "scatter", "timeline"]


LEVEL_COLOURS = {"controllable": "#2e7d32", "low": "#7cb342", "medium": "#f9a825",
                 "high": "#c62828"}


def heatmap(rows: list[dict[str, Any]], keys: list[str], title: str) -> str:
    """Models (rows) x keys (columns) as coloured cells of their value in percent, the
    colour of the cell's risk level where it has one (else by value), pale where the cell
    is too small to grade; inline SVG."""
    label_w, cell_w, cell_h, top = 220, 58, 26, 120
    width, height = label_w + cell_w * len(keys) + 90, top + cell_h * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f"<title>{escape(title)}</title>"]
    for j, key in enumerate(keys):
        x = label_w + cell_w * j + cell_w / 2
        parts.append(f'<text x="{x:.0f}" y="{top - 8}" font-size="11" '
                     f'transform="rotate(-45 {x:.0f} {top - 8})">{escape(key[:24])}</text>')
    for i, row in enumerate(rows):
        y = top + cell_h * i
        label = str(row["label"])
        parts.append(f'<text x="{label_w - 8}" y="{y + 17}" font-size="12" '
                     f'text-anchor="end">{escape(label[:30])}</text>')
        for j, key in enumerate(keys):
            cell = row["cells"].get(key)
            x = label_w + cell_w * j
            if cell is None:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}"'
                             ' fill="#eee"/>')
                continue
            value = 100 * cell["value"]
            level = cell.get("risk_level")
            graded = level in LEVEL_COLOURS  # an "insufficient" cell is drawn pale
            colour = LEVEL_COLOURS[level] if graded else "#2e7d32" if value >= 90 \
                else "#f9a825" if value >= 60 else "#c62828"
            opacity = "" if graded or level is None else ' fill-opacity="0.45"'
            tip = (f"{label} / {key}: {value:.1f}% (n={cell['n']}"
                   f"{', ' + level if level else ''})")
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                         f'fill="{colour}"{opacity}><title>{escape(tip)}</title></rect>'
                         f'<text x="{x + cell_w / 2 - 1:.0f}" y="{y + 17}" font-size="11" '
                         f'text-anchor="middle" fill="#fff">{value:.0f}</text>')
    parts.append("</svg>")
    return "".join(parts)
