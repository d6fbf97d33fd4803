from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt


class ScanEvent(CreatedAt, Base):
    """Append-only log of every realtime event; its increasing id is the client's replay cursor."""

    __tablename__ = "scan_events"
    __table_args__ = (
        Index("ix_scan_events_user_id_id", "user_id", "id"),
        Index(
            "ix_scan_events_undelivered",
            "id",
            postgresql_where=text("undelivered"),
            sqlite_where=text("undelivered"),
        ),
    )

    # SQLite only auto-increments an INTEGER PRIMARY KEY, so BIGINT is PostgreSQL's alone.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict[str, Any]]
    # Set on events written inside another transaction (a scan's outcome, saved with its results), and
    # cleared once the event has been emitted: one left set after a crash is emitted again by the sweep.
    undelivered: Mapped[bool] = mapped_column(default=False, server_default=false())
