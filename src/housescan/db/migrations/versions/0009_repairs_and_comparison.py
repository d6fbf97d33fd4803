"""the account's regional cost factor for the cost guide; repair lists (one row per version, each with its
own link); the person's rating and note per scanned home
and their own pairing of rooms between two scans of a house

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


_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


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
    op.create_table(
        "repairs_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("items", _JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("opened_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_repairs_lists_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_repairs_lists_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repairs_lists")),
        sa.UniqueConstraint("series_id", "version", name=op.f("uq_repairs_lists_series_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_repairs_lists_token_hash")),
    )
    op.create_table(
        "comparison_verdicts",
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_comparison_verdicts_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("scan_id", name=op.f("pk_comparison_verdicts")),
    )
    op.create_table(
        "comparison_room_pairs",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("earlier_room_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_comparison_room_pairs_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["earlier_room_id"],
            ["rooms.id"],
            name=op.f("fk_comparison_room_pairs_earlier_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_comparison_room_pairs")),
    )
    for column in ("series_id", "scan_id", "user_id"):
        op.create_index(op.f(f"ix_repairs_lists_{column}"), "repairs_lists", [column])


def downgrade() -> None:
    op.drop_table("comparison_room_pairs")
    op.drop_table("comparison_verdicts")
    op.drop_table("repairs_lists")
    op.drop_table("repairs_cost_preferences")
