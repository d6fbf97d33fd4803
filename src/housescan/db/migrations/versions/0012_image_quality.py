"""each photo's quality measures (blur, brightness, clipping, size, hash), read by the renditions pass

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Photos stored before stay unmeasured (NULL): they simply have no quality flags.
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("quality", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.drop_column("quality")
