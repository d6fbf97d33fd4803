"""agent_spend: the money ledger of every paid agent call, of succeeded and failed attempts alike, replaces
deleted_scan_spend

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _spend_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6, asdecimal=False), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{name}_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_started_at"), ["started_at"], unique=False)
        batch_op.create_index(f"ix_{name}_user_id_started_at", ["user_id", "started_at"], unique=False)


def upgrade() -> None:
    _spend_table("agent_spend")
    # Every paid run recorded so far (cache hits included: before the ledger, a reused answer's row carried
    # what its first attempt had paid, recorded nowhere else), then the deleted scans' spend.
    op.execute(
        "INSERT INTO agent_spend (user_id, scan_id, model, requests, tokens_in, tokens_out, cost_usd, started_at)"
        " SELECT scans.user_id, runs.scan_id, runs.model, runs.requests, runs.tokens_in, runs.tokens_out,"
        " runs.cost_usd, runs.started_at FROM agents_runs AS runs JOIN scans ON scans.id = runs.scan_id"
        " WHERE runs.requests > 0 OR runs.tokens_in > 0 OR runs.tokens_out > 0 OR runs.cost_usd > 0"
    )
    op.execute(
        "INSERT INTO agent_spend (user_id, scan_id, model, requests, tokens_in, tokens_out, cost_usd, started_at)"
        " SELECT user_id, scan_id, model, requests, tokens_in, tokens_out, cost_usd, started_at"
        " FROM deleted_scan_spend"
    )
    op.drop_table("deleted_scan_spend")


def downgrade() -> None:
    _spend_table("deleted_scan_spend")
    op.execute(
        "INSERT INTO deleted_scan_spend"
        " (user_id, scan_id, model, requests, tokens_in, tokens_out, cost_usd, started_at)"
        " SELECT user_id, scan_id, model, requests, tokens_in, tokens_out, cost_usd, started_at FROM agent_spend"
        " WHERE NOT EXISTS (SELECT 1 FROM scans WHERE scans.id = agent_spend.scan_id)"
    )
    op.drop_table("agent_spend")
