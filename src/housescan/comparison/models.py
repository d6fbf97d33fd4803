from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, utcnow


class Verdict(Base):
    """The person's own rating (1-5) and note of a home they scanned; no row means none given."""

    __tablename__ = "comparison_verdicts"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True)
    rating: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoomPair(Base):
    """The person's pairing of a room of a later scan with a room of an earlier one (null: a new room)."""

    __tablename__ = "comparison_room_pairs"

    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    earlier_room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
