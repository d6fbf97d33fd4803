"""The person's side of a report: their answers (which win over the models' on read) and their findings.
The models' raw output stays where the scan run saved it (agents_runs, house_scan_summary)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, JSONType, UUIDPrimaryKey, utcnow


class PersonAnswer(UUIDPrimaryKey, Base):
    """One answer of the scan's owner: `scope` is "house" or a room id, `item_id` a checklist item id,
    `products.{name}`, `room_type` or `house_type`. At most one per (scan, scope, item)."""

    __tablename__ = "review_answers"
    __table_args__ = (UniqueConstraint("scan_id", "scope", "item_id"),)

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(220))
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(default=list)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Severity(enum.StrEnum):
    safety = "safety"
    major = "major"
    maintenance = "maintenance"
    note = "note"


SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(Severity)}


class Trade(enum.StrEnum):
    """Who to call about a finding."""

    electrician = "electrician"
    plumber = "plumber"
    heating = "heating"
    roofer = "roofer"
    builder = "builder"
    damp_specialist = "damp_specialist"
    carpenter = "carpenter"
    glazier = "glazier"
    pest_control = "pest_control"
    general = "general"
    other = "other"


class Finding(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "review_findings"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    severity: Mapped[Severity] = mapped_column(Enum(Severity, native_enum=False, length=16))
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(16), default="person")
    checklist_item_id: Mapped[str | None] = mapped_column(String(220))
    trade: Mapped[Trade | None] = mapped_column(Enum(Trade, native_enum=False, length=32))
    # A cost range in the account's currency; `cost_source` is "person" or the id of a cost guide row.
    cost_low: Mapped[float | None] = mapped_column(Float)
    cost_high: Mapped[float | None] = mapped_column(Float)
    cost_source: Mapped[str | None] = mapped_column(String(64))
    # Spots marked on the finding's photos: {photo_id, shape, x, y, w?, h?}, coordinates as fractions 0..1.
    marks: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
