from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey


class Role(enum.StrEnum):
    user = "user"
    admin = "admin"


class User(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16), default=Role.user)
    # Preferences the web app sets from the browser's locale until the person changes them: the currency of
    # cost ranges (ISO 4217) and the time zone e-mails and PDFs are written in (IANA name).
    currency: Mapped[str | None] = mapped_column(String(3))
    time_zone: Mapped[str | None] = mapped_column(String(64))


class RefreshToken(UUIDPrimaryKey, CreatedAt, Base):
    """One issued refresh token (its id is the token's `jti`). Tokens of one sign-in form a family: each
    refresh uses its token up and issues the next one of the family. A used token presented again means
    it was copied, so the whole family is revoked; logging out revokes it too."""

    __tablename__ = "auth_refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
