"""Verdicts name the exact version of their judge (hash of code, data, judge model).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("judge_version", sa.String(32), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.drop_column("judge_version")
