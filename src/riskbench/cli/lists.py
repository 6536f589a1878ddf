"""The listing commands (`suites`, `build`, `attacks`, `judges`, `models`): a thin layer
over each stage's registry (`runs`, the store's listing, is `cli.runs`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from riskbench.atomic import write_atomic
from riskbench.cli.monitor import models_app
from riskbench.cli.options import JsonOpt, out, print_json
from riskbench.errors import UsageError
from riskbench.escaping import terminal_text

app = typer.Typer()


@app.command()
def suites(as_json: JsonOpt = False) -> None:
    """List the built-in suites."""
    from riskbench.suites import suites as registry

    rows: list[dict[str, Any]] = []
    for name, loader in registry:
        try:  # a suite costly to build lists its count from a cache (suites/agentdojo.py)
            listing = getattr(loader, "listing", None)
            count, description = listing() if listing else (
                len((suite := loader()).items), suite.description)
        except UsageError as exc:  # a suite whose extra is not installed (agentdojo:*)
            rows.append({"name": name, "items": None, "description": f"not available: {exc}"})
            continue
        rows.append({"name": name, "items": count, "description": description.strip()})
    if as_json:
        print_json({"suites": rows})
        return
    table = Table("suite", "items", "description")
    for r in rows:
        items = "–" if r["items"] is None else str(r["items"])
        table.add_row(r["name"], items, terminal_text(r["description"]))
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
    as_json: JsonOpt = False,
) -> None:
    """List the registered attacks with family, turns and source."""
    if ctx.invoked_subcommand:
        return
    from riskbench.attacks import adaptive_attacks
    from riskbench.attacks import attacks as registry

    rows: list[dict[str, Any]] = [
        {"name": n, "family": a.family, "turns": a.turns, "parameters": dict(a.params),
         "source": a.source} for n, a in registry]
    rows += [{"name": n, "family": a.family, "turns": "adaptive",
              "parameters": dict(a.params), "source": a.source} for n, a in adaptive_attacks]
    shown = [r for r in rows if family is None or r["family"] == family]
    if as_json:
        print_json({"attacks": shown})
        return
    table = Table("attack", "family", "turns", "parameters", "source")
    for r in shown:
        table.add_row(r["name"], r["family"], str(r["turns"]),
                      ", ".join(f"{k}={v}" for k, v in r["parameters"].items()), r["source"])
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

    for plan in resolve(name, None):
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
def judges(as_json: JsonOpt = False) -> None:
    """List the registered judges."""
    from riskbench.judges import judges as registry

    rows = [{"name": name, "description": getattr(factory, "description", "")}
            for name, factory in registry]
    if as_json:
        print_json({"judges": rows})
        return
    table = Table("judge", "description")
    for r in rows:
        table.add_row(r["name"], r["description"])
    out.print(table)


PROVIDER_FORMS = {"local": "local:smollm2", "hf": "hf:<local folder>",
                  "openai": "openai:<model>",
                  "openai-compatible": "openai-compatible:<base_url>:<model>",
                  "scripted": "scripted:refuse|comply|echo|alternate (tests)"}


@models_app.callback(invoke_without_command=True)
def models(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List model providers and the model metadata catalog; subcommands (add, list, show,
    import, export) manage the monitor's model registry."""
    if ctx.invoked_subcommand:
        return
    from riskbench.models import catalog, providers
    from riskbench.models.catalog import released

    kinds = [{"name": name, "spec_form": PROVIDER_FORMS.get(name, f"{name}:...")}
             for name, _ in providers]
    known: list[dict[str, Any]] = [
        {"model": name, "vendor": m.vendor, "family": m.family, "released": released(m),
         "open_weights": m.open_weights, "reasoning": m.reasoning, "modality": m.modality,
         "specs": list(m.specs)}
        for name, m in catalog().items()]
    if as_json:
        print_json({"providers": kinds, "catalog": known})
        return
    table = Table("provider", "spec form")
    for p in kinds:
        table.add_row(p["name"], p["spec_form"])
    out.print(table)
    meta = Table("model", "vendor", "family", "released", "open weights", "reasoning",
                 "modality", "specs")
    for m in known:
        meta.add_row(m["model"], m["vendor"], m["family"], m["released"],
                     "yes" if m["open_weights"] else "no", "yes" if m["reasoning"] else "no",
                     m["modality"], ", ".join(m["specs"]))
    out.print(meta)
