"""scans.edited_at: when the person last edited the report (a deleted finding leaves no row to date it)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Scans edited before stay NULL: their "updated" is their newest answer, finding or photo, as before.
    op.add_column("scans", sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not a batch (a copy of the table): on SQLite, dropping the old scans table would cascade to their photos.
    op.drop_column("scans", "edited_at")
