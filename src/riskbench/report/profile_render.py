"""The combined modes report as HTML (inline SVG radar, no scripts), Markdown and JSON,
written atomically."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.escaping import markdown_cell
from riskbench.report.format import percent_ci


def radar_chart(axes: list[tuple[str, float]], title: str = "Safety profile") -> str:
    """Safety rate per mode on spokes from 0 % (centre) to 100 % (rim)."""
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


def _pct(rate: dict[str, Any] | None) -> str:
    if not rate:
        return "–"
    return f"{percent_ci(rate['value'], rate['low'], rate['high'])} n={rate['n']}"


def _gap(gap: dict[str, Any] | None) -> str:
    if not gap:
        return "–"
    return f"{100 * gap['value']:+.1f} pts [{100 * gap['low']:+.0f}, {100 * gap['high']:+.0f}]"


def axes(content: dict[str, Any]) -> list[tuple[str, float]]:
    return [(m["mode"], m["safety_rate"]["value"]) for m in content["modes"]
            if m["safety_rate"]]


def markdown(content: dict[str, Any]) -> str:
    cell = markdown_cell  # the model spec, attack and language names are user data
    lines = [f"# Safety profile: {cell(content['model'])}", "",
             f"**{content['profile']['archetype']['label']}**", "",
             *[f"- {t}" for t in content["profile"]["text"]], "",
             "## Safety rate per mode", "", "| mode | status | safety rate | over-refusal "
             "| runs |", "|---|---|---|---|---|"]
    for m in content["modes"]:
        runs = ", ".join(r["run_id"] for r in m["runs"]) or "–"
        lines.append(f"| {cell(m['mode'])} | {m['status']} | {_pct(m['safety_rate'])} | "
                     f"{_pct(m['over_refusal_rate'])} | {runs} |")
    notes = [n for m in content["modes"] for n in m["notes"]]
    lines += ["", *[f"- {cell(n)}" for n in notes]] if notes else []
    worst = content["worst_attack"]
    lines += ["", "## Adversarial", ""]
    if worst:
        lines.append(f"Worst case: **{cell(worst['attack'])}** {_pct(worst['safety_rate'])}")
        lines += ["", "| attack | safety rate |", "|---|---|"]
        lines += [f"| {cell(a['attack'])} | {_pct(a['safety_rate'])} |"
                  for a in content["attacks"]]
    else:
        lines.append("Not measured.")
    lines += ["", "## Languages", ""]
    if content["languages"]:
        lines += ["| language | safety rate | gap to English |", "|---|---|---|"]
        lines += [f"| {cell(lang['name'])} ({cell(lang['lang'])}) | {_pct(lang['safety_rate'])} | "
                  f"{_gap(lang['gap_to_en'])} |" for lang in content["languages"]]
    else:
        lines.append("Not measured.")
    return "\n".join(lines) + "\n"


def html(content: dict[str, Any]) -> str:
    e = escape
    profile = content["profile"]
    mode_rows = "".join(
        f"<tr><td>{e(m['mode'])}</td><td>{e(m['status'])}</td>"
        f"<td>{e(_pct(m['safety_rate']))}</td><td>{e(_pct(m['over_refusal_rate']))}</td>"
        f"<td>{e(', '.join(r['run_id'] for r in m['runs']) or '–')}</td></tr>"
        for m in content["modes"])
    notes = "".join(f"<li>{e(n)}</li>" for m in content["modes"] for n in m["notes"])
    attack_rows = "".join(f"<tr><td>{e(a['attack'])}</td><td>{e(_pct(a['safety_rate']))}"
                          "</td></tr>" for a in content["attacks"])
    lang_rows = "".join(
        f'<tr><td dir="auto">{e(lang["name"])} ({e(lang["lang"])})</td>'
        f"<td>{e(_pct(lang['safety_rate']))}</td>"
        f"<td>{e(_gap(lang['gap_to_en']))}</td></tr>" for lang in content["languages"])
    worst = content["worst_attack"]
    worst_line = (f"<p>Worst case: <b>{e(worst['attack'])}</b> "
                  f"{e(_pct(worst['safety_rate']))}</p>" if worst else "<p>Not measured.</p>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        'style-src \'unsafe-inline\'; img-src data:">'
        f"<title>Safety profile: {e(content['model'])}</title><style>"
        "body{font-family:system-ui,'Noto Sans','Noto Sans Arabic','Noto Sans CJK SC',"
        "sans-serif;max-width:60rem;margin:2rem auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
        "</style></head><body>"
        f"<h1>Safety profile: {e(content['model'])}</h1>"
        f"<h2>{e(profile['archetype']['label'])}</h2>"
        f"{radar_chart(axes(content))}"
        f"<ul>{''.join(f'<li>{e(t)}</li>' for t in profile['text'])}</ul>"
        "<h2>Safety rate per mode</h2><table><tr><th>mode</th><th>status</th>"
        f"<th>safety rate</th><th>over-refusal</th><th>runs</th></tr>{mode_rows}</table>"
        f"{'<ul>' + notes + '</ul>' if notes else ''}"
        f"<h2>Adversarial</h2>{worst_line}"
        + (f"<table><tr><th>attack</th><th>safety rate</th></tr>{attack_rows}</table>"
           if attack_rows else "")
        + "<h2>Languages</h2>"
        + (f"<table><tr><th>language</th><th>safety rate</th><th>gap to English</th></tr>"
           f"{lang_rows}</table>" if lang_rows else "<p>Not measured.</p>")
        + "</body></html>")


def write(content: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "profile.html", "markdown": out_dir / "profile.md",
             "json": out_dir / "profile.json"}
    write_atomic(paths["html"], html(content))
    write_atomic(paths["markdown"], markdown(content))
    write_atomic(paths["json"], json.dumps(content, indent=2, ensure_ascii=False))
    return paths


__all__ = ["axes", "html", "markdown", "radar_chart", "write"]
