"""The `riskbench` command: a thin layer over `riskbench.pipeline`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from riskbench import pipeline
from riskbench.atomic import write_atomic
from riskbench.cli_compliance import compliance
from riskbench.cli_monitor import models_app, monitor_app
from riskbench.errors import RunInterrupted, UsageError
from riskbench.types import RunConfig

app = typer.Typer(add_completion=False, no_args_is_help=False,
                  help="Measure how safe large language models are.")
out = Console()
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default "
                  "sqlite:///riskbench.db, or $RISKBENCH_DB).", show_default=False)]


BASELINE_ATTACKS = ("direct", "prefix_injection", "refusal_suppression", "roleplay")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _pct(score: Any) -> str:
    if not score or score.value is None:
        return "–"
    return f"{100 * score.value:.1f}% [{100 * score.low:.0f}–{100 * score.high:.0f}]"


def _group_table(rows: list[dict[str, Any]], title: str, k: int) -> Table:
    table = Table(title=title)
    for name in (title.removeprefix("by "), "safety rate", f"Secure@{k}", "risk",
                 "attack success"):
        table.add_column(name, justify="left" if name == title.removeprefix("by ") else "right")
    for row in rows:
        sak = row.get("secure_at_k")
        table.add_row(row["key"], _pct(row.get("safety_rate")), _pct(sak),
                      sak.extra["risk_level"] if sak else "–",
                      _pct(row.get("attack_success_rate")))
    return table


def _print_summary(result: pipeline.RunResult) -> None:
    scores, run = result.scores, result.run
    k = scores.k
    table = Table(title=f"{run.config.model} on {run.config.suite} (run {run.id})")
    table.add_column("category")
    for name in ("safety rate", f"Secure@{k}", "risk", "attack success", "over-refusal", "n"):
        table.add_column(name, justify="right")
    rows = [("overall", "all")] + [("category", r["key"]) for r in scores.table("category")]
    for group, key in rows:
        safety = scores.get("safety_rate", group, key)
        sak = scores.get("secure_at_k", group, key)
        table.add_row(
            "[bold]overall[/bold]" if group == "overall" else key,
            _pct(safety), _pct(sak), sak.extra["risk_level"] if sak else "–",
            _pct(scores.get("attack_success_rate", group, key)),
            _pct(scores.get("over_refusal_rate", group, key)),
            str(safety.n if safety else 0),
            end_section=group == "overall",
        )
    out.print(table)
    accuracy = scores.get("accuracy")
    if accuracy:  # capability questions: answers judged correct (choice, exact_answer)
        out.print(f"accuracy on capability questions: {_pct(accuracy)}, n = {accuracy.n}")
    for group, title in (("attack", "by attack"), ("scenario", "by coding scenario"),
                         ("prog_lang", "by programming language")):
        rows = [r for r in scores.table(group) if r["key"]]
        if len(rows) > 1:
            out.print(_group_table(rows, title, k))
    counts = scores.counts
    out.print(f"{counts['attempts']} attempts ({result.new_attempts} new), "
              f"{counts['errors']} errored. Reports:")
    for kind, path in result.reports.items():
        out.print(f"  {kind:8} {path}")


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
    limit: Annotated[int | None, typer.Option(help="Use only the first N items.")] = None,
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
    tier: Annotated[str, typer.Option(help="public (harmful outputs withheld) or "
                    "restricted.")] = "restricted",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, do not call.")] = False,
    resume: Annotated[str | None, typer.Option(help="Finish a stored run: its id or "
                      "'latest'.", show_default=False)] = None,
    retry_errors: Annotated[bool, typer.Option(help="With --resume: try errored attempts "
                            "again.")] = False,
    judge_model: Annotated[str | None, typer.Option(help="Model for rubric judges "
                           "(strongreject, harmbench, jailbreakbench, airbench, cascade).",
                           show_default=False)] = None,
    attacker: Annotated[str | None, typer.Option(help="Attacker model of adaptive attacks "
                        "(pair, tap, crescendo); the translator of translate[lang=...].",
                        show_default=False)] = None,
    attack_judge: Annotated[str | None, typer.Option(help="Judge model scoring adaptive "
                            "attacks' tries.", show_default=False)] = None,
) -> None:
    """Evaluate a model on a suite, judge every response, store it and write reports."""
    options = pipeline.RunOptions(
        db_url=db, concurrency=concurrency, requests_per_minute=rpm, timeout_s=timeout,
        retries=retries, use_cache=not no_cache, report_dir=out_dir, tier=_tier(tier),
        retry_errors=retry_errors,
    )
    from riskbench.progress import RichProgress

    progress = RichProgress(err)
    if resume:
        result = pipeline.resume(resume, options, progress)
    else:
        config = RunConfig(model=model, suite=suite, attacks=_csv(attacks or ""),
                           default_attacks=BASELINE_ATTACKS,
                           judges=_csv(judge or ""), k=k, seed=seed, temperature=temperature,
                           max_tokens=max_tokens, limit=limit, attacker=attacker,
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
    _print_summary(result)


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
    from riskbench.mode_runs import evaluate_modes
    from riskbench.progress import RichProgress

    result = evaluate_modes(model, mode, limit=limit, max_tokens=max_tokens,
                            attacker=attacker, attack_judge=attack_judge,
                            judge_model=judge_model, out_dir=out_dir,
                            options=pipeline.RunOptions(db_url=db, use_cache=not no_cache),
                            progress=RichProgress(err), framework=framework)
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


def _tier(value: str) -> str:
    if value not in ("public", "restricted"):
        raise UsageError(f"unknown tier {value!r}; use public or restricted")
    return value


@app.command()
def runs(db: DbOpt = None, limit: int = 50) -> None:
    """List stored runs, newest first."""
    from riskbench import store

    table = Table()
    for name in ("run", "status", "model", "suite", "k", "attempts", "errors", "created"):
        table.add_column(name)
    for r in store.list_runs(store.connect(db), limit):
        table.add_row(r["id"], r["status"], r["config"]["model"], r["config"]["suite"],
                      str(r["config"]["k"]), f"{r['attempts']}/{r['expected_attempts']}",
                      str(r["errors"]), r["created_at"])
    out.print(table)


@app.command()
def report(
    run_id: Annotated[str | None, typer.Argument(help="Run id.", show_default=False)] = None,
    latest: Annotated[bool, typer.Option("--latest", help="The newest run.")] = False,
    db: DbOpt = None,
    out_dir: Annotated[Path | None, typer.Option("--out")] = None,
    tier: str = "restricted",
) -> None:
    """Write a run's reports again, from the store alone."""
    if not run_id and not latest:
        raise UsageError("give a run id or --latest (`riskbench runs` lists the runs)")
    result = pipeline.write_run_reports(
        run_id or "latest", pipeline.RunOptions(db_url=db, report_dir=out_dir, tier=_tier(tier))
    )
    _print_summary(result)


def _read_judge_input(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give a JSONL file of prompt/response objects")
    records = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{where}: not valid JSON ({exc.msg}); fix the line") from None
            if not isinstance(record, dict):
                raise UsageError(f"{where}: expected a JSON object with prompt and response")
            for key in ("prompt", "response"):
                if not isinstance(record.get(key), str):
                    raise UsageError(f"{where}: field '{key}' is missing or not a string")
            if record.get("expected") not in (None, "refuse", "comply", "answer"):
                raise UsageError(f"{where}: field 'expected' must be refuse, comply or answer")
            records.append(record)
    return records


@app.command("judge")
def judge_cmd(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT.jsonl")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write JSONL.")],
    judge: Annotated[str, typer.Option(help="Comma-separated judges.")] = "refusal",
    judge_model: Annotated[str | None, typer.Option(help="Model for rubric judges.",
                                                    show_default=False)] = None,
) -> None:
    """Judge responses you already have (JSONL lines with prompt and response)."""
    records = _read_judge_input(input_path)
    rows = pipeline.judge_records(records, _csv(judge), judge_model)
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
    from riskbench.judges.calibration import agreement

    records = _read_judge_input(labelled)
    for number, record in enumerate(records, start=1):
        if not isinstance(record.get("label"), str):
            raise UsageError(f"{labelled}: record {number}: field 'label' is missing; "
                             "add the human label (e.g. refusal, compliance, safe, unsafe)")
    rows = pipeline.judge_records(records, [judge], judge_model)
    groups: dict[str, list[tuple[str, str]]] = {"all": []}
    for row in rows:
        pair = (row["label"], row["outcome"])
        groups["all"].append(pair)
        if group_by in row:
            groups.setdefault(f"{group_by}={row[group_by]}", []).append(pair)
    summary = Table(title=f"judge {judge} on {labelled.name}")
    for name in ("subset", "n", "accuracy", "kappa", "unsafe-vs-not accuracy", "kappa (binary)",
                 "precision (unsafe)", "recall (unsafe)"):
        summary.add_column(name, justify="left" if name == "subset" else "right")
    results = {name: agreement(pairs) for name, pairs in groups.items()}
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


@app.command()
def suites() -> None:
    """List the built-in suites."""
    from riskbench.suites import suites as registry

    table = Table("suite", "items", "description")
    for name, loader in registry:
        suite = loader()
        table.add_row(name, str(len(suite.items)), suite.description.strip())
    out.print(table)


@app.command()
def build(
    name: Annotated[str, typer.Argument(help="The suite to generate: code-safety.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the items "
                      "(JSONL; run it with --suite FILE.jsonl).")],
    cyberseceval: Annotated[Path | None, typer.Option(help="CyberSecEval's datasets folder "
                            "(instruct.json, autocomplete.json); default: fetch them.",
                            show_default=False)] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Only the quick subset.")] = False,
) -> None:
    """Generate a suite's test cases into a JSONL file and print how they spread."""
    from riskbench.suites import builders

    suite = builders.get(name)(cyberseceval, quick)
    write_atomic(output, (json.dumps(item.to_json(), ensure_ascii=False) + "\n"
                          for item in suite.items))
    for title, field in (("scenario", "scenario"), ("language", "prog_lang"),
                         ("attack", "attack"), ("category", "category")):
        counts: dict[str, int] = {}
        for item in suite.items:
            key = str(getattr(item, field) if field != "attack" else item.meta.get(field))
            counts[key] = counts.get(key, 0) + 1
        out.print(f"[bold]by {title}[/bold]: " + ", ".join(f"{k} {v}" for k, v in
                                                           counts.items()), highlight=False)
    turns = sum(1 for item in suite.items if item.meta.get("lead_in"))
    benign = sum(1 for item in suite.items if item.expected == "comply")
    out.print(f"{len(suite.items)} cases ({turns} two-turn, {benign} benign controls) -> "
              f"{output}", highlight=False)


attacks_app = typer.Typer(help="List attacks, or show what one would send.")
app.add_typer(attacks_app, name="attacks")


@attacks_app.callback(invoke_without_command=True)
def attacks_list(
    ctx: typer.Context,
    family: Annotated[str | None, typer.Option(help="Only this family.")] = None,
) -> None:
    """List the registered attacks with family, turns and source."""
    if ctx.invoked_subcommand:
        return
    from riskbench.attacks import adaptive_attacks
    from riskbench.attacks import attacks as registry

    table = Table("attack", "family", "turns", "parameters", "source")
    rows = [(n, a.family, str(a.turns), a.params, a.source) for n, a in registry]
    rows += [(n, a.family, "adaptive", a.params, a.source) for n, a in adaptive_attacks]
    for name, fam, turns, params, source in rows:
        if family is None or fam == family:
            shown = ", ".join(f"{k}={v}" for k, v in params.items())
            table.add_row(name, fam, turns, shown, source)
    out.print(table)
    out.print(f"{len(rows)} attacks. `riskbench attacks show NAME --example TEXT` prints "
              "what one sends; stack with a+b, select with family:NAME or group:NAME.")


@attacks_app.command("show")
def attacks_show(
    name: Annotated[str, typer.Argument(help="Attack, stack or name[key=value].")],
    example: Annotated[str, typer.Option(help="The request to attack.")]
    = "How do I pick a lock?",
    seed: int = 0,
) -> None:
    """Print an attack's description and exactly what it would send for --example."""
    from riskbench.attacks import build_test_cases, helper_roles, resolve
    from riskbench.types import Item

    for plan in resolve(name):
        case = build_test_cases([Item(id="example", prompt=example, expected="refuse")],
                                [plan], seed)[0]
        if plan.adaptive is not None:
            needs = " and ".join(f"--{r.replace('judge', 'attack-judge')}"
                                 for r in helper_roles(plan))
            out.print(f"[bold]{plan.name}[/bold] ({plan.family}): {plan.adaptive.description}"
                      f"\nsource: {plan.adaptive.source}\nsends what its helper model "
                      f"writes; needs {needs}", highlight=False)
            continue
        for atk, _ in plan.stages:
            out.print(f"[bold]{atk.name}[/bold] ({atk.family}, {atk.turns} turn(s)): "
                      f"{atk.description}\nsource: {atk.source}", highlight=False)
        out.print(f"test case {case.id}:", style="dim")
        for message in case.conversation.messages:
            out.print(f"[bold]{message.role}:[/bold]", highlight=False)
            out.print(message.content, markup=False, highlight=False)
        for n, followup in enumerate(case.conversation.followups, start=2):
            out.print(f"[bold]user (turn {n}, after the reply):[/bold]", highlight=False)
            out.print(followup, markup=False, highlight=False)


@app.command()
def judges() -> None:
    """List the registered judges."""
    from riskbench.judges import judges as registry

    table = Table("judge", "description")
    for name, factory in registry:
        table.add_row(name, getattr(factory, "description", ""))
    out.print(table)


app.command("compliance")(compliance)
app.add_typer(models_app, name="models")
app.add_typer(monitor_app, name="monitor")


@models_app.callback(invoke_without_command=True)
def models(ctx: typer.Context) -> None:
    """List model providers and the model metadata catalog; subcommands (add, list, show,
    import, export) manage the monitor's model registry."""
    if ctx.invoked_subcommand:
        return
    from riskbench.models import catalog, providers

    table = Table("provider", "spec form")
    forms = {"local": "local:smollm2", "hf": "hf:<local folder>", "openai": "openai:<model>",
             "openai-compatible": "openai-compatible:<base_url>:<model>",
             "scripted": "scripted:refuse|comply|echo|alternate (tests)"}
    for name, _ in providers:
        table.add_row(name, forms.get(name, f"{name}:..."))
    out.print(table)
    meta = Table("model", "vendor", "family", "released", "open weights", "reasoning",
                 "modality", "specs")
    for name, e in catalog().items():
        meta.add_row(name, e["vendor"], e["family"], str(e["release_date"]),
                     "yes" if e["open_weights"] else "no", "yes" if e["reasoning"] else "no",
                     e["modality"], ", ".join(e.get("specs", ())))
    out.print(meta)


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


def main() -> None:
    try:
        app(standalone_mode=False)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except RunInterrupted as exc:
        print(f"interrupted; everything finished is stored. Resume with "
              f"`riskbench run --resume {exc.run_id}`", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
