"""The store's side of the finished-run cache: reading and writing entries, and the
state of a run an entry was computed for. Entries hold a run's scores (what goes into
them is metrics' business, metrics/score_cache.py) or its attempt counts (`runs`, which
reads them in `store.listing`, through the driver).

The database empties a run's entries itself whenever the run's attempts or verdicts
change (triggers of migration 0005), whoever writes; an entry also names the run's
status and finish time, so a run that is not finished is never served from the cache.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from riskbench.store.driver import COUNTS, run_state
from riskbench.store.schema import RunRow, ScoreCacheRow

__all__ = ["COUNTS", "get_entry", "put_counts", "put_entry", "run_state", "run_state_of"]


def run_state_of(engine: Engine, run_id: str) -> str | None:
    with engine.connect() as conn:
        run = conn.execute(select(RunRow.status, RunRow.finished_at)
                           .where(RunRow.id == run_id)).first()
    return None if run is None else run_state(run.status, run.finished_at)


def get_entry(engine: Engine, run_id: str, variant: str, fingerprint: str) -> str | None:
    """The cached text when its fingerprint still matches, else None."""
    with engine.connect() as conn:
        return conn.execute(select(ScoreCacheRow.scores).where(
            ScoreCacheRow.run_id == run_id, ScoreCacheRow.variant == variant,
            ScoreCacheRow.fingerprint == fingerprint)).scalar_one_or_none()


def put_entry(engine: Engine, run_id: str, variant: str, fingerprint: str,
              text: str) -> None:
    """Replace the run's entry for `variant` in one transaction. A process that wrote
    the same entry at the same moment wins; a read-only store is simply not cached."""
    try:
        with engine.begin() as conn:
            conn.execute(delete(ScoreCacheRow).where(ScoreCacheRow.run_id == run_id,
                                                     ScoreCacheRow.variant == variant))
            conn.execute(insert(ScoreCacheRow), [{
                "run_id": run_id, "variant": variant, "fingerprint": fingerprint,
                "scores": text,
                "computed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}])
    except (IntegrityError, OperationalError):
        pass


def put_counts(engine: Engine, run_id: str, state: str, counts: dict[str, int]) -> None:
    put_entry(engine, run_id, COUNTS, state, json.dumps(counts, sort_keys=True))
