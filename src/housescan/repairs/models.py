from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, utcnow

DEFAULT_COST_FACTOR = 1.0


class CostPreferences(Base):
    """The account's regional factor for cost guide figures; no row means the default (1.0)."""

    __tablename__ = "repairs_cost_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cost_factor: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
