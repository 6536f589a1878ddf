"""Reading a million attempts fast: covering indexes for the scoring passes and the
keyset pages, and a cache of a finished run's scores (and attempt counts) that the
database itself empties for a run whenever the run's attempts or verdicts change
(triggers: whatever writes, a resume, a retry, a Ray worker, a hand-made fix).

Additive: two indexes, one table and its triggers, nothing else changes. Building the indexes on an
existing large store takes a while once (about half a minute per million attempts).
Chained after 0004; re-chain after any revision merged before it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the per-test-case passes of metrics/run_scores.py and the status counts read the
    # attempts through this index alone (covering); verdicts and test cases are looked
    # up by their primary keys (SQLite prefers those to any covering index)
    op.create_index("ix_attempts_run_case_status", "attempts",
                    ["run_id", "test_case_id", "sample", "status"])
    # transcript pages in plan order, by key (web/data.py)
    op.create_index("ix_run_cases_position", "run_cases", ["run_id", "position"])
    op.create_table(
        "score_cache",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("variant", sa.String(256), primary_key=True),
        sa.Column("fingerprint", sa.String(512), nullable=False),
        sa.Column("scores", sa.Text, nullable=False),
        sa.Column("computed_at", sa.String(32), nullable=False),
    )
    for statement in invalidation_ddl(op.get_bind().dialect.name):
        op.execute(statement)


WATCHED = ("attempts", "verdicts")


def invalidation_ddl(dialect: str) -> list[str]:
    """Triggers that drop a run's cached entries when its attempts or verdicts change.
    SQLite: per row (an index seek on a table that holds no entry while a run writes).
    PostgreSQL: per statement, over the statement's transition table."""
    if dialect == "sqlite":
        return [f"CREATE TRIGGER score_cache_{table}_{op_} AFTER {op_.upper()} ON {table} "
                f"BEGIN DELETE FROM score_cache WHERE run_id = {row}.run_id; END"
                for table in WATCHED
                for op_, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))]
    if dialect == "postgresql":
        out = ["CREATE FUNCTION riskbench_score_cache_drop() RETURNS trigger AS $$ BEGIN "
               "DELETE FROM score_cache WHERE run_id IN (SELECT DISTINCT run_id FROM changed); "
               "RETURN NULL; END $$ LANGUAGE plpgsql"]
        for table in WATCHED:
            for op_, which in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
                out.append(f"CREATE TRIGGER score_cache_{table}_{op_} AFTER {op_.upper()} "
                           f"ON {table} REFERENCING {which} TABLE AS changed FOR EACH "
                           "STATEMENT EXECUTE FUNCTION riskbench_score_cache_drop()")
        return out
    return []


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in WATCHED:
        for op_ in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS score_cache_{table}_{op_}"
                       + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS riskbench_score_cache_drop()")
    op.drop_table("score_cache")
    op.drop_index("ix_run_cases_position", "run_cases")
    op.drop_index("ix_attempts_run_case_status", "attempts")
