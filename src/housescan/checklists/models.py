from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey, utcnow


class Scope(enum.StrEnum):
    house = "house"
    room = "room"
    product = "product"


class Checklist(UUIDPrimaryKey, CreatedAt, Base):
    """A user's custom checklist items for one scope (the base lists live in code, user_id is null there)."""

    __tablename__ = "checklists"
    __table_args__ = (UniqueConstraint("user_id", "scope", "name"),)

    scope: Mapped[Scope] = mapped_column(Enum(Scope, native_enum=False, length=16))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    items: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
