"""A per-row switch for the case-count triggers: `counted` on attempts and verdicts.

The run's writer on SQLite counts the rows of each transaction itself, one aggregated
upsert into `case_counts` (store/case_counts.py), and marks them `counted = 1`; the
insert triggers of 0006 then skip them (`WHEN NEW.counted = 0`): per-row triggers were
~40 % of the writer's CPU (docs/performance.md, issue 18). Every other writer (bulk
loads, hand-made fixes, PostgreSQL's writer) leaves the default 0 and keeps the
triggers' exact counts; deletes and updates recount as before, whatever the flag.

Additive: one column with a default on each table (no rewrite on SQLite or PostgreSQL
11+), the insert triggers re-created with the switch. Chained after 0006; re-chain
after any revision merged before it.

Revision ID: 0007
Revises: 0006
"""

import importlib.util
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _counts_0006() -> Any:
    """0006's trigger SQL builders (one definition of what a count is)."""
    path = Path(__file__).with_name("0006_store18_case_counts.py")
    spec = importlib.util.spec_from_file_location("riskbench_migration_0006", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    for table in ("attempts", "verdicts"):
        op.add_column(table, sa.Column("counted", sa.Integer, nullable=False,
                                       server_default="0"))
    _insert_triggers(switch=True)


def downgrade() -> None:
    _insert_triggers(switch=False)
    for table in ("attempts", "verdicts"):
        op.drop_column(table, "counted")


def _insert_triggers(switch: bool) -> None:
    """Re-create 0006's insert triggers, with or without `counted = 0` as their guard."""
    old = _counts_0006()
    dialect = op.get_bind().dialect.name
    statements = old.trigger_ddl(dialect)
    if dialect == "sqlite":
        for table in ("attempts", "verdicts"):
            op.execute(f"DROP TRIGGER IF EXISTS case_counts_{table}_insert")
        for ddl in statements:
            if "_insert AFTER INSERT" in ddl:
                if switch:
                    ddl = ddl.replace(" BEGIN ", " WHEN NEW.counted = 0 BEGIN ", 1)
                op.execute(ddl)
    elif dialect == "postgresql":
        for ddl in statements:
            if ddl.startswith("CREATE FUNCTION riskbench_case_counts_") and "_insert()" in ddl:
                if switch:  # the statement's new rows the writer did not count
                    ddl = ddl.replace("FROM new_rows a ", "FROM (SELECT * FROM new_rows "
                                      "WHERE counted = 0) a ")
                    ddl = ddl.replace("FROM new_rows v ", "FROM (SELECT * FROM new_rows "
                                      "WHERE counted = 0) v ")
                op.execute(ddl.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
