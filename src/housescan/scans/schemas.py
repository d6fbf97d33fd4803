from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from housescan.agents.contract import HouseType, RoomType
from housescan.houses.models import HouseStatus
from housescan.scans.models import ScanStatus

# The most rooms one scan may have (a settings limit may be lower): hundreds of rooms is a large house.
MAX_ROOMS = 1000


class RoomCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(default=None, max_length=100)


class ScanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(default=None, max_length=500)
    house_id: uuid.UUID | None = None
    rooms: list[RoomCreate] | None = Field(default=None, min_length=1, max_length=MAX_ROOMS)
    rooms_count: int | None = Field(default=None, ge=1, le=MAX_ROOMS)
    house_type: HouseType | None = Field(
        default=None, description="the person's answer, if they know it; the models then do not decide it"
    )

    @model_validator(mode="after")
    def _rooms_given_once(self) -> ScanCreate:
        if self.rooms is not None and self.rooms_count is not None:
            raise ValueError("give either rooms or rooms_count, not both")
        if self.house_id is not None and self.address is not None:
            raise ValueError("give either house_id (an existing house) or address (a new one), not both")
        return self

    def room_labels(self) -> list[str | None]:
        if self.rooms is not None:
            return [room.label.strip() if room.label and room.label.strip() else None for room in self.rooms]
        return [None] * (self.rooms_count or 1)


class RoomBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ordinal: int
    label: str | None


class ScanCreated(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    house_id: uuid.UUID
    rooms: list[RoomBrief]


class ImageRead(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID
    sha256: str
    content_type: str
    width: int
    height: int
    bytes: int
    url: str = Field(description="the original photo (signed; stable within its lifetime, so cacheable)")
    thumbnail_url: str = Field(description="WebP, longest side 320")
    medium_url: str = Field(description="WebP, longest side 1280")
    created_at: datetime


class DuplicateImage(BaseModel):
    file: str
    room_ordinal: int
    sha256: str
    existing_image_id: uuid.UUID | None = Field(description="the stored copy; null when repeated within this request")


class UploadResult(BaseModel):
    images: list[ImageRead]
    duplicates: list[DuplicateImage]


class ProcessAccepted(BaseModel):
    id: uuid.UUID
    status: ScanStatus


class HouseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    address: str | None
    house_type: HouseType | None
    status: HouseStatus
    created_at: datetime
    updated_at: datetime


class RoomRead(RoomBrief):
    detected_room_types: list[RoomType]
    images: list[ImageRead]


class SummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    scan_id: uuid.UUID
    summary_json: dict[str, Any]
    pros_cons_json: dict[str, Any]
    cost_summary: dict[str, Any]
    schema_version: str
    derived_at: datetime


class AgentRunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    agent_name: str
    room_id: str | None
    model: str
    status: str
    error: str | None
    tokens_in: int
    tokens_out: int
    requests: int
    cost_usd: float
    cache_hit: bool
    started_at: datetime
    finished_at: datetime


class ScanListItem(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    error: str | None
    house_id: uuid.UUID
    address: str | None
    house_type: HouseType | None
    rooms_count: int
    images_count: int
    created_at: datetime
    finished_at: datetime | None
    cover_thumbnail_url: str | None = Field(default=None, description="the thumbnail of the scan's first photo")
    findings_by_severity: dict[str, int] = Field(default_factory=dict, description="the report's findings, counted")
    assessed: AssessedCounts | None = Field(default=None, description="how much of the report's checklists is answered")
    scanned_at: datetime | None = Field(default=None, description="when the photos were first analysed")
    updated_at: datetime | None = Field(default=None, description="the report's last change")
    house_scan_number: int = Field(
        default=1, description="this scan's place among the scans of its home, oldest first (1: the first)"
    )
    house_scans_count: int = Field(default=1, description="how many scans of this home the user has")


class AssessedCounts(BaseModel):
    total: int
    by_person: int
    by_model: int
    not_assessed: int
    not_seen: int = Field(default=0, description="products the models looked for and did not see")


class ScanPage(BaseModel):
    items: list[ScanListItem]
    next_cursor: str | None


class ScanDetail(BaseModel):
    id: uuid.UUID
    status: ScanStatus
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    detected_house_types: list[HouseType]
    house: HouseRead
    rooms: list[RoomRead]
    summary: SummaryRead | None
    agent_runs: list[AgentRunRead]
