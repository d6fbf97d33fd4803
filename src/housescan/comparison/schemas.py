from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from housescan.review.schemas import Answer, Assessed, FindingOut, ReportImage

MIN_SCANS, MAX_SCANS = 2, 4


class VerdictBody(BaseModel):
    """A field left out stays as it is; null clears it."""

    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    note: Annotated[str, Field(max_length=4000)] | None = None


class VerdictOut(BaseModel):
    scan_id: uuid.UUID
    rating: int | None
    note: str | None


class ComparedCost(BaseModel):
    low: float
    high: float
    currency: str
    findings_with_costs: int
    findings_without_costs: int


class ComparedScan(BaseModel):
    scan_id: uuid.UUID
    address: str | None
    scanned_at: datetime = Field(
        description="when the scan was first analysed (else made), as its report says: two scans of one home "
        "are told apart by it"
    )
    house_type: Answer = Field(description="with who gave it; value null means not seen, never 'none'")
    rooms: int
    room_names: list[str]
    findings_by_severity: dict[str, int]
    cost: ComparedCost
    assessed: Assessed
    pros: list[str]
    cons: list[str]
    rating: int | None = Field(description="the person's own rating, 1-5")
    note: str | None


class Comparison(BaseModel):
    scans: list[ComparedScan]


class AnswerChange(BaseModel):
    item_id: str
    before: Answer
    after: Answer
    not_checked_again: bool = Field(
        default=False,
        description="answered in the earlier scan and by no one in this one: not a change in the home, only "
        "an item nobody looked at again",
    )


class RoomPhotos(BaseModel):
    now: list[ReportImage]
    before: list[ReportImage]


class RoomChanges(BaseModel):
    room_id: uuid.UUID
    earlier_room_id: uuid.UUID | None = Field(description="null: no room of the earlier scan is paired with it")
    label: str
    earlier_label: str | None = Field(description="the paired room's name in the earlier scan; null when unpaired")
    paired_by: str = Field(description="person, label, type or ordinal; none when unpaired")
    findings_new: list[FindingOut]
    findings_resolved: list[FindingOut]
    answers_changed: list[AnswerChange]
    photos: RoomPhotos


class HouseChanges(BaseModel):
    """What changed for the home as a whole: findings of no room, and the house's own answers (its type, its
    checklist)."""

    findings_new: list[FindingOut]
    findings_resolved: list[FindingOut]
    answers_changed: list[AnswerChange]


class EarlierRoom(BaseModel):
    id: uuid.UUID
    name: str = Field(description="the room's name in the earlier scan, as its report shows it")


class Changes(BaseModel):
    scan_id: uuid.UUID
    since: uuid.UUID
    since_scanned_at: datetime = Field(description="when the earlier scan was first analysed (else created)")
    address: str | None = Field(description="the home's address, as this scan's report shows it")
    rooms: list[RoomChanges]
    earlier_rooms: list[EarlierRoom] = Field(description="every room of the earlier scan: what a room can pair with")
    house: HouseChanges | None = Field(
        default=None, description="the whole home's changes: findings of no room, the house type and checklist"
    )


class RoomPairIn(BaseModel):
    room_id: uuid.UUID
    earlier_room_id: uuid.UUID | None


class RoomPairsBody(BaseModel):
    pairs: Annotated[list[RoomPairIn], Field(max_length=500)]
