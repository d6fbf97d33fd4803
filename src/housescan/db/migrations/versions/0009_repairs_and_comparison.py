"""the account's regional cost factor for the cost guide

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 13:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "repairs_cost_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("cost_factor", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_repairs_cost_preferences_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_repairs_cost_preferences")),
    )


def downgrade() -> None:
    op.drop_table("repairs_cost_preferences")
