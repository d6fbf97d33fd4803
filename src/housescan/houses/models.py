from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey, utcnow


class HouseStatus(enum.StrEnum):
    idle = "idle"
    active = "active"
    archived = "archived"


class House(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "houses"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    house_type: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[HouseStatus] = mapped_column(
        Enum(HouseStatus, native_enum=False, length=16), default=HouseStatus.idle
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Room(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "rooms"
    __table_args__ = (UniqueConstraint("scan_id", "ordinal"),)

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int]
    label: Mapped[str | None] = mapped_column(String(100))
    detected_room_types: Mapped[list[str]] = mapped_column(default=list)
