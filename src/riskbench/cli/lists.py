"""The listing commands (`runs`, `suites`, `build`, `attacks`, `judges`, `models`): a thin
layer over each stage's registry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from riskbench.atomic import write_atomic
from riskbench.cli.monitor import models_app
from riskbench.cli.options import DbOpt, out
from riskbench.errors import UsageError
from riskbench.escaping import terminal_text

app = typer.Typer()


@app.command()
def runs(db: DbOpt = None, limit: int = 50) -> None:
    """List stored runs, newest first."""
    from riskbench import store
    from riskbench.validation import number

    number("--limit", limit, low=1)

    table = Table()
    for name in ("run", "status", "model", "suite", "k", "attempts", "errors", "blocked",
                 "created"):
        table.add_column(name)
    for r in store.list_runs(store.connect(db), limit):
        table.add_row(r["id"], r["status"], r["config"]["model"], r["config"]["suite"],
                      str(r["config"]["k"]), f"{r['attempts']}/{r['expected_attempts']}",
                      str(r["errors"]), str(r["blocked"]), r["created_at"])
    out.print(table)


@app.command()
def suites() -> None:
    """List the built-in suites."""
    from riskbench.suites import suites as registry

    table = Table("suite", "items", "description")
    for name, loader in registry:
        try:
            suite = loader()
        except UsageError as exc:  # a suite whose extra is not installed (agentdojo:*)
            table.add_row(name, "–", terminal_text(f"not available: {exc}"))
            continue
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
    from riskbench.suites.base import spread
    from riskbench.validation import writable_file

    writable_file("-o", output)
    suite = builders.get(name)(cyberseceval, quick)
    write_atomic(output, (json.dumps(item.to_json(), ensure_ascii=False) + "\n"
                          for item in suite.items))
    for title, field in (("scenario", "scenario"), ("language", "prog_lang"),
                         ("attack", "attack"), ("category", "category")):
        counts = spread(suite.items, field)
        out.print(Text.assemble((f"by {title}", "bold"), ": " + ", ".join(
            f"{k} {v}" for k, v in counts.items())), highlight=False)
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
            out.print(Text.assemble((plan.name, "bold"), f" ({plan.family}): "
                                    f"{plan.adaptive.description}\nsource: "
                                    f"{plan.adaptive.source}\nsends what its helper model "
                                    f"writes; needs {needs}"), highlight=False)
            continue
        for atk, _ in plan.stages:
            out.print(Text.assemble((atk.name, "bold"), f" ({atk.family}, {atk.turns} "
                                    f"turn(s)): {atk.description}\nsource: {atk.source}"),
                      highlight=False)
        out.print(f"test case {case.id}:", style="dim")
        for message in case.conversation.messages:
            out.print(Text(f"{message.role}:", style="bold"))
            out.print(message.content, highlight=False)
        for n, followup in enumerate(case.conversation.followups, start=2):
            out.print(Text(f"user (turn {n}, after the reply):", style="bold"))
            out.print(followup, highlight=False)


@app.command()
def judges() -> None:
    """List the registered judges."""
    from riskbench.judges import judges as registry

    table = Table("judge", "description")
    for name, factory in registry:
        table.add_row(name, getattr(factory, "description", ""))
    out.print(table)


@models_app.callback(invoke_without_command=True)
def models(ctx: typer.Context) -> None:
    """List model providers and the model metadata catalog; subcommands (add, list, show,
    import, export) manage the monitor's model registry."""
    if ctx.invoked_subcommand:
        return
    from riskbench.models import catalog, providers
    from riskbench.models.catalog import released

    table = Table("provider", "spec form")
    forms = {"local": "local:smollm2", "hf": "hf:<local folder>", "openai": "openai:<model>",
             "openai-compatible": "openai-compatible:<base_url>:<model>",
             "scripted": "scripted:refuse|comply|echo|alternate (tests)"}
    for name, _ in providers:
        table.add_row(name, forms.get(name, f"{name}:..."))
    out.print(table)
    meta = Table("model", "vendor", "family", "released", "open weights", "reasoning",
                 "modality", "specs")
    for name, m in catalog().items():
        meta.add_row(name, m.vendor, m.family, released(m), "yes" if m.open_weights else "no",
                     "yes" if m.reasoning else "no", m.modality, ", ".join(m.specs))
    out.print(meta)
