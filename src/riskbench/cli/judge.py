"""`riskbench judge` and `judge-eval`: a thin layer over `riskbench.pipeline.judge`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskbench import pipeline
from riskbench.atomic import write_atomic
from riskbench.cli.options import csv, err, out
from riskbench.validation import writable_file

app = typer.Typer()


@app.command("judge")
def judge_cmd(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT.jsonl")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write JSONL.")],
    judge: Annotated[str, typer.Option(help="Comma-separated judges.")] = "refusal",
    judge_model: Annotated[str | None, typer.Option(help="Model for rubric judges.",
                                                    show_default=False)] = None,
) -> None:
    """Judge responses you already have (JSONL lines with prompt and response)."""
    from riskbench.pipeline.judge import read_judge_input

    records = read_judge_input(input_path)
    writable_file("-o", output)  # before any judging, which may take long
    rows = pipeline.judge_records(records, csv(judge), judge_model)
    write_atomic(output, (json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    err.print(f"judged {len(rows)} responses: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f" -> {output}")
    decided_first = sum("[stage 1:" in row["rationale"] for row in rows)
    if any("[stage " in row["rationale"] for row in rows):
        err.print(f"cascade: stage 1 decided {decided_first} of {len(rows)}; "
                  f"{decided_first / max(1, len(rows)):.0%} of judge-model calls saved")


@app.command("judge-eval")
def judge_eval(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED.jsonl", help="prompt, "
                        "response and a human `label` per line (optional `expected`).")],
    judge: Annotated[str, typer.Option(help="The judge to evaluate.")] = "refusal",
    judge_model: Annotated[str | None, typer.Option(help="Model for rubric judges.",
                                                    show_default=False)] = None,
    group_by: Annotated[str, typer.Option(help="Field to break results down by.")]
    = "group",
    card: Annotated[Path | None, typer.Option(help="Also write the judge's card (JSON: n, "
                    "agreement, kappa, sensitivity/specificity, per group).",
                    show_default=False)] = None,
) -> None:
    """How far a judge agrees with human labels: accuracy, Cohen's kappa, precision and
    recall of the unsafe class, confusion matrix, per group."""
    from riskbench.judges.calibration import agreement_by_group
    from riskbench.pipeline.judge import read_judge_input

    records = read_judge_input(labelled, labelled=True)
    rows = pipeline.judge_records(records, [judge], judge_model)
    summary = Table(title=f"judge {judge} on {labelled.name}")
    for name in ("subset", "n", "accuracy", "kappa", "unsafe-vs-not accuracy", "kappa (binary)",
                 "precision (unsafe)", "recall (unsafe)"):
        summary.add_column(name, justify="left" if name == "subset" else "right")
    results = agreement_by_group(rows, group_by)
    for name, a in results.items():
        summary.add_row(name, str(a.n), f"{a.accuracy:.1%}", f"{a.kappa:.3f}",
                        f"{a.binary_accuracy:.1%}", f"{a.binary_kappa:.3f}",
                        "–" if a.precision_unsafe is None else f"{a.precision_unsafe:.1%}",
                        "–" if a.recall_unsafe is None else f"{a.recall_unsafe:.1%}")
    out.print(summary)
    overall = results["all"]
    matrix = Table("label \\ judge", *overall.labels, title="confusion (all)")
    for label in overall.labels:
        matrix.add_row(label, *(str(overall.confusion.get((label, o), 0))
                                for o in overall.labels))
    out.print(matrix)
    if card is not None:
        from riskbench.judges.calibration import judge_card, write_card

        version = rows[0].get("judge_version", "") if rows else ""
        write_card(judge_card(judge, version, rows, data=str(labelled), group_by=[group_by],
                              command=f"riskbench judge-eval {labelled} --judge {judge}"),
                   card)
        err.print(f"card -> {card}")
