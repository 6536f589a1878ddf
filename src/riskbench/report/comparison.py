"""The comparison report of several runs (a campaign): HTML, Markdown, JSON and one CSV
per table, written from a `metrics.Comparison` alone. Model names and every other
model-derived string are escaped in each format (they can be hostile)."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.escaping import csv_text
from riskbench.metrics.campaign import Comparison
from riskbench.report.charts import bar_chart
from riskbench.report.format import percent, percent_ci
from riskbench.report.markdown import _cell as md_cell
from riskbench.report.templating import environment

_env = environment("riskbench.report")

LEVEL_COLOURS = {"controllable": "#2e7d32", "low": "#7cb342", "medium": "#f9a825",
                 "high": "#c62828"}


def _pct(cell: dict[str, Any] | None) -> str:
    return percent_ci(cell["value"], cell["low"], cell["high"]) if cell else "–"


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


def _level_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {level}" for level, n in counts.items())


def _pair_rows(c: Comparison) -> list[dict[str, Any]]:
    return [{**p.to_json(), "mark": "*" if p.significant else ""} for p in c.paired]


def render_markdown(c: Comparison) -> str:
    lines = [f"# Comparison: {md_cell(c.title)}", "",
             f"Risk levels (Secure@k): {_level_line(c.level_counts)}.", "",
             "## Ranking by Secure@k", "",
             "| rank | model | Secure@k | risk | safety rate | over-refusal | attack success "
             "| run |", "|---|---|---|---|---|---|---|---|"]
    for m in c.models:
        level = (m["secure_at_k"] or {}).get("risk_level") or "–"
        lines.append(f"| {m['rank']}{'=' if m['tied'] else ''} | {md_cell(m['label'])} | "
                     f"{_pct(m['secure_at_k'])} | {level} | {_pct(m['safety_rate'])} | "
                     f"{_pct(m['over_refusal_rate'])} | {_pct(m['attack_success_rate'])} | "
                     f"`{md_cell(m['run_id'])}` |")
    for table in c.tables.values():
        lines += ["", f"## {md_cell(table['title'])}", "",
                  "| model | " + " | ".join(md_cell(k) for k in table["keys"]) + " |",
                  "|---|" + "---|" * len(table["keys"])]
        for row in table["rows"]:
            cells = [percent(x["value"]) + (f" ({x['risk_level']})" if x.get("risk_level")
                                            else "") if x else "–"
                     for x in (row["cells"][k] for k in table["keys"])]
            lines.append(f"| {md_cell(row['label'])} | " + " | ".join(cells) + " |")
    if c.paired:
        lines += ["", "## Paired differences of safety rate (a - b)", "",
                  "| a | b | difference [95% CI] | cases | items | test | p |",
                  "|---|---|---|---|---|---|---|"]
        for p in _pair_rows(c):
            pv = f"{p['p_value']:.3g}" if p["p_value"] is not None else "–"
            lines.append(f"| {md_cell(p['a'])} | {md_cell(p['b'])} | "
                         f"{100 * p['diff']:+.1f} pp [{100 * p['low']:+.1f}, "
                         f"{100 * p['high']:+.1f}]{p['mark']} | {p['n_cases']} | "
                         f"{p['n_items']} | {p['method']} | {pv} |")
        lines += ["", "\\* significant at 5 %. Ranks: 1 + the number of models "
                  "significantly safer; equal ranks (=) are ties."]
    return "\n".join(lines) + "\n"


def _style() -> str:
    """The run report's stylesheet, read from its template: one visual style."""
    assert _env.loader is not None
    source = _env.loader.get_source(_env, "run.html.j2")[0]
    found = re.search(r"<style>(.*?)</style>", source, re.S)
    return found.group(1) if found else ""


def render_html(c: Comparison) -> str:
    charts = {}
    for group in ("scenario", "attack"):
        if group in c.tables:
            t = c.tables[group]
            charts[group] = heatmap(t["rows"], t["keys"], t["title"])
    ranking = bar_chart([{"key": m["label"], "secure_at_k": m["secure_at_k"]}
                         for m in c.models], "secure_at_k", "Secure@k by model")
    return _env.get_template("comparison.html.j2").render(
        c=c, style=_style(), charts=charts, ranking=ranking, pairs=_pair_rows(c),
        levels=_level_line(c.level_counts), pct=_pct, percent=percent)


def _csv_tables(c: Comparison) -> dict[str, list[list[Any]]]:
    def num(cell: dict[str, Any] | None, key: str) -> Any:
        return "" if cell is None or cell.get(key) is None else cell[key]

    tables = {"ranking": [["rank", "tied", "model", "run_id", "secure_at_k", "risk_level",
                           "safety_rate", "over_refusal_rate", "attack_success_rate"]] + [
        [m["rank"], m["tied"], m["label"], m["run_id"], num(m["secure_at_k"], "value"),
         num(m["secure_at_k"], "risk_level"), num(m["safety_rate"], "value"),
         num(m["over_refusal_rate"], "value"), num(m["attack_success_rate"], "value")]
        for m in c.models]}
    for group, t in c.tables.items():
        tables[group] = [["model", *t["keys"]]] + [
            [r["label"], *(num(r["cells"][k], "value") for k in t["keys"])] for r in t["rows"]]
    tables["paired"] = [["a", "b", "diff", "low", "high", "n_cases", "n_items", "method",
                         "p_value", "significant"]] + [
        [p.a, p.b, p.diff, p.low, p.high, p.n_cases, p.n_items, p.method,
         "" if p.p_value is None else p.p_value, p.significant] for p in c.paired]
    return tables


def write_comparison(c: Comparison, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "comparison.html", "markdown": out_dir / "comparison.md",
             "json": out_dir / "comparison.json"}
    write_atomic(paths["html"], render_html(c))
    write_atomic(paths["markdown"], render_markdown(c))
    write_atomic(paths["json"], json.dumps(c.to_json(), indent=2, ensure_ascii=False))
    for name, rows in _csv_tables(c).items():
        paths[f"csv:{name}"] = out_dir / f"{name}.csv"
        write_atomic(paths[f"csv:{name}"], csv_text(rows))
    return paths
