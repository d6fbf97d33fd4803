from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base


class DeletedScanSpend(Base):
    """What the agents of a since-deleted scan spent, one row per agent run, without any of its content.

    Deleting a scan removes its agents_runs; these rows keep its spend so that deleting scans neither
    gives a user back monthly budget nor hides spend from the operators' cost report.
    """

    __tablename__ = "deleted_scan_spend"
    __table_args__ = (Index("ix_deleted_scan_spend_user_id_started_at", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scan_id: Mapped[uuid.UUID]  # no foreign key: the scan is gone
    model: Mapped[str] = mapped_column(String(200))
    requests: Mapped[int]
    tokens_in: Mapped[int]
    tokens_out: Mapped[int]
    cost_usd: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False))
    started_at: Mapped[datetime] = mapped_column(index=True)
