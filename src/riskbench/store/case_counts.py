"""The store's side of the per-test-case counts the database keeps as a run writes
(`case_counts`, triggers of migration 0006): whether they can be read for scores."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from riskbench.store.schema import CaseCountsBandRow


def kept_band(conn: Any) -> tuple[float, float] | None:
    """The partial-refusal score band the kept counts use; None if there is none."""
    row = conn.execute(select(CaseCountsBandRow.low, CaseCountsBandRow.high)
                       .where(CaseCountsBandRow.id == 1)).first()
    return None if row is None else (float(row.low), float(row.high))
