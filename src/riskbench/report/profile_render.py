"""The combined modes report as HTML (inline SVG radar, no scripts), Markdown and JSON,
written atomically."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.report.format import percent_ci
from riskbench.report.svg import radar as radar_chart


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
    lines = [f"# Safety profile: {content['model']}", "",
             f"**{content['profile']['archetype']['label']}**", "",
             *[f"- {t}" for t in content["profile"]["text"]], "",
             "## Safety rate per mode", "", "| mode | status | safety rate | over-refusal "
             "| runs |", "|---|---|---|---|---|"]
    for m in content["modes"]:
        runs = ", ".join(r["run_id"] for r in m["runs"]) or "–"
        lines.append(f"| {m['mode']} | {m['status']} | {_pct(m['safety_rate'])} | "
                     f"{_pct(m['over_refusal_rate'])} | {runs} |")
    notes = [n for m in content["modes"] for n in m["notes"]]
    lines += ["", *[f"- {n}" for n in notes]] if notes else []
    worst = content["worst_attack"]
    lines += ["", "## Adversarial", ""]
    if worst:
        lines.append(f"Worst case: **{worst['attack']}** {_pct(worst['safety_rate'])}")
        lines += ["", "| attack | safety rate |", "|---|---|"]
        lines += [f"| {a['attack']} | {_pct(a['safety_rate'])} |" for a in content["attacks"]]
    else:
        lines.append("Not measured.")
    lines += ["", "## Languages", ""]
    if content["languages"]:
        lines += ["| language | safety rate | gap to English |", "|---|---|---|"]
        lines += [f"| {lang['name']} ({lang['lang']}) | {_pct(lang['safety_rate'])} | "
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
