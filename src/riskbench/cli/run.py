"""`riskbench run`, `evaluate`, `report` and `serve`: a thin layer over
`riskbench.pipeline.runs` and `riskbench.pipeline.modes`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from riskbench import pipeline, store
from riskbench.cli.campaign import Baseline, FailIf, FailOn, report_comparison
from riskbench.cli.options import (
    DbOpt,
    ExecutorOpt,
    RayAddressOpt,
    RayWorkersOpt,
    csv,
    err,
    out,
    ray_options,
)
from riskbench.cli.options import tier as tier_
from riskbench.errors import RunFailed, UsageError
from riskbench.types import RunConfig
from riskbench.validation import number, writable_folder

app = typer.Typer()

BASELINE_ATTACKS = ("direct", "prefix_injection", "refusal_suppression", "roleplay")


def _pct(score: Any) -> str:
    if not score:
        return "–"
    from riskbench.report.format import percent_ci

    return percent_ci(score.value, score.low, score.high)


def _corrected(score: Any) -> str:
    if score is None:
        return "–"
    return _pct(score) if score.value is not None else "not corrected"


def _group_table(rows: list[dict[str, Any]], title: str, k: int) -> Table:
    table = Table(title=title)
    for name in (title.removeprefix("by "), "safety rate", "corrected", f"Secure@{k}", "risk",
                 "attack success"):
        table.add_column(name, justify="left" if name == title.removeprefix("by ") else "right")
    for row in rows:
        sak = row.get("secure_at_k")
        table.add_row(row["key"], _pct(row.get("safety_rate")),
                      _corrected(row.get("corrected_safety_rate")), _pct(sak),
                      sak.extra["risk_level"] if sak else "–",
                      _pct(row.get("attack_success_rate")))
    return table


def _per(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _print_agents(db: str | None, result: pipeline.RunResult) -> None:
    """Agent utility beside its do-nothing floor, and queries per success of searches
    (attack names are user text: printed without Rich markup)."""
    from riskbench.metrics.agents import agent_scores
    from riskbench.metrics.searches import search_scores

    engine, run_id = store.connect(db), result.run.id
    by = {s.metric: s for s in agent_scores(engine, run_id) if s.group == "overall"}
    if by:
        out.print(f"agent: utility {_pct(by.get('utility'))} (with no call "
                  f"{_pct(by.get('utility_floor'))}), utility under attack "
                  f"{_pct(by.get('utility_under_attack'))} (with no call "
                  f"{_pct(by.get('utility_under_attack_floor'))}), attack success "
                  f"{_pct(by.get('attack_success'))}", markup=False, highlight=False)
    for s in search_scores(engine, run_id, result.scores.judge, result.run.config.attacks):
        e = s.extra
        out.print(f"{s.key}: {_per(s.value)} tries per success ({e['try']}; "
                  f"{e['successes']} of {e['attempts']} succeeded), "
                  f"{_per(e['target_calls_per_success'])} target calls and "
                  f"{_per(e['attacker_calls_per_success'])} attacker replies per success; "
                  f"budget {e['budget_tries']} tries, {e['budget_target_calls']} target "
                  "calls per case", markup=False, highlight=False)


def _print_summary(result: pipeline.RunResult, db: str | None) -> None:
    scores, run = result.scores, result.run
    k = scores.k
    table = Table(title=f"{run.config.model} on {run.config.suite} (run {run.id})")
    table.add_column("category")
    for name in ("safety rate", "corrected", f"Secure@{k}", "risk", "attack success",
                 "over-refusal", "n"):
        table.add_column(name, justify="right")
    rows = [("overall", "all")] + [("category", r["key"]) for r in scores.table("category")]
    for group, key in rows:
        safety = scores.get("safety_rate", group, key)
        sak = scores.get("secure_at_k", group, key)
        table.add_row(
            Text("overall", style="bold") if group == "overall" else key,
            _pct(safety), _corrected(scores.get("corrected_safety_rate", group, key)),
            _pct(sak), sak.extra["risk_level"] if sak else "–",
            _pct(scores.get("attack_success_rate", group, key)),
            _pct(scores.get("over_refusal_rate", group, key)),
            str(safety.n if safety else 0),
            end_section=group == "overall",
        )
    out.print(table)
    corrected = scores.get("corrected_safety_rate")
    if corrected is not None:  # which card corrected the rates, or why none did
        out.print(f"corrected: for the judge's measured error, card {corrected.extra['card']} "
                  f"(n = {corrected.extra['card_n']} labelled responses; docs/judges.md)"
                  if corrected.extra.get("card") else
                  f"corrected: judge {scores.judge} has {corrected.extra['note']}")
    accuracy = scores.get("accuracy")
    if accuracy:  # capability questions: answers judged correct (choice, exact_answer)
        out.print(f"accuracy on capability questions: {_pct(accuracy)}, n = {accuracy.n}")
    for group, title in (("attack", "by attack"), ("scenario", "by coding scenario"),
                         ("prog_lang", "by programming language")):
        rows = [r for r in scores.table(group) if r["key"]]
        if len(rows) > 1:
            out.print(_group_table(rows, title, k))
    _print_agents(db, result)
    counts = scores.counts
    out.print(f"{counts['attempts']} attempts ({result.new_attempts} new), "
              f"{counts['errors']} errored, {counts.get('blocked', 0)} blocked by the provider"
              f"{' (excluded)' if result.scores.exclude_blocked else ''}. Reports:")
    for kind, path in result.reports.items():
        out.print(f"  {kind:15} {path}")


@app.command()
def run(
    model: Annotated[str, typer.Option(help="Model spec, e.g. local:smollm2, "
                     "openai:gpt-4o-mini, openai-compatible:<base_url>:<name>.")]
    = "local:smollm2",
    suite: Annotated[str, typer.Option(help="Suite name or a JSONL/YAML file.")] = "starter",
    attacks: Annotated[str | None, typer.Option(help="Comma-separated attack names, or "
                       "'all'. Default: each item's own attack where the suite binds one "
                       "(code-safety), else " + ",".join(BASELINE_ATTACKS) + ".",
                       show_default=False)] = None,
    judge: Annotated[str | None, typer.Option("--judge", "--judges", help="Comma-separated "
                     "judges; the first scores. Default: the suite's own, else refusal.",
                     show_default=False)] = None,
    k: Annotated[int, typer.Option("-k", help="Samples per test case (Secure@k).")] = 1,
    seed: int = 0,
    temperature: Annotated[float | None, typer.Option(
        help="Sampling temperature (default 0 for k=1, else 0.7).", show_default=False)] = None,
    max_tokens: int = 128,
    limit: Annotated[int | None, typer.Option(help="Use only N items (see --sample).")]
    = None,
    sample: Annotated[str, typer.Option(help="How --limit picks: first (the first N) or "
                      "stratified (every category, scenario, language, attack; by seed).")]
    = "first",
    concurrency: Annotated[int | None, typer.Option(
        help="Requests in flight (default: the model's own).", show_default=False)] = None,
    rpm: Annotated[float | None, typer.Option(help="Requests-per-minute cap.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per request.")] = None,
    retries: int = 5,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore the response cache.")]
    = False,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report folder "
                       "(default reports/<run-id>).")] = None,
    tier: Annotated[str, typer.Option(help="Reports to write: public (report.*, harmful "
                    "outputs and working prompts withheld), restricted (report-restricted.*,"
                    " bannered) or both.")] = "both",
    exclude_blocked: Annotated[bool, typer.Option(
        "--exclude-blocked", help="Leave provider blocks (content-policy refusals) out of "
        "the rates, for model-only figures; they are still counted.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, do not call.")] = False,
    resume: Annotated[str | None, typer.Option(help="Finish a stored run: its id or "
                      "'latest'.", show_default=False)] = None,
    retry_errors: Annotated[bool, typer.Option(help="With --resume: try errored attempts "
                            "again.")] = False,
    judge_model: Annotated[str | None, typer.Option(help="Model for rubric judges "
                           "(strongreject, harmbench, jailbreakbench, airbench, cascade).",
                           show_default=False)] = None,
    attacker: Annotated[str | None, typer.Option(
        "--attacker", "--attacker-model", help="Attacker model of adaptive attacks (pair, "
        "tap, crescendo; pair_injection, tap_injection on agent suites); the translator of "
        "translate[lang=...].", show_default=False)] = None,
    attack_judge: Annotated[str | None, typer.Option(help="Judge model scoring adaptive "
                            "attacks' tries.", show_default=False)] = None,
    executor: ExecutorOpt = None,
    ray_address: RayAddressOpt = None,
    ray_workers: RayWorkersOpt = None,
) -> None:
    """Evaluate a model on a suite, judge every response, store it and write reports."""
    check_run_numbers(k=k, temperature=temperature, max_tokens=max_tokens, limit=limit,
                      concurrency=concurrency, rpm=rpm, timeout=timeout, retries=retries)
    if out_dir is not None and not dry_run:
        writable_folder("--out", out_dir)
    options = pipeline.RunOptions(
        db_url=db, concurrency=concurrency, requests_per_minute=rpm, timeout_s=timeout,
        retries=retries, use_cache=not no_cache, report_dir=out_dir, tier=tier_(tier),
        retry_errors=retry_errors, exclude_blocked=exclude_blocked,
        **ray_options(executor, ray_address, ray_workers),
    )
    from riskbench.cli.progress import progress_for

    progress = progress_for(err)
    if resume:
        result = pipeline.resume(resume, options, progress)
    else:
        config = RunConfig(model=model, suite=suite, attacks=csv(attacks or ""),
                           default_attacks=BASELINE_ATTACKS,
                           judges=csv(judge or ""), k=k, seed=seed, temperature=temperature,
                           max_tokens=max_tokens, limit=limit, sample=sample, attacker=attacker,
                           attack_judge=attack_judge, judge_model=judge_model)
        if dry_run:
            the_plan = pipeline.plan(config)
            from riskbench.models import get_model

            get_model(config.model)
            out.print(f"{len(the_plan.cases)} test cases x k={config.k} = "
                      f"{the_plan.attempts} attempts, about {the_plan.requests} model "
                      "requests if nothing is cached (judges are local). Judges: "
                      f"{', '.join(the_plan.config.judges)}.")
            return
        result = pipeline.evaluate(config, options, progress)
    store.raise_if_all_failed(store.connect(db), result.run.id)  # RunFailed: exit 1
    _print_summary(result, db)


def check_run_numbers(**values: float | None) -> None:
    """The numeric options of `run`, in range before anything is loaded (0 never stands
    for a default: --limit 0 or --concurrency 0 is refused like any value below 1)."""
    at_least_one = ("k", "max_tokens", "limit", "concurrency")
    for name, value in values.items():
        option = "-k" if name == "k" else "--" + name.replace("_", "-")
        if name in at_least_one:
            number(option, value, low=1)
        elif name in ("rpm", "timeout"):
            number(option, value)
            if value is not None and value <= 0:
                raise UsageError(f"{option} must be more than 0 (got {value:g})")
        else:  # temperature, retries
            number(option, value, low=0)


@app.command()
def evaluate(
    model: Annotated[str, typer.Argument(help="Model spec, e.g. scripted:refuse.")],
    mode: Annotated[str, typer.Option(help="baseline|adversarial|multilingual|compliance|"
                    "all (docs/modes.md), or several joined by commas.")] = "all",
    limit: Annotated[int | None, typer.Option(help="First N items of each run (of each "
                     "language for multilingual).")] = None,
    max_tokens: int = 128,
    attacker: Annotated[str | None, typer.Option(help="Attacker model: adds adaptive "
                        "attacks to the adversarial mode.", show_default=False)] = None,
    attack_judge: Annotated[str | None, typer.Option(show_default=False)] = None,
    judge_model: Annotated[str | None, typer.Option(show_default=False)] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Combined report folder "
                       "(default reports/modes/<model>); rerun to resume.")] = None,
    framework: Annotated[str, typer.Option(help="Regulatory framework of the compliance "
                         "mode's clause table (riskbench compliance --list).")] = "tc260",
) -> None:
    """Run evaluation modes on a model and write one combined report with its profile."""
    check_run_numbers(limit=limit, max_tokens=max_tokens)
    if out_dir is not None:
        writable_folder("--out", out_dir)
    from riskbench.cli.progress import progress_for
    from riskbench.pipeline.modes import evaluate_modes

    result = evaluate_modes(model, mode, limit=limit, max_tokens=max_tokens,
                            attacker=attacker, attack_judge=attack_judge,
                            judge_model=judge_model, out_dir=out_dir,
                            options=pipeline.RunOptions(db_url=db, use_cache=not no_cache),
                            progress=progress_for(err), framework=framework)
    for row in result.content["modes"]:
        rate = row["safety_rate"]
        shown = f"{100 * rate['value']:.1f}% (n={rate['n']})" if rate else row["status"]
        out.print(f"{row['mode']:13} {shown}", highlight=False)
        for note in row["notes"]:
            out.print(f"  {note}", highlight=False)
    for line in result.content["profile"]["text"]:
        out.print(line, highlight=False)
    for kind, path in result.reports.items():
        out.print(f"  {kind:8} {path}", highlight=False)
    _raise_if_every_run_failed(db, [part.run_id for info in result.modes
                                    for part in info.parts if part.run_id])


def _raise_if_every_run_failed(db: str | None, run_ids: list[str]) -> None:
    """RunFailed (exit 1) when every mode's run got no reply at all, as for `run`: a
    combined report of errors must not exit 0. One run that got replies is a result."""
    handle, first = store.connect(db), None
    for run_id in run_ids:
        try:
            store.raise_if_all_failed(handle, run_id)
            return
        except RunFailed as exc:
            first = first or exc
    if first is not None:
        raise first


@app.command()
def report(
    run_id: Annotated[str | None, typer.Argument(help="Run id.", show_default=False)] = None,
    latest: Annotated[bool, typer.Option("--latest", help="The newest run.")] = False,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out")] = None,
    tier: Annotated[str, typer.Option(help="public, restricted or both.")] = "both",
    exclude_blocked: Annotated[bool, typer.Option(
        "--exclude-blocked", help="Leave provider blocks (content-policy refusals) out of "
        "the rates, for model-only figures; they are still counted.")] = False,
    campaign: Annotated[str | None, typer.Option(help="A campaign id (or 'latest'): its "
                        "comparison report.", show_default=False)] = None,
    runs: Annotated[str | None, typer.Option(help="Comma-separated run ids: their "
                    "comparison report.", show_default=False)] = None,
    fail_on: FailOn = None,
    fail_if: FailIf = None,
    baseline: Baseline = None,
) -> None:
    """Write a run's reports again, or a comparison (--campaign, --runs), from the store
    alone; with a gate (--fail-on, --fail-if, --baseline) exit 1 when it fails."""
    if campaign or runs:
        report_comparison(campaign, csv(runs or ""), db, out_dir, fail_on, fail_if, baseline)
        return
    if not run_id and not latest:
        raise UsageError("give a run id or --latest (`riskbench runs` lists the runs)")
    tier_(tier)
    if out_dir is not None:
        writable_folder("--out", out_dir)
    result = pipeline.write_run_reports(
        run_id or "latest", pipeline.RunOptions(db_url=db, report_dir=out_dir, tier=tier_(tier),
                                          exclude_blocked=exclude_blocked)
    )
    _print_summary(result, db)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    db: DbOpt = None,
    token: Annotated[str | None, typer.Option(
        envvar="RISKBENCH_TOKEN", show_default=False, show_envvar=True,
        help="Token that unlocks transcripts (model completions); without one they stay "
             "locked.")] = None,
) -> None:
    """Start the dashboard and its REST API (docs/dashboard.md)."""
    number("--port", port, low=1, high=65535)
    try:
        import uvicorn

        from riskbench.web import create_app
    except ModuleNotFoundError as exc:
        raise UsageError(f"the dashboard needs {exc.name}; install the web extra: "
                         "pip install -e '.[web]'") from None
    web_app = create_app(db, token)
    locked = "unlocked with the token" if token else "locked (no --token / RISKBENCH_TOKEN)"
    err.print(f"riskbench dashboard on http://{host}:{port}/ ; transcripts {locked}",
              highlight=False)
    if token and host not in ("127.0.0.1", "localhost", "::1"):
        err.print("warning: plain HTTP off this machine sends the token in clear; put the "
                  "dashboard behind a TLS proxy", highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
