from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, JSONType, UUIDPrimaryKey, utcnow

DEFAULT_COST_FACTOR = 1.0


class CostPreferences(Base):
    """The account's regional factor for cost guide figures; no row means the default (1.0)."""

    __tablename__ = "repairs_cost_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cost_factor: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RepairList(UUIDPrimaryKey, CreatedAt, Base):
    """One version of a repair list. The list's id is `series_id`; a version whose link a reader has opened
    is frozen (a change makes the next version with its own link), so the old link keeps what was sent.
    Only a hash of each version's link token is stored, as for share links."""

    __tablename__ = "repairs_lists"
    __table_args__ = (UniqueConstraint("series_id", "version"),)

    series_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int]
    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    # The account's currency when the version was saved (its amounts are in it); NULL on versions saved before
    # it was kept, which read the currency of what was sent, else the account's.
    currency: Mapped[str | None] = mapped_column(String(3))
    # Whether the reader sees the person's own cost estimates. New versions leave them out unless asked;
    # versions saved before the choice existed showed them, so they keep doing so (the server default).
    show_estimates: Mapped[bool] = mapped_column(default=False, server_default=true())
