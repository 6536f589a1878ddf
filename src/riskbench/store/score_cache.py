"""The store's side of the finished-run score cache: what a run's state is (so a cached
entry can tell it is stale), and reading and writing entries. What goes into an entry,
and when to compute one, is metrics' business (metrics/score_cache.py)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from riskbench.store.runs import now
from riskbench.store.schema import AttemptRow, RunRow, ScoreCacheRow, VerdictRow


def run_state_of(engine: Engine, run_id: str) -> str | None:
    """A fingerprint of everything a run's scores are computed from: its status and
    finish time, its attempts per status and its verdict count. Any write to a run
    (a resume, a retry of its errors, new verdicts) changes it; None unless finished.
    Index-only counts: about 0.1 s per million attempts on SQLite."""
    with engine.connect() as conn:
        run = conn.execute(select(RunRow.status, RunRow.finished_at)
                           .where(RunRow.id == run_id)).first()
        if run is None or run.status != "finished":
            return None
        statuses = conn.execute(
            select(AttemptRow.status, func.count()).where(AttemptRow.run_id == run_id)
            .group_by(AttemptRow.status).order_by(AttemptRow.status)).all()
        verdicts = conn.execute(select(func.count()).select_from(VerdictRow)
                                .where(VerdictRow.run_id == run_id)).scalar_one()
    counts = ",".join(f"{status}={n}" for status, n in statuses)
    return f"{run.status}@{run.finished_at};{counts};verdicts={verdicts}"


def get_entry(engine: Engine, run_id: str, variant: str, fingerprint: str) -> str | None:
    """The cached scores (JSON text) when their fingerprint still matches, else None."""
    with engine.connect() as conn:
        return conn.execute(select(ScoreCacheRow.scores).where(
            ScoreCacheRow.run_id == run_id, ScoreCacheRow.variant == variant,
            ScoreCacheRow.fingerprint == fingerprint)).scalar_one_or_none()


def put_entry(engine: Engine, run_id: str, variant: str, fingerprint: str,
              scores: str) -> None:
    """Replace the run's entry for `variant` (one transaction: never two, never none
    half-written). A process that wrote the same entry at the same moment wins."""
    try:
        with engine.begin() as conn:
            conn.execute(delete(ScoreCacheRow).where(ScoreCacheRow.run_id == run_id,
                                                     ScoreCacheRow.variant == variant))
            conn.execute(insert(ScoreCacheRow), [{
                "run_id": run_id, "variant": variant, "fingerprint": fingerprint,
                "scores": scores, "computed_at": now()}])
    except IntegrityError:
        pass
