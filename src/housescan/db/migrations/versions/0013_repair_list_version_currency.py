"""each repair list version keeps the currency it was saved in, and whether its reader sees the estimates

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Versions saved before stay NULL: they read the currency of what was sent, else the account's, as before.
    # Their readers were shown the estimates, so they keep showing them; a new version leaves them out by default.
    with op.batch_alter_table("repairs_lists") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=True))
        batch.add_column(sa.Column("show_estimates", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("repairs_lists") as batch:
        batch.drop_column("show_estimates")
        batch.drop_column("currency")
