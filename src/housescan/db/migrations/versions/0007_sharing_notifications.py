"""share links, notification preferences, push subscriptions, the notification outbox, password resets;
the spend ledger outlives a deleted account (agent_spend.user_id becomes NULL instead of the row going)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_share_links_scan_id_scans"), ondelete="CASCADE"
        ),
        _user_fk("share_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    op.create_index(op.f("ix_share_links_scan_id"), "share_links", ["scan_id"])
    op.create_index(op.f("ix_share_links_user_id"), "share_links", ["user_id"])

    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email_on_complete", sa.Boolean(), nullable=False),
        sa.Column("push_on_complete", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        _user_fk("notification_preferences"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
    )

    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        _user_fk("push_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"])

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.Enum("email", "push", name="channel", native_enum=False, length=16), nullable=False),
        sa.Column(
            "outcome", sa.Enum("succeeded", "failed", name="outcome", native_enum=False, length=16), nullable=False
        ),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "skipped",
                "logged",
                "failed",
                name="outboxstate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", _TS, nullable=True),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name=op.f("fk_notification_outbox_scan_id_scans"), ondelete="CASCADE"
        ),
        _user_fk("notification_outbox"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
    )
    op.create_index(op.f("ix_notification_outbox_scan_id"), "notification_outbox", ["scan_id"])
    op.create_index(op.f("ix_notification_outbox_user_id"), "notification_outbox", ["user_id"])
    op.create_index("ix_notification_outbox_state_created_at", "notification_outbox", ["state", "created_at"])

    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        _user_fk("password_reset_tokens"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_tokens_user_id"), "password_reset_tokens", ["user_id"])

    with op.batch_alter_table("agent_spend") as batch_op:
        batch_op.drop_constraint("fk_agent_spend_user_id_users", type_="foreignkey")
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_foreign_key("fk_agent_spend_user_id_users", "users", ["user_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM agent_spend WHERE user_id IS NULL")
    with op.batch_alter_table("agent_spend") as batch_op:
        batch_op.drop_constraint("fk_agent_spend_user_id_users", type_="foreignkey")
        batch_op.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.create_foreign_key("fk_agent_spend_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE")
    op.drop_table("password_reset_tokens")
    op.drop_table("notification_outbox")
    op.drop_table("push_subscriptions")
    op.drop_table("notification_preferences")
    op.drop_table("share_links")
