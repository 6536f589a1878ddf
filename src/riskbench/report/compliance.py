"""The compliance table as Markdown, HTML and JSON. Everything shown comes from package
data and the store's labels; it is escaped all the same, since suite and category names
can come from a user's own files."""

from __future__ import annotations

import html
import json

from riskbench.escaping import markdown_cell
from riskbench.metrics.compliance import ClauseResult, ComplianceTable
from riskbench.report.format import percent

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
    f = table.framework
    e = html.escape
    rows = []
    for row in table.rows:
        c = row.clause
        cells = [c.id, c.title, c.citation, evidence(row), measured(row), threshold(row),
                 row.status, row.note]
        colour = _COLOURS.get(row.status, "#fff")
        rows.append(f'<tr style="background:{colour}">'
                    + "".join(f"<td>{e(x)}</td>" for x in cells) + "</tr>")
    runs = "".join(f"<li>{e(r['id'])}: {e(r['model'])} on {e(r['suite'])}, judge "
                   f"{e(r['judge'])}</li>" for r in table.runs)
    head = "".join(f"<th>{h}</th>" for h in ("clause", "title", "citation", "evidence",
                                             "measured", "threshold", "status", "note"))
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Compliance: {e(f.title)}</title><style>body{{font-family:sans-serif;"
            "margin:2em}table{border-collapse:collapse}td,th{border:1px solid #bbb;"
            "padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>"
            f"<h1>Compliance: {e(f.title)}</h1><p>Source: {e(f.document)}</p>"
            f"<ul>{runs}</ul><p>Summary: {e(summary_line(table))}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "<p>Rates carry 95 % Wilson intervals.</p></body></html>\n")
