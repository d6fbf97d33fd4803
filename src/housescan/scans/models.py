from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from housescan.db.base import Base, CreatedAt, UUIDPrimaryKey, utcnow


class ScanStatus(enum.StrEnum):
    draft = "draft"
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Scan(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "scans"

    house_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("houses.id", ondelete="CASCADE"), index=True)
    # Denormalised owner: every read is filtered by it, without a join through houses.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ScanStatus] = mapped_column(
        Enum(ScanStatus, native_enum=False, length=16), default=ScanStatus.draft, index=True
    )
    inputs_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    detected_house_types: Mapped[list[str]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # When the photos were first analysed (the report's "scanned"); a re-analysis keeps it.
    first_analysed_at: Mapped[datetime | None]
    # The rooms the queued or running run analyses again, keeping the others' saved results (a re-analysis);
    # None: a full run. Cleared when the run saves or fails for good.
    reanalyse_room_ids: Mapped[list[str] | None]
    # The person's last edit of the report (an answer, a finding added, changed or deleted, a room renamed,
    # added or removed): a deletion leaves no row to date it, so every edit touches this.
    edited_at: Mapped[datetime | None]


class Image(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "images"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    object_key: Mapped[str] = mapped_column(String(500), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]
    original_filename: Mapped[str | None] = mapped_column(String(255))
    # The photo's quality measures (scans/quality.py:Measures), read in the background by the renditions
    # pass; None until then (an unmeasured photo has no flags, it is not "fine").
    quality: Mapped[dict[str, Any] | None]


class AgentRun(UUIDPrimaryKey, CreatedAt, Base):
    __tablename__ = "agents_runs"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    agent_name: Mapped[str] = mapped_column(String(50))
    room_id: Mapped[str | None] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="succeeded")
    error: Mapped[str | None] = mapped_column(Text)
    input_json: Mapped[dict[str, Any] | None]
    output_json: Mapped[dict[str, Any] | None]
    tokens_in: Mapped[int] = mapped_column(default=0)
    tokens_out: Mapped[int] = mapped_column(default=0)
    requests: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[float] = mapped_column(Numeric(12, 6, asdecimal=False), default=0)
    cache_hit: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]


class HouseScanSummary(UUIDPrimaryKey, Base):
    __tablename__ = "house_scan_summary"

    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), unique=True)
    summary_json: Mapped[dict[str, Any]]
    pros_cons_json: Mapped[dict[str, Any]]
    cost_summary: Mapped[dict[str, Any]]
    schema_version: Mapped[str] = mapped_column(String(20))
    derived_at: Mapped[datetime] = mapped_column(default=utcnow)
