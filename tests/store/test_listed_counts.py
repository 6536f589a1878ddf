"""`riskbench runs` counts a run that is not finished (so not cached) from the case counts
the database keeps (judge '' rows of `case_counts`), not from its attempts: the counts it
lists must equal a count of the attempts themselves, on SQLite and on a real PostgreSQL
server, after writes of every status, a retried error and a lost batch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from helpers.postgres import postgres_server
from riskbench import store
from riskbench.pipeline import RunOptions, evaluate
from riskbench.store.schema import AttemptRow, VerdictRow
from riskbench.types import Attempt, RunConfig


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'r.db'}"
    return str(request.getfixturevalue("pg_url"))


def _counted(engine: object, run_id: str) -> dict[str, int]:
    """What the listing should show, counted from the attempts."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = dict(conn.execute(select(AttemptRow.status, func.count())
                                 .where(AttemptRow.run_id == run_id)
                                 .group_by(AttemptRow.status)).all())
    attempts = sum(rows.values())
    return {"attempts": attempts, "blocked": rows.get("blocked", 0),
            "errors": attempts - rows.get("ok", 0) - rows.get("blocked", 0)}


def _listed(engine: object, run_id: str) -> dict[str, int]:
    """The listed counts, the same through the engine and through `list_runs_at` (the
    stdlib driver on SQLite, the engine on PostgreSQL)."""
    row = next(r for r in store.list_runs(engine) if r["id"] == run_id)  # type: ignore[arg-type]
    url = engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    assert next(r for r in store.list_runs_at(url) if r["id"] == run_id) == row
    return {k: row[k] for k in ("attempts", "blocked", "errors")}


def test_an_unfinished_run_is_listed_with_its_stored_attempts(db: str, tmp_path: Path) -> None:
    run = evaluate(RunConfig(model="scripted:alternate", suite="starter", limit=5, k=2),
                   RunOptions(db_url=db, report_dir=tmp_path / "rep", use_cache=False)).run
    engine = store.connect(db)
    store.set_status(engine, run.id, "interrupted")  # never cached: counted every time
    cases = store.load_cases(engine, run.id)
    writer = store.AttemptWriter(engine)
    for sample, status in ((2, "error"), (3, "timeout"), (4, "blocked"), (5, "ok")):
        for case in cases[:3]:
            writer.add(Attempt(run.id, case.id, sample, status,
                               "I can't help with that." if status == "ok" else "", (),
                               error="" if status in ("ok", "blocked") else "HTTP 503"), [])
    writer.flush()
    writer.close()
    assert _listed(engine, run.id) == _counted(engine, run.id)
    assert _listed(engine, run.id)["attempts"] == 5 * 2 + 4 * 3
    assert _listed(engine, run.id)["errors"] == 6 and _listed(engine, run.id)["blocked"] == 3
    with engine.begin() as conn:  # a retry of errors deletes them; a kill loses a batch
        for table in (VerdictRow, AttemptRow):
            conn.execute(delete(table).where(table.run_id == run.id, table.sample.in_((2, 0))))
    listed = _listed(engine, run.id)
    assert listed == _counted(engine, run.id)
    assert listed["attempts"] == 5 + 3 * 3 and listed["errors"] == 3
    store.set_status(engine, run.id, "running")
    assert _listed(engine, run.id) == listed
