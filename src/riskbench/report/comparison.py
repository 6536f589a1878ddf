"""The comparison report of several runs (a campaign): HTML, Markdown, JSON and one CSV
per table, written from a `metrics.Comparison` alone. Model names and every other
model-derived string are escaped in each format (they can be hostile)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.escaping import csv_text
from riskbench.metrics.campaign import Comparison
from riskbench.report.format import percent, percent_ci
from riskbench.report.markdown import _cell as md_cell
from riskbench.report.svg import bar as bar_chart
from riskbench.report.svg import heatmap
from riskbench.report.templating import environment

_env = environment("riskbench.report")

NOT_MEASURED = ("n/a: over-refusal not measured (the runs have no benign controls, or "
                "their judge does not read refusals)")


def _pct(cell: dict[str, Any] | None, missing: str = "–") -> str:
    return percent_ci(cell["value"], cell["low"], cell["high"]) if cell else missing


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
                     f"{_pct(m['over_refusal_rate'], 'n/a')} | "
                     f"{_pct(m['attack_success_rate'])} | "
                     f"`{md_cell(m['run_id'])}` |")
    if any(m["over_refusal_rate"] is None for m in c.models):
        lines += ["", NOT_MEASURED + "."]
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
        levels=_level_line(c.level_counts), pct=_pct, percent=percent,
        not_measured=NOT_MEASURED if any(m["over_refusal_rate"] is None for m in c.models)
        else "")


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
