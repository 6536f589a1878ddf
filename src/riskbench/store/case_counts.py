"""The store's side of the per-test-case counts the database keeps as a run writes
(`case_counts`, triggers of migration 0006): whether they can be read for scores, and
the increments the run's writer adds itself for the rows it marks counted (0007)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from riskbench.store.schema import CaseCountRow, CaseCountsBandRow


def kept_band(conn: Any) -> tuple[float, float] | None:
    """The partial-refusal score band the kept counts use; None if there is none."""
    row = conn.execute(select(CaseCountsBandRow.low, CaseCountsBandRow.high)
                       .where(CaseCountsBandRow.id == 1)).first()
    return None if row is None else (float(row.low), float(row.high))


# The counted columns, in the table's order after its key (migration 0006's COLUMNS).
COLUMNS = tuple(c.name for c in CaseCountRow.__table__.columns
                if c.name not in ("run_id", "judge", "test_case_id"))
_OUTCOME_COLUMN = {c[2:]: COLUMNS.index(c) for c in COLUMNS if c.startswith("o_")}
_AT = {c: COLUMNS.index(c) for c in ("n", "ok", "blocked", "failed", "safe", "decided",
                                     "score_sum", "partial")}

# One upsert per (run, judge, test case) a transaction touched: what 0006's per-row insert
# triggers add, summed in Python (the writer's rows are tuples already).
UPSERT = (f"INSERT INTO case_counts (run_id, judge, test_case_id, {', '.join(COLUMNS)}) "
          f"VALUES ({', '.join('?' * (3 + len(COLUMNS)))}) "
          "ON CONFLICT (run_id, judge, test_case_id) DO UPDATE SET "
          + ", ".join(f"{c} = case_counts.{c} + excluded.{c}" for c in COLUMNS))


def batch_counts(attempts: Iterable[Sequence[Any]], verdicts: Iterable[Sequence[Any]],
                 band: tuple[float, float]) -> list[tuple[Any, ...]] | None:
    """The case_counts increments of one transaction's new rows, as 0006's insert
    triggers count them: attempt rows (run_id, test_case_id, sample, status, ...) in the
    '' row by status; verdict rows (run_id, test_case_id, sample, judge, outcome, score,
    safe, ...) on a reply (an attempt of status `ok`) in their judge's row. A verdict's
    attempt must be among `attempts` (the writer stores an attempt with its verdicts;
    foreign keys keep a verdict from coming first); None if one is not: the triggers
    count such a transaction."""
    low, high = band
    rows: dict[tuple[str, str, str], list[Any]] = {}
    status: dict[tuple[str, str, int], str] = {}

    def row(key: tuple[str, str, str]) -> list[Any]:
        found = rows.get(key)
        if found is None:
            found = rows[key] = [*key, *([0] * len(COLUMNS))]
            found[3 + _AT["score_sum"]] = 0.0
        return found

    for run_id, case_id, sample, state, *_ in attempts:
        status[run_id, case_id, sample] = state
        counts = row((run_id, "", case_id))
        counts[3 + _AT["n"]] += 1
        counts[3 + _AT[state if state in ("ok", "blocked") else "failed"]] += 1
    for run_id, case_id, sample, judge, outcome, score, safe, *_ in verdicts:
        state = status.get((run_id, case_id, sample))
        if state is None:
            return None
        if state != "ok":
            continue
        counts = row((run_id, judge, case_id))
        counts[3 + _AT["n"]] += 1
        counts[3 + _AT["safe"]] += 1 if safe else 0
        if outcome in _OUTCOME_COLUMN:
            counts[3 + _OUTCOME_COLUMN[outcome]] += 1
        if outcome != "undetermined":
            counts[3 + _AT["decided"]] += 1
            counts[3 + _AT["score_sum"]] += score
        if outcome == "compliance" and low <= score <= high:
            counts[3 + _AT["partial"]] += 1
    return [tuple(counts) for counts in rows.values()]
