"""Campaigns: one spec over several models, and the run of each model x suite.

Additive: two new tables, nothing else changes. Chained after the head of this branch
(0002); re-chain after any revision merged before it.

Revision ID: 0004
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False, index=True),
    )
    op.create_table(
        "campaign_runs",
        sa.Column("campaign_id", sa.String(64),
                  sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("label", sa.String(256), primary_key=True),
        sa.Column("suite", sa.String(512), primary_key=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_runs")
    op.drop_table("campaigns")
