"""Reading a million attempts fast: covering indexes for the scoring passes and the
keyset pages, and a cache of a finished run's scores.

Additive: four indexes and one table, nothing else changes. Building the indexes on an
existing large store takes a while once (about a minute per million attempts).
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
    # the per-test-case passes of metrics/run_scores.py read these columns only
    op.create_index("ix_attempts_run_case_status", "attempts",
                    ["run_id", "test_case_id", "sample", "status"])
    op.create_index("ix_verdicts_cover", "verdicts",
                    ["run_id", "test_case_id", "sample", "judge", "outcome", "safe", "score"])
    op.create_index("ix_test_cases_labels", "test_cases",
                    ["id", "expected", "category", "lang", "attack", "attack_family",
                     "scenario", "prog_lang"])
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


def downgrade() -> None:
    op.drop_table("score_cache")
    op.drop_index("ix_run_cases_position", "run_cases")
    op.drop_index("ix_test_cases_labels", "test_cases")
    op.drop_index("ix_verdicts_cover", "verdicts")
    op.drop_index("ix_attempts_run_case_status", "attempts")
