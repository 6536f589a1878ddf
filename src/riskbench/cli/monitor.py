"""`riskbench models ...` (the monitor's model registry) and `riskbench monitor ...`
(compute, import, report): a thin layer over `riskbench.pipeline.monitor`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from riskbench.cli.options import DbOpt, JsonOpt, out, print_json
from riskbench.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy import Engine

DomainsOpt = Annotated[Path | None, typer.Option(
    "--domains", help="Domain config YAML instead of the packaged one.",
    show_default=False)]

models_app = typer.Typer(help="Model providers and the catalog; with a subcommand, the "
                         "monitor's model registry (stored in the database).")
monitor_app = typer.Typer(help="Frontier-risk monitor: capability C, safety S and risk "
                          "R = C x (1 - beta x S / 100) per model and domain.")


def _db(db: str | None) -> Engine:
    from riskbench import store

    return store.connect(db)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@models_app.command("add")
def models_add(
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Registry id, e.g. gpt-4o.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the id).",
                                             show_default=False)] = None,
    vendor: str = "",
    family: str = "",
    released: Annotated[str | None, typer.Option(help="Release date YYYY-MM-DD.",
                                                 show_default=False)] = None,
    open_weights: Annotated[bool, typer.Option("--open-weights/--closed-weights")] = False,
    reasoning: Annotated[bool, typer.Option("--reasoning/--no-reasoning")] = False,
    modality: str = "text",
    beta: Annotated[float | None, typer.Option(help="Safety coefficient override (0-1); "
                    "default from the domain config, lower for open weights.",
                    show_default=False)] = None,
    spec: Annotated[list[str] | None, typer.Option(
        "--spec", help="A run model spec that counts as this model (repeatable), e.g. "
        "openai:gpt-4o.", show_default=False)] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite an existing "
                       "entry.")] = False,
    db: DbOpt = None,
) -> None:
    """Add a model to the registry."""
    from riskbench.models.catalog_file import parse_date
    from riskbench.pipeline import monitor

    info = monitor.ModelInfo(model_id, name or model_id, vendor, family,
                             parse_date(released, "--released"), open_weights, reasoning,
                             modality, beta, tuple(spec or ()))
    added = monitor.add_model(_db(db), info, replace)
    out.print(f"added {added.id}", highlight=False)


@models_app.command("list")
def models_list(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the registry."""
    from riskbench.pipeline import monitor

    models = monitor.list_models(_db(db))
    if as_json:
        print_json({"models": [
            {"id": m.id, "name": m.name, "vendor": m.vendor, "family": m.family,
             "released": m.release_date.isoformat() if m.release_date else None,
             "open_weights": m.open_weights, "reasoning": m.reasoning,
             "modality": m.modality, "beta": m.beta, "specs": list(m.specs)}
            for m in models]})
        return
    table = Table("id", "name", "vendor", "family", "released", "open weights", "reasoning",
                  "modality", "beta", "specs")
    for m in models:
        table.add_row(m.id, m.name, m.vendor, m.family,
                      m.release_date.isoformat() if m.release_date else "–",
                      _yes(m.open_weights), _yes(m.reasoning), m.modality,
                      "default" if m.beta is None else f"{m.beta:g}", ", ".join(m.specs))
    out.print(table)
    out.print(f"{len(models)} models.")


@models_app.command("show")
def models_show(model_id: Annotated[str, typer.Argument(metavar="ID")],
                db: DbOpt = None) -> None:
    """One model: its registry entry, its stored scores and imported benchmarks."""
    from riskbench.pipeline import monitor

    handle = _db(db)
    m = monitor.get_model_info(handle, model_id)
    config = monitor.domains()
    for key, value in (("id", m.id), ("name", m.name), ("vendor", m.vendor),
                       ("family", m.family),
                       ("released", m.release_date.isoformat() if m.release_date else "–"),
                       ("open weights", _yes(m.open_weights)),
                       ("reasoning", _yes(m.reasoning)), ("modality", m.modality),
                       ("beta", f"{config.beta_for(m):g}"
                        + (" (override)" if m.beta is not None else " (default)")),
                       ("specs", ", ".join(m.specs) or "–")):
        out.print(Text.assemble((f"{key}:", "bold"), f" {value}"), highlight=False)
    scores = [s for s in monitor.load_scores(handle) if s.model == m.id]
    if scores:
        table = Table("domain", "C", "S", "beta", "R", "missing", "computed",
                      title="scores")
        for s in scores:
            table.add_row(s.domain, _num(s.capability), _num(s.safety), f"{s.beta:g}",
                          _num(s.risk), ", ".join(s.missing) or "–", s.computed_at)
        out.print(table)
    imported = monitor.list_imported(handle, m.id)
    if imported:
        table = Table("benchmark", "score", "n", "source", "imported", title="imported")
        for i in imported:
            table.add_row(i.benchmark, f"{i.score:g}", str(i.n or "–"), i.source,
                          i.imported_at)
        out.print(table)


@models_app.command("import")
def models_import(
    path: Annotated[Path, typer.Argument(metavar="FILE.yaml")],
    no_replace: Annotated[bool, typer.Option("--no-replace", help="Fail on an id already "
                          "in the registry instead of overwriting it.")] = False,
    db: DbOpt = None,
) -> None:
    """Import models from YAML (the format `models export` writes; the packaged catalog
    models/data/catalog.yaml works too)."""
    from riskbench.pipeline import monitor

    models = monitor.import_models(_db(db), path, replace=not no_replace)
    out.print(f"imported {len(models)} models from {path}", highlight=False)


@models_app.command("export")
def models_export(path: Annotated[Path, typer.Argument(metavar="FILE.yaml")],
                  db: DbOpt = None) -> None:
    """Write the registry as YAML."""
    from riskbench.pipeline import monitor

    n = monitor.export_models(_db(db), path)
    out.print(f"exported {n} models to {path}", highlight=False)


@monitor_app.command("import")
def monitor_import(
    path: Annotated[Path, typer.Argument(metavar="RESULTS.csv", help="model, benchmark, "
                    "score [, n, source, date] per row.")],
    source: Annotated[str | None, typer.Option(help="Provenance recorded for rows "
                      "without a source column (default: the file name).",
                      show_default=False)] = None,
    domains: DomainsOpt = None,
    db: DbOpt = None,
) -> None:
    """Import benchmark scores measured elsewhere, with provenance (all rows or none)."""
    from riskbench.pipeline import monitor

    config = monitor.domains(domains)
    scores = monitor.import_scores(_db(db), path, source, config)
    models = len({s.model for s in scores})
    out.print(f"imported {len(scores)} scores for {models} models from {path}; run "
              "`riskbench monitor compute` to update C, S and R", highlight=False)


@monitor_app.command("compute")
def monitor_compute(
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="Only this registry model (repeatable).", show_default=False)]
    = None,
    prefer: Annotated[str, typer.Option(help="When a stored run and an import both measure "
                      "a benchmark: runs or imports.")] = "runs",
    domains: DomainsOpt = None,
    db: DbOpt = None,
) -> None:
    """Compute C, S and R for every registry model and domain from stored runs and imported
    scores, and store them."""
    from riskbench.pipeline import monitor

    config = monitor.domains(domains)
    scores = monitor.compute_scores(_db(db), config, model, prefer)
    for name, domain in config.domains.items():
        rows = [s for s in scores if s.domain == name]
        table = Table("model", "C", "S", "beta", "R", "missing benchmarks",
                      title=f"{domain.title} ({name})")
        for s in sorted(rows, key=lambda s: -(s.risk if s.risk is not None else -1)):
            table.add_row(s.model, _num(s.capability), _num(s.safety), f"{s.beta:g}",
                          _num(s.risk), ", ".join(s.missing) or "–")
        out.print(table)
    incomplete = sum(1 for s in scores if s.missing)
    out.print(f"stored {len(scores)} scores (config {config.version}); {incomplete} lack "
              "some benchmarks: those are left out of C and S (weights renormalised), never "
              "counted as zero.", highlight=False)


@monitor_app.command("report")
def monitor_report(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for monitor.html, "
                       "monitor.md and CSV files.")] = Path("reports/monitor"),
    window: Annotated[int, typer.Option(help="Days over which the growth of the running "
                      "maximum of R is reported.")] = 365,
    domains: DomainsOpt = None,
    db: DbOpt = None,
) -> None:
    """Write the monitor report from the stored scores (run `monitor compute` first)."""
    from riskbench.pipeline import monitor
    from riskbench.report.monitor import write_monitor_report

    if window < 1:
        raise UsageError(f"--window must be at least 1 day, not {window}")
    from riskbench.validation import writable_folder

    writable_folder("--out", out_dir)
    handle = _db(db)
    config = monitor.domains(domains)
    written = write_monitor_report(monitor.list_models(handle), monitor.load_scores(handle),
                                   config, out_dir, window, date.today())
    for kind, path in written.items():
        out.print(f"  {kind:10} {path}", highlight=False)
