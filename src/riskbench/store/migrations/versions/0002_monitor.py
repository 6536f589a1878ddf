"""Frontier-risk monitor: model registry, imported benchmark scores, domain scores.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_models",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("vendor", sa.String(128), nullable=False),
        sa.Column("family", sa.String(128), nullable=False),
        sa.Column("release_date", sa.String(10), nullable=True),
        sa.Column("open_weights", sa.Boolean, nullable=False),
        sa.Column("reasoning", sa.Boolean, nullable=False),
        sa.Column("modality", sa.String(64), nullable=False),
        sa.Column("beta", sa.Float, nullable=True),
        sa.Column("specs", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "monitor_imported_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(128), nullable=False, index=True),
        sa.Column("benchmark", sa.String(128), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("n", sa.Integer, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("measured_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "monitor_scores",
        sa.Column("model", sa.String(128), primary_key=True),
        sa.Column("domain", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(128), primary_key=True),
        sa.Column("capability", sa.Float, nullable=True),
        sa.Column("safety", sa.Float, nullable=True),
        sa.Column("risk", sa.Float, nullable=True),
        sa.Column("beta", sa.Float, nullable=False),
        sa.Column("computed_at", sa.String(32), nullable=False, index=True),
        sa.Column("missing", sa.JSON, nullable=False),
        sa.Column("benchmarks", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in ("monitor_scores", "monitor_imported_scores", "monitor_models"):
        op.drop_table(table)
