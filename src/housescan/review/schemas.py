"""API shapes of the review: answers with their provenance, findings, and the merged report (DESIGN §6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from housescan.review.models import Severity

Source = Literal["model", "person"]
AnswerKind = Literal["boolean", "categorical", "conditional", "product", "room_type", "house_type"]


class Candidate(BaseModel):
    """One label a model gave, with the confidence that belongs to that label."""

    value: str
    confidence: float | None = None


class Answer(BaseModel):
    """An answer and where it came from. `value` null means "not seen / not assessed", never "absent"."""

    value: Any = None
    source: Source = "model"
    model: str | None = None
    confidence: float | None = None
    note: str | None = None
    photo_ids: list[uuid.UUID] = Field(default_factory=list)
    answered_at: datetime | None = None
    model_value: Any = None
    model_confidence: float | None = None
    text: str = Field(default="", description="the value as the web app and the PDF show it")
    # Extra, for display: what the item is, and every label the model gave (a room may read as two types).
    title: str | None = None
    kind: AnswerKind | None = None
    description: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)


class AnswerPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(
        description=(
            "boolean: true/false; categorical: Poor, Average, Good or Excellent; conditional: "
            "{exists: bool, condition?: Poor..Excellent}; products.{name}: true (present) / false (absent); "
            "room_type / house_type: one of the vocabulary"
        )
    )
    note: str | None = Field(default=None, max_length=4000)
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class RoomPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=100)
    room_type: str | None = None


class RoomAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=100)


class RoomOut(BaseModel):
    id: uuid.UUID
    ordinal: int
    label: str | None
    room_type: Answer


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    room_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    checklist_item_id: str | None = Field(default=None, max_length=220)


class FindingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    severity: Severity | None = None
    room_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)
    photo_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    checklist_item_id: str | None = Field(default=None, max_length=220)


class FindingOut(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID | None
    title: str
    severity: Severity
    note: str | None
    photo_ids: list[uuid.UUID]
    source: Source
    checklist_item_id: str | None
    created_at: datetime
    updated_at: datetime


class FindingList(BaseModel):
    items: list[FindingOut]
    counts: dict[str, int]


class ReportImage(BaseModel):
    id: uuid.UUID
    url: str
    thumbnail_url: str
    medium_url: str | None = None
    created_at: datetime | None = None


class ReportHouse(BaseModel):
    address: str | None
    house_type: Answer
    checklist: dict[str, Answer]


class ReportRoom(BaseModel):
    id: uuid.UUID
    ordinal: int
    label: str | None
    name: str = Field(description="what to call the room: its label, else its type, else 'Room N'")
    room_type: Answer
    checklist: dict[str, Answer]
    products: dict[str, Answer]
    images: list[ReportImage]
    not_assessed: int = Field(description="checklist items and products of this room no one has answered")
    analysed: bool = Field(description="the models looked at this room (false: failed or not run yet)")
    photos_changed: bool = Field(description="photos added since the last analysis: worth re-analysing")


class Assessed(BaseModel):
    total: int
    by_person: int
    by_model: int
    not_assessed: int


class Report(BaseModel):
    scan_id: uuid.UUID
    status: str
    house: ReportHouse
    rooms: list[ReportRoom]
    findings: list[FindingOut]
    finding_counts: dict[str, int]
    pros: list[str]
    cons: list[str]
    summary: str
    assessed: Assessed
    derived_at: datetime | None = None
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="the confidence a model answer needs to be shown (see the service)"
    )


class ReanalyseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_ids: list[uuid.UUID] | None = None


class ReanalyseAccepted(BaseModel):
    id: uuid.UUID
    status: str
    room_ids: list[uuid.UUID]
