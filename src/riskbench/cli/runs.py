"""`riskbench runs`: the stored runs, newest first.

A module of its own so that starting it imports the store's listing and the table, and
nothing else (`cli.lazy`): the listing is read from the store's kept counts in
milliseconds, through the stdlib driver on a current SQLite store, so start-up is most of
the command (docs/performance.md)."""

from __future__ import annotations

import typer
from rich.table import Table

from riskbench import store
from riskbench.cli.options import DbOpt, JsonOpt, out, print_json
from riskbench.validation import number

app = typer.Typer()


@app.command()
def runs(db: DbOpt = None, limit: int = 50, as_json: JsonOpt = False) -> None:
    """List stored runs, newest first."""
    number("--limit", limit, low=1)
    rows = [{"id": r["id"], "status": r["status"], "model": r["config"]["model"],
             "suite": r["config"]["suite"], "k": r["config"]["k"], "attempts": r["attempts"],
             "expected_attempts": r["expected_attempts"], "errors": r["errors"],
             "blocked": r["blocked"], "created_at": r["created_at"],
             "finished_at": r["finished_at"], "config": r["config"]}
            for r in store.list_runs_at(db, limit)]
    if as_json:
        print_json({"runs": rows})
        return
    table = Table()
    for name in ("run", "status", "model", "suite", "k", "attempts", "errors", "blocked",
                 "created"):
        table.add_column(name)
    for r in rows:
        table.add_row(r["id"], r["status"], r["model"], r["suite"], str(r["k"]),
                      f"{r['attempts']}/{r['expected_attempts']}", str(r["errors"]),
                      str(r["blocked"]), r["created_at"])
    out.print(table)
