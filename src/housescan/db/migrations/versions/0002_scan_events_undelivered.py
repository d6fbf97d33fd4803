"""scan_events.undelivered: a scan's outcome event is written with its results and emitted after the commit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undelivered", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(
            "ix_scan_events_undelivered",
            ["id"],
            unique=False,
            postgresql_where=sa.text("undelivered"),
            sqlite_where=sa.text("undelivered"),
        )


def downgrade() -> None:
    with op.batch_alter_table("scan_events", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_events_undelivered")
        batch_op.drop_column("undelivered")
