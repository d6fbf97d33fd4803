"""documented findings (trade, cost range, marks on photos), when a scan was first analysed, and the
account's currency and time zone

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("review_findings") as batch:
        batch.add_column(sa.Column("trade", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("cost_low", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cost_high", sa.Float(), nullable=True))
        batch.add_column(sa.Column("cost_source", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("marks", _JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("first_analysed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE scans SET first_analysed_at = COALESCE("
        "(SELECT MIN(agents_runs.started_at) FROM agents_runs WHERE agents_runs.scan_id = scans.id), finished_at)"
        " WHERE status = 'succeeded'"
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")
        batch.drop_column("currency")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("first_analysed_at")
    with op.batch_alter_table("review_findings") as batch:
        for column in ("marks", "cost_source", "cost_high", "cost_low", "trade"):
            batch.drop_column(column)
