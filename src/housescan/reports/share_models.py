"""Share links: read-only public links to a scan's report. Only a hash of the token is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey


class ShareLink(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "share_links"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the 256-bit token
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
