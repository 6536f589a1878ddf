"""The runs listing (`riskbench runs`, the dashboard's run list): the newest runs with how
many attempts are stored, how many failed and how many the provider blocked (a block is
an answer of the deployed system, not a failure).

Written once, in SQL over a DB-API connection: `store.list_runs(engine)` runs it on the
engine's driver connection (SQLite or PostgreSQL), and `list_runs_at(url)` on a SQLite
file opened with the stdlib driver (`driver.open_current_sqlite`), so that `riskbench
runs` does not import SQLAlchemy, its ORM and the schema: about half of its start-up
on a million attempts (docs/performance.md). Any other store takes `connect`'s way.

Attempts are counted for the listed runs only. A finished run's counts come from the
score cache (emptied by the database whenever its attempts change) and are put there
when missing; the others' from the case counts the database keeps (judge '' rows of
`case_counts`, migration 0006: one row per test case instead of one per attempt; for an
unfinished run of 1M attempts 0.24 s instead of 4.4 s through the attempts' index).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from riskbench.jsonl import loads
from riskbench.store.driver import COUNTS, open_current_sqlite, run_state
from riskbench.types import Run, RunConfig

if TYPE_CHECKING:
    from sqlalchemy import Engine

Counts = dict[str, int]  # attempts per status: ok, blocked, error (time-outs included)
_CHUNK = 500  # ids per IN list


def list_runs_at(url: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """The listing of the store at `url` (None: $RISKBENCH_DB or the default file), read
    through the stdlib driver where that store is a SQLite file at the newest schema."""
    conn = open_current_sqlite(url)
    if conn is None:  # a new file, an old schema, PostgreSQL, a bad URL: as it always was
        from riskbench.store.database import connect
        from riskbench.store.runs import list_runs

        return list_runs(connect(url), limit)
    try:
        listed, to_cache = read_listing(conn, limit, "?")
    finally:
        conn.close()
    if to_cache:
        from riskbench.store.database import connect

        cache_counts(connect(url, current=True), to_cache)
    return listed


def read_listing(conn: Any, limit: int, mark: str
                 ) -> tuple[list[dict[str, Any]], dict[str, tuple[str, Counts]]]:
    """The `limit` newest runs as listed, and the counts of the finished runs that were
    not cached yet (run id: (run state, counts)), for the caller to cache. `conn` is a
    DB-API connection whose driver takes `mark` as its placeholder."""
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT id, status, config, created_at, finished_at, n_cases FROM runs"
                       f" ORDER BY created_at DESC, id DESC LIMIT {mark}", (limit,))
        runs = [Run(run_id, RunConfig.from_json(_json(config)), status, created, finished,
                    n_cases)
                for run_id, status, config, created, finished, n_cases in cursor.fetchall()]
        states = {run.id: state for run in runs
                  if (state := run_state(run.status, run.finished_at))}
        counts = _cached_counts(cursor, mark, states)
        counted = _kept_counts(cursor, mark, [run.id for run in runs if run.id not in counts])
    finally:
        cursor.close()
    to_cache = {}
    for run_id, by_status in counted.items():
        counts[run_id] = by_status
        if run_id in states:
            to_cache[run_id] = (states[run_id], by_status)
    listed = []
    for run in runs:
        by_status = counts[run.id]
        blocked = by_status.get("blocked", 0)
        attempts = sum(by_status.values())
        listed.append({**asdict(run), "attempts": attempts,
                       "errors": attempts - by_status.get("ok", 0) - blocked,
                       "blocked": blocked, "expected_attempts": run.n_cases * run.config.k})
    return listed, to_cache


def cache_counts(engine: Engine, to_cache: dict[str, tuple[str, Counts]]) -> None:
    from riskbench.store.score_cache import put_counts

    for run_id, (state, counts) in to_cache.items():
        put_counts(engine, run_id, state, counts)


def _json(value: Any) -> Any:
    """A JSON column as the driver returns it: text on SQLite, decoded on PostgreSQL."""
    return loads(value) if isinstance(value, (str, bytes)) else value


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[start:start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def _cached_counts(cursor: Any, mark: str, states: dict[str, str]) -> dict[str, Counts]:
    """The counts of the finished runs in `states` (run id: run state) whose cache entry
    was computed for that state."""
    found: dict[str, Counts] = {}
    for ids in _chunks(list(states)):
        cursor.execute("SELECT run_id, fingerprint, scores FROM score_cache WHERE variant ="
                       f" {mark} AND run_id IN ({', '.join([mark] * len(ids))})",
                       (COUNTS, *ids))
        found |= {run_id: json.loads(text) for run_id, fingerprint, text in cursor.fetchall()
                  if states[run_id] == fingerprint}
    return found


def _kept_counts(cursor: Any, mark: str, run_ids: list[str]) -> dict[str, Counts]:
    """Attempts per status (`error` counting time-outs too, as the cache does) from the
    case counts the database keeps; every run in `run_ids` is in the answer."""
    counts: dict[str, Counts] = {run_id: {} for run_id in run_ids}
    for ids in _chunks(run_ids):
        cursor.execute("SELECT run_id, SUM(ok), SUM(blocked), SUM(failed) FROM case_counts"
                       f" WHERE judge = '' AND run_id IN ({', '.join([mark] * len(ids))})"
                       " GROUP BY run_id", tuple(ids))
        for run_id, ok, blocked, failed in cursor.fetchall():
            counts[run_id] = {"ok": int(ok), "blocked": int(blocked), "error": int(failed)}
    return counts
