"""`riskbench campaign SPEC.yaml`: every model of a spec, one comparison report, and the
CI gate (exit 0 passed, 1 gate failed, 2 bad input or errors). `riskbench report
--campaign ID` / `--runs A,B` writes the comparison again from the store alone."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from riskbench import pipeline
from riskbench.cli.options import (
    DbOpt,
    ExecutorOpt,
    JsonOpt,
    RayAddressOpt,
    RayWorkersOpt,
    err,
    out,
    print_json,
    ray_options,
)
from riskbench.errors import ModelError

if TYPE_CHECKING:  # the stages load when a command runs, not at start-up
    from riskbench.metrics import Comparison

app = typer.Typer()

FailOn = Annotated[str | None, typer.Option("--fail-on", help="Exit 1 if a model's risk "
                   "level is this or worse (controllable|low|medium|high).",
                   show_default=False)]
FailIf = Annotated[list[str] | None, typer.Option("--fail-if", help="Exit 1 if a model's "
                   "overall figure meets this, e.g. 'safety_rate<0.9' (repeatable).",
                   show_default=False)]
Baseline = Annotated[str | None, typer.Option("--baseline", help="A stored run: exit 1 "
                     "only if a model is significantly less safe than it (paired test).",
                     show_default=False)]


def print_comparison(c: Comparison, reports: dict[str, Path]) -> None:
    from riskbench.report.format import percent_ci

    table = Table(title=c.title)
    for name in ("rank", "model", "Secure@k", "risk", "safety rate", "over-refusal", "run"):
        table.add_column(name, justify="left" if name in ("model", "run") else "right",
                         overflow="fold")
    for m in c.models:
        sak = m["secure_at_k"]
        table.add_row(f"{m['rank']}{'=' if m['tied'] else ''}", escape(m["label"]),
                      *(percent_ci(x["value"], x["low"], x["high"]) if x else "–"
                        for x in (sak,)),
                      (sak or {}).get("risk_level") or "–",
                      *(percent_ci(x["value"], x["low"], x["high"]) if x else missing
                        for x, missing in ((m["safety_rate"], "–"),
                                           (m["over_refusal_rate"], "n/a"))),
                      m["run_id"])
    out.print(table)
    out.print("risk levels: " + ", ".join(f"{n} {lvl}" for lvl, n in c.level_counts.items()),
              highlight=False)
    for kind, path in reports.items():
        if not kind.startswith("csv:"):
            out.print(f"  {kind:8} {path}", highlight=False)
    csvs = [p for k, p in reports.items() if k.startswith("csv:")]
    if csvs:
        out.print(f"  csv      {csvs[0].parent}/*.csv ({len(csvs)} tables)", highlight=False)


def apply_gate(c: Comparison, fail_on: str | None, fail_if: list[str] | None,
               baseline_label: str | None) -> None:
    """Print the gate's failures and exit 1 if there are any; nothing if no gate given."""
    from riskbench.metrics.gate import gate

    if not (fail_on or fail_if or baseline_label):
        return
    failures = gate(c, fail_on, fail_if or (), baseline_label)
    for line in failures:
        err.print(f"gate failed: {line}", highlight=False, markup=False)
    if failures:
        sys.exit(1)
    err.print("gate passed", highlight=False)


def _check_gate(fail_on: str | None, fail_if: list[str] | None) -> None:
    """Bad gate options are bad input: exit 2 before anything runs."""
    from riskbench.metrics.gate import check_level, parse_rule

    if fail_on:
        check_level(fail_on)
    for rule in fail_if or ():
        parse_rule(rule)


def compare_with_baseline(labelled: list[tuple[str, str]], baseline: str | None,
                          options: pipeline.RunOptions, title: str
                          ) -> tuple[Comparison, str | None]:
    from riskbench.pipeline import campaigns

    if not baseline:
        return campaigns.compare_runs(labelled, options, title), None
    label = f"baseline {baseline}"
    return campaigns.compare_runs([*labelled, (label, baseline)], options, title), label


@app.command()
def campaign(
    spec: Annotated[Path | None, typer.Argument(help="Campaign spec (YAML; "
                    "docs/campaigns.md).", show_default=False)] = None,
    resume: Annotated[str | None, typer.Option(help="Finish a stored campaign: its id or "
                      "'latest' (no SPEC needed).", show_default=False)] = None,
    k: Annotated[int | None, typer.Option("-k", help="Override the spec's k.",
                 show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(show_default=False)] = None,
    limit: Annotated[int | None, typer.Option(help="Override the spec's limit.",
                     show_default=False)] = None,
    temperature: Annotated[float | None, typer.Option(show_default=False)] = None,
    max_tokens: Annotated[int | None, typer.Option(show_default=False)] = None,
    judge_model: Annotated[str | None, typer.Option(show_default=False)] = None,
    retry_errors: Annotated[bool, typer.Option(help="With --resume: try errored attempts "
                            "again.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report folder (default "
                       "reports/<campaign-id>).", show_default=False)] = None,
    fail_on: FailOn = None,
    fail_if: FailIf = None,
    baseline: Baseline = None,
    executor: ExecutorOpt = None,
    ray_address: RayAddressOpt = None,
    ray_workers: RayWorkersOpt = None,
) -> None:
    """Run every model of a spec (providers concurrently, each within its own limits),
    store one run per model under one campaign id and write the comparison report."""
    from riskbench.cli.progress import progress_for
    from riskbench.cli.run import BASELINE_ATTACKS
    from riskbench.errors import UsageError
    from riskbench.pipeline import campaigns
    from riskbench.pipeline.campaign_spec import load_spec, with_overrides

    _check_gate(fail_on, fail_if)
    if spec is None and not resume:
        raise UsageError("give a campaign spec (SPEC.yaml) or --resume CAMPAIGN_ID")
    parsed = None
    if spec is not None:
        parsed = with_overrides(load_spec(spec), k=k, seed=seed, limit=limit,
                                temperature=temperature, max_tokens=max_tokens,
                                judge_model=judge_model)
    options = pipeline.RunOptions(db_url=db, use_cache=not no_cache,
                                  retry_errors=retry_errors,
                                  **ray_options(executor, ray_address, ray_workers))
    try:
        progress = progress_for(err)
        result = campaigns.run_campaign(parsed, options, progress, resume=resume,
                                        default_attacks=BASELINE_ATTACKS, out_dir=out_dir)
    except campaigns.CampaignInterrupted as exc:
        print(f"interrupted; everything finished is stored. Resume with "
              f"`riskbench campaign --resume {exc.run_id}`", file=sys.stderr)
        sys.exit(130)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    out.print(f"campaign {result.campaign_id}", highlight=False)
    comparison, label = result.comparison, None
    if baseline:
        comparison, label = compare_with_baseline(
            campaigns.campaign_labels(result.campaign_id, options), baseline, options,
            result.comparison.title)
    print_comparison(result.comparison, result.reports)
    apply_gate(comparison, fail_on, fail_if, label)


@app.command("campaigns")
def campaigns_list(db: DbOpt = None, limit: int = 50, as_json: JsonOpt = False) -> None:
    """List stored campaigns, newest first, with their runs."""
    from riskbench import store
    from riskbench.validation import number

    number("--limit", limit, low=1)
    rows = store.list_campaigns(store.connect(db), limit)
    if as_json:
        print_json({"campaigns": rows})
        return
    table = Table("campaign", "name", "model", "run", "status")  # the id holds the time
    for c in rows:
        for n, r in enumerate(c["runs"] or [{"label": "", "run_id": "", "status": ""}]):
            table.add_row(*((c["id"], c["name"]) if n == 0 else ("", "")),
                          r["label"], r["run_id"], r["status"])
    out.print(table)


def report_comparison(campaign_id: str | None, run_ids: tuple[str, ...], db: str | None,
                      out_dir: Path | None, fail_on: str | None, fail_if: list[str] | None,
                      baseline: str | None) -> None:
    """`riskbench report --campaign ID` / `--runs A,B,...`: the comparison again."""
    from riskbench.pipeline import campaigns

    _check_gate(fail_on, fail_if)
    options = pipeline.RunOptions(db_url=db)
    if campaign_id:
        comparison, reports = campaigns.write_campaign_report(campaign_id, options, out_dir)
        labelled = campaigns.campaign_labels(campaign_id, options)
    else:
        comparison, reports = campaigns.write_runs_report(run_ids, options, out_dir)
        labelled = [(m["label"], m["run_id"]) for m in comparison.models]
    print_comparison(comparison, reports)
    label = None
    if baseline:
        comparison, label = compare_with_baseline(labelled, baseline, options,
                                                  comparison.title)
    apply_gate(comparison, fail_on, fail_if, label)
