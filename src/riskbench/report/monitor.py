"""The frontier-risk monitor report: per domain the capability-safety plane with the risk
Pareto frontier, R over release dates with its running maximum and growth, per-family
lines, reasoning vs non-reasoning and open vs closed, and the jailbreak-robustness table;
as HTML (inline SVG, no script, everything escaped), Markdown, CSV and SVG files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from riskbench.atomic import write_atomic
from riskbench.escaping import csv_text, markdown_cell
from riskbench.metrics import monitor as m
from riskbench.metrics.monitor_config import MonitorConfig
from riskbench.metrics.monitor_scores import illustrative
from riskbench.report import svg
from riskbench.report.format import percent
from riskbench.report.templating import environment
from riskbench.types import DomainScore, ModelInfo

_env = environment("riskbench.report")


def build(models: Sequence[ModelInfo], scores: Sequence[DomainScore], config: MonitorConfig,
          window_days: int = 365, today: date | None = None) -> dict[str, Any]:
    """Everything the report says, per domain of the config, as plain data and SVG."""
    by_id = {x.id: x for x in models}
    domains = []
    for name, domain in config.domains.items():
        mine = [s for s in scores if s.domain == name and s.model in by_id]
        if not mine:
            continue
        front = m.pareto_frontier(mine)
        series = m.cumulative_max_risk(mine, by_id)
        grown = m.growth(series, window_days) if series else None
        span = (series[-1].release_date - series[0].release_date).days if series else 0
        overall = m.growth(series, span) if span > 0 else None
        families = m.family_trends(mine, by_id, "family")
        comparisons = [m.group_comparison(mine, by_id, by, metric)
                       for by in ("reasoning", "open_weights")
                       for metric in ("capability", "safety", "risk")]
        rows = sorted(mine, key=lambda s: (s.risk is None, -(s.risk or 0.0), s.model))
        domains.append({
            "name": name, "title": domain.title,
            "benchmarks": domain.benchmarks,
            "rows": rows, "frontier": front,
            "series": series, "growth": grown, "overall_growth": overall,
            "families": families,
            "comparisons": comparisons,
            "undated": sorted(s.model for s in mine if s.risk is not None
                              and by_id[s.model].release_date is None),
            "charts": _charts(domain.title, mine, front, series, families),
        })
    versions = sorted({s.version for s in scores})
    return {
        "domains": domains, "models": by_id, "config": config, "versions": versions,
        "window_days": window_days, "generated": (today or date.today()).isoformat(),
        "jailbreak": m.jailbreak_table(scores, "jailbreak", config),
        "illustrative": illustrative(scores),
    }


def _charts(title: str, scores: Sequence[DomainScore], front: Sequence[str],
            series: Sequence[m.RiskPoint], families: Mapping[str, Sequence[m.TrendPoint]]
            ) -> dict[str, str]:
    points = [svg.Point(s.capability, s.safety, s.model,
                        f"{s.model}: C {s.capability:.1f}, S {s.safety:.1f}, R "
                        + ("–" if s.risk is None else f"{s.risk:.1f}"))
              for s in scores if s.capability is not None and s.safety is not None]
    dated = [(p.release_date, p.risk, p.model) for p in series]
    return {
        "scatter": svg.scatter(points, front, f"{title}: capability vs safety, risk frontier"),
        "timeline": svg.timeline(dated, [(p.release_date, p.cummax, p.leader)
                                         for p in series], f"{title}: R by release date"),
        "families": svg.family_lines(
            {family: [(p.release_date, p.risk, p.model) for p in ps if p.risk is not None]
             for family, ps in families.items()}, f"{title}: R by family"),
    }


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return percent(value, none="n/a", signed=True, scale=1.0)


def render_html(data: dict[str, Any]) -> str:
    return _env.get_template("monitor.html.j2").render(**data, num=_num, pct=_pct)


def render_markdown(data: dict[str, Any]) -> str:
    cell = markdown_cell  # model names, sources, benchmarks are user data

    lines = ["# Frontier-risk monitor", "",
             f"Generated {data['generated']}; domain config {', '.join(data['versions'])}. "
             "R = C x (1 - beta x S / 100); C and S are weighted means (0-100) of each "
             "domain's benchmarks. Benchmarks a model lacks are listed and left out of the "
             "means, never counted as zero.", ""]
    if data["illustrative"]:
        lines += ["> Some numbers come from a file marked ILLUSTRATIVE: not measurements.",
                  ""]
    for d in data["domains"]:
        lines += [f"## {d['title']} (`{d['name']}`)", "",
                  "| model | C | S | beta | R | frontier | missing |",
                  "|---|---:|---:|---:|---:|:---:|---|"]
        for s in d["rows"]:
            lines.append(f"| {cell(s.model)} | {_num(s.capability)} | {_num(s.safety)} | "
                         f"{s.beta:g} | {_num(s.risk)} | "
                         f"{'yes' if s.model in d['frontier'] else ''} | "
                         f"{cell(', '.join(s.missing))} |")
        lines += ["", f"Risk frontier: {cell(', '.join(d['frontier']) or 'none')}."]
        g = d["growth"]
        if g is not None:
            lines.append(f"Running maximum of R: {_num(g.start_value)} on {g.start} -> "
                         f"{_num(g.end_value)} on {g.end} "
                         f"({_pct(g.percent)} over "
                         f"{data['window_days']} days).")
        g = d["overall_growth"]
        if g is not None:
            lines.append(f"Since the first release ({g.start}): {_num(g.start_value)} -> "
                         f"{_num(g.end_value)} ({_pct(g.percent)}).")
        lines += ["", "| group | metric | n | mean [95% CI] | median | IQR |",
                  "|---|---|---:|---|---:|---|"]
        for c in d["comparisons"]:
            for group, dist in c.groups.items():
                ci = (f" [{_num(dist.low)}, {_num(dist.high)}]" if dist.low is not None
                      else "")
                lines.append(f"| {group} | {c.metric} | {dist.n} | {_num(dist.mean)}{ci} | "
                             f"{_num(dist.median)} | {_num(dist.q1)}–{_num(dist.q3)} |")
        lines += ["", f"![scatter]({d['name']}_scatter.svg) "
                  f"![timeline]({d['name']}_timeline.svg) "
                  f"![families]({d['name']}_families.svg)", ""]
    if data["jailbreak"]:
        lines += ["## Jailbreak robustness", "",
                  "| model | domain | benchmark | value (0-100) | 95% CI | n | source |",
                  "|---|---|---|---:|---|---:|---|"]
        for r in data["jailbreak"]:
            ci = f"{_num(r.low)}–{_num(r.high)}" if r.low is not None else "–"
            lines.append(f"| {cell(r.model)} | {cell(r.domain)} | {cell(r.benchmark)} | "
                         f"{_num(r.value)} "
                         f"| {ci} | {r.n or '–'} | {cell(r.source)} |")
    return "\n".join(lines) + "\n"


def scores_csv(data: dict[str, Any]) -> str:
    rows: list[list[Any]] = [["domain", "model", "vendor", "family", "release_date",
                              "open_weights", "reasoning", "capability", "safety", "beta",
                              "risk", "frontier", "missing", "version", "computed_at"]]
    for d in data["domains"]:
        for s in d["rows"]:
            info = data["models"][s.model]
            rows.append([d["name"], s.model, info.vendor, info.family,
                         info.release_date or "", info.open_weights, info.reasoning,
                         _cell(s.capability), _cell(s.safety), s.beta, _cell(s.risk),
                         s.model in d["frontier"], ";".join(s.missing), s.version,
                         s.computed_at])
    return csv_text(rows)  # the one CSV writer: formula-guarded cells


def _cell(value: float | None) -> str:
    """A CSV number: empty when there is none (never 0, never a dash)."""
    return "" if value is None else f"{value:.3f}"


def benchmarks_csv(data: dict[str, Any], scores: Sequence[DomainScore]) -> str:
    rows: list[list[Any]] = [["domain", "model", "benchmark", "side", "kind", "weight",
                              "raw", "value", "low", "high", "n", "source"]]
    for s in scores:
        for v in s.benchmarks:
            rows.append([s.domain, s.model, v.benchmark, v.side, v.kind, v.weight, v.raw,
                         round(v.value, 4), "" if v.low is None else round(v.low, 4),
                         "" if v.high is None else round(v.high, 4), v.n or "", v.source])
    return csv_text(rows)  # the one CSV writer: formula-guarded cells


def cummax_csv(data: dict[str, Any]) -> str:
    rows: list[list[Any]] = [["domain", "release_date", "model", "risk", "running_max",
                              "leader"]]
    for d in data["domains"]:
        for p in d["series"]:
            rows.append([d["name"], p.release_date, p.model, round(p.risk, 4),
                         round(p.cummax, 4), p.leader])
    return csv_text(rows)  # the one CSV writer: formula-guarded cells


def write_monitor_report(models: Sequence[ModelInfo], scores: Sequence[DomainScore],
                         config: MonitorConfig, out_dir: Path, window_days: int = 365,
                         today: date | None = None) -> dict[str, Path]:
    """monitor.html, monitor.md, scores.csv, benchmarks.csv, cummax.csv and one SVG per
    chart, each written atomically."""
    from riskbench.errors import UsageError

    if not scores:
        raise UsageError("no monitor scores stored; run `riskbench monitor compute` first")
    data = build(models, scores, config, window_days, today)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"html": out_dir / "monitor.html", "markdown": out_dir / "monitor.md",
             "scores": out_dir / "scores.csv", "benchmarks": out_dir / "benchmarks.csv",
             "cummax": out_dir / "cummax.csv"}
    write_atomic(paths["html"], render_html(data))
    write_atomic(paths["markdown"], render_markdown(data))
    write_atomic(paths["scores"], scores_csv(data))
    write_atomic(paths["benchmarks"], benchmarks_csv(data, scores))
    write_atomic(paths["cummax"], cummax_csv(data))
    for d in data["domains"]:
        for kind, chart in d["charts"].items():
            path = out_dir / f"{d['name']}_{kind}.svg"
            write_atomic(path, chart)
            paths[f"{d['name']}_{kind}"] = path
    return paths
