"""the rooms a queued re-analysis runs again, as the scan's own column instead of a key of its inputs_snapshot

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:10:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
_SCANS = sa.table(
    "scans",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String()),
    sa.column("inputs_snapshot", _JSON),
    sa.column("reanalyse_room_ids", _JSON),
)
_OLD_KEY = "reanalyse"


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("reanalyse_room_ids", _JSON, nullable=True))
    connection = op.get_bind()
    marked = connection.execute(
        sa.select(_SCANS.c.id, _SCANS.c.status, _SCANS.c.inputs_snapshot).where(
            sa.cast(_SCANS.c.inputs_snapshot, sa.Text).like(f'%"{_OLD_KEY}"%')
        )
    )
    for scan_id, status, snapshot in marked:
        snapshot = _loaded(snapshot)
        if _OLD_KEY not in snapshot:
            continue
        chosen = snapshot.pop(_OLD_KEY)
        # Only a run still to come is a re-analysis; a finished scan's key named a run that is over.
        rooms = chosen.get("rooms") if isinstance(chosen, dict) and status in ("queued", "running") else None
        connection.execute(
            sa.update(_SCANS)
            .where(_SCANS.c.id == scan_id)
            .values(inputs_snapshot=snapshot, reanalyse_room_ids=[str(room) for room in rooms] if rooms else sa.null())
        )


def downgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("reanalyse_room_ids")


def _loaded(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded) if isinstance(loaded, dict) else {}
