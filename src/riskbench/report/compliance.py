"""The compliance table as Markdown, HTML and JSON. Everything shown comes from package
data and the store's labels; it is escaped all the same, since suite and category names
can come from a user's own files."""

from __future__ import annotations

import json

from riskbench.escaping import markdown_cell
from riskbench.metrics.compliance import ClauseResult, ComplianceTable
from riskbench.report.format import percent
from riskbench.report.templating import environment

_env = environment("riskbench.report")

STATUS_ORDER = ("pass", "fail", "insufficient", "measured", "not covered")


def pct(value: float | None) -> str:
    return percent(value)


def measured(row: ClauseResult) -> str:
    if row.clause.measure == "items":
        return f"{row.items} items" if row.items else "–"
    if row.rate is None:
        return "–"
    return f"{pct(row.rate)} [{pct(row.low)}–{pct(row.high)}]"


def threshold(row: ClauseResult) -> str:
    c = row.clause
    if c.threshold is None:
        return "none set"
    if c.measure == "items":
        return f"≥ {c.threshold:.0f} items"
    text = f"{c.op.replace('>=', '≥').replace('<=', '≤')} {pct(c.threshold)}"
    return text + (f" (n ≥ {c.min_items})" if c.min_items else "")


def evidence(row: ClauseResult) -> str:
    if not row.suites:
        return "–"
    return ", ".join(f"{s} ({n})" for s, n in row.suites) + f"; {row.judged} judged"


def summary_line(table: ComplianceTable) -> str:
    counts = table.counts()
    return ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if counts.get(s))


def to_json(table: ComplianceTable) -> str:
    return json.dumps(table.to_json(), indent=2, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return markdown_cell(text)


def to_markdown(table: ComplianceTable) -> str:
    f = table.framework
    lines = [f"# Compliance: {f.title}", "", f"Source: {f.document}", "",
             "Runs: " + "; ".join(f"{r['id']} ({r['model']} on {r['suite']}, judge "
                                  f"{r['judge']})" for r in table.runs), "",
             f"Summary: {summary_line(table)}", "",
             "| clause | title | citation | evidence | measured | threshold | status | note |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table.rows:
        c = row.clause
        cells = [c.id, c.title, c.citation, evidence(row), measured(row), threshold(row),
                 row.status, row.note]
        lines.append("| " + " | ".join(_md_cell(x) for x in cells) + " |")
    lines += ["", "Rates carry 95 % Wilson intervals. Status: pass / fail against the "
              "threshold; insufficient: fewer judged items than the clause samples; "
              "measured: no threshold set; not covered: no stored evidence maps to it.", ""]
    return "\n".join(lines)


_COLOURS = {"pass": "#d7f0d7", "fail": "#f6d3d3", "insufficient": "#fbeccb",
            "measured": "#e3ebf7", "not covered": "#eeeeee"}


def to_html(table: ComplianceTable) -> str:
    rows = [(_COLOURS.get(row.status, "#fff"),
             [row.clause.id, row.clause.title, row.clause.citation, evidence(row),
              measured(row), threshold(row), row.status, row.note]) for row in table.rows]
    return _env.get_template("compliance.html.j2").render(
        framework=table.framework, runs=table.runs, summary=summary_line(table),
        rows=rows) + "\n"
