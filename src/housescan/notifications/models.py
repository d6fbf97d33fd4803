"""Notification tables: per-user preferences, the browsers' push subscriptions, and the outbox that scan
outcomes are announced from (written in the transaction that finishes the scan, sent after its commit)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey, utcnow


class Channel(enum.StrEnum):
    email = "email"
    push = "push"


class Outcome(enum.StrEnum):
    succeeded = "succeeded"
    failed = "failed"


class OutboxState(enum.StrEnum):
    pending = "pending"  # committed with the scan's outcome, not sent yet
    sending = "sending"  # claimed by one process; a claim older than the lease is taken over
    sent = "sent"
    skipped = "skipped"  # the person turned the channel off, or has no device subscribed
    logged = "logged"  # no SMTP server configured: the message went to the log instead
    failed = "failed"  # gave up: still not sent when the retry period was over


class NotificationPreferences(Base):
    """A person's choices; no row means the defaults (every configured channel on)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_on_complete: Mapped[bool]
    push_on_complete: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PushSubscription(UUIDPrimaryKey, CreatedAt, Base):
    """One browser's PushSubscription (RFC 8030 endpoint + RFC 8291 keys)."""

    __tablename__ = "push_subscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))


class NotificationOutbox(UUIDPrimaryKey, CreatedAt, Base):
    """One message to send on one channel for one scan outcome. Rows are claimed one at a time with a
    conditional UPDATE, so two processes never both send the same row."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_notification_outbox_state_created_at", "state", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    channel: Mapped[Channel] = mapped_column(Enum(Channel, native_enum=False, length=16))
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    state: Mapped[OutboxState] = mapped_column(
        Enum(OutboxState, native_enum=False, length=16), default=OutboxState.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # a pending row that failed waits until then (None: at once)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
