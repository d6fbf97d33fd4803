"""review_answers and review_findings: the person's answers (which win over the models' on read) and
findings; the models' raw output stays in agents_runs and house_scan_summary

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "review_answers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=220), nullable=False),
        sa.Column("value", JSON, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_ids", JSON, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_review_answers_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_answers")),
        sa.UniqueConstraint("scan_id", "scope", "item_id", name=op.f("uq_review_answers_scan_id")),
    )
    op.create_index(op.f("ix_review_answers_scan_id"), "review_answers", ["scan_id"], unique=False)
    op.create_table(
        "review_findings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_ids", JSON, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("checklist_item_id", sa.String(length=220), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_review_findings_scan_id_scans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_review_findings_room_id_rooms"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_findings")),
    )
    op.create_index(op.f("ix_review_findings_scan_id"), "review_findings", ["scan_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_findings_scan_id"), table_name="review_findings")
    op.drop_table("review_findings")
    op.drop_index(op.f("ix_review_answers_scan_id"), table_name="review_answers")
    op.drop_table("review_answers")
