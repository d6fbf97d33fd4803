"""deleted_scan_spend: a deleted scan's agent spend still counts towards budgets and cost reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deleted_scan_spend",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_deleted_scan_spend_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_scan_spend")),
    )
    with op.batch_alter_table("deleted_scan_spend", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deleted_scan_spend_started_at"), ["started_at"], unique=False)
        batch_op.create_index("ix_deleted_scan_spend_user_id_started_at", ["user_id", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("deleted_scan_spend")
