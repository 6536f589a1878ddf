"""The combined modes report as HTML (inline SVG radar, no scripts), Markdown and JSON,
written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.escaping import markdown_cell
from riskbench.report.format import percent_ci
from riskbench.report.svg import radar as radar_chart
from riskbench.report.templating import environment

_env = environment("riskbench.report")


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
    return _env.get_template("profile.html.j2").render(
        **content, radar=radar_chart(axes(content)), pct=_pct, gap=_gap)


def write(content: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "profile.html", "markdown": out_dir / "profile.md",
             "json": out_dir / "profile.json"}
    write_atomic(paths["html"], html(content))
    write_atomic(paths["markdown"], markdown(content))
    write_atomic(paths["json"], json.dumps(content, indent=2, ensure_ascii=False))
    return paths


__all__ = ["axes", "html", "markdown", "radar_chart", "write"]
