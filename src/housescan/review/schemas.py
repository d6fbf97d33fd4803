"""API shapes of the review: answers with their provenance, findings, and the merged report
(docs/ARCHITECTURE.md §6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from housescan.review.models import Severity, Trade

Source = Literal["model", "person"]
#: Who a report's words speak to: its owner, or the reader of a shared link.
Audience = Literal["owner", "reader"]
AnswerKind = Literal["boolean", "categorical", "conditional", "product", "room_type", "house_type"]
#: What an answer's `confidence` is: the precision of this kind of answer measured on labelled photos the rule
#: was not chosen on (cross-validation, bench/cv_figures.py), the model's own score for this photo or room,
#: or a figure the model stated about itself (an LLM's).
ConfidenceBasis = Literal["out_of_fold_precision", "model_score", "stated_by_model"]


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
    confidence_basis: ConfidenceBasis | None = Field(
        default=None, description="what `confidence` is (null for a person's answer or when there is none)"
    )
    measured_on: int | None = Field(
        default=None, description="how many answers of this kind on labelled photos the precision was measured on"
    )
    measured_precision: float | None = Field(
        default=None,
        description="the out-of-fold precision of this kind of answer, when `confidence` is the model's own score",
    )
    photo_score: float | None = Field(
        default=None, description="the model's own score for this photo (its best sighting), for ranking and colour"
    )


class AnswerPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Any = Field(
        description=(
            "boolean: true/false; categorical: Poor, Average, Good or Excellent; conditional: "
            "{exists: bool, condition?: Poor..Excellent}; products.{name}: true (present) / false (absent); "
            "room_type / house_type: one of the vocabulary; any checklist item or product also takes "
            '"not_visible" (looked, could not see it) or "not_applicable" ("N/A")'
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


NOT_VISIBLE = "not_visible"
NOT_APPLICABLE = "not_applicable"
Fraction = Annotated[float, Field(ge=0, le=1)]
Money = Annotated[float, Field(ge=0, le=100_000_000)]


class Mark(BaseModel):
    """A spot marked on one of the finding's photos, in fractions 0..1 of the photo's width and height.
    A box has its top-left corner at (x, y) and its size (w, h); a pin points at (x, y); an arrow's tip is at
    (x, y) and its tail at (x + w, y + h) (w and h default to a short arrow from the lower right)."""

    model_config = ConfigDict(extra="forbid")

    photo_id: uuid.UUID
    shape: Literal["box", "pin", "arrow"]
    x: Fraction
    y: Fraction
    w: Fraction | None = None
    h: Fraction | None = None

    @model_validator(mode="after")
    def _inside_the_photo(self) -> Mark:
        if self.shape == "box":
            if not self.w or not self.h:
                raise ValueError("a box needs its width w and height h (fractions of the photo, above 0)")
            if self.x + self.w > 1.0001 or self.y + self.h > 1.0001:
                raise ValueError("a box must stay inside the photo: x + w and y + h are at most 1")
        elif self.shape == "pin" and (self.w is not None or self.h is not None):
            raise ValueError("a pin is a point: it takes x and y only")
        return self


def _check_cost_range(low: float | None, high: float | None) -> None:
    if (low is None) != (high is None):
        raise ValueError("a cost range needs both cost_low and cost_high")
    if low is not None and high is not None and low > high:
        raise ValueError(f"cost_low ({low:g}) is above cost_high ({high:g})")


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    room_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)
    photo_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    checklist_item_id: str | None = Field(default=None, max_length=220)
    trade: Trade | None = None
    cost_low: Money | None = None
    cost_high: Money | None = None
    cost_source: str | None = Field(default=None, max_length=64, description='"person" or a cost guide row id')
    marks: list[Mark] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _cost_range(self) -> FindingCreate:
        _check_cost_range(self.cost_low, self.cost_high)
        return self


class FindingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    severity: Severity | None = None
    room_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)
    photo_ids: list[uuid.UUID] | None = Field(default=None, max_length=50)
    checklist_item_id: str | None = Field(default=None, max_length=220)
    trade: Trade | None = None
    cost_low: Money | None = None
    cost_high: Money | None = None
    cost_source: str | None = Field(default=None, max_length=64)
    marks: list[Mark] | None = Field(default=None, max_length=50)


class FindingOut(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID | None
    title: str
    severity: Severity
    note: str | None
    photo_ids: list[uuid.UUID]
    source: Source
    checklist_item_id: str | None
    trade: Trade | None = None
    cost_low: float | None = None
    cost_high: float | None = None
    cost_source: str | None = None
    marks: list[Mark] = Field(default_factory=list)
    room_name: str | None = Field(default=None, description="the name of the finding's room, as the report shows it")
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


class PhotoSubject(BaseModel):
    """Something a room of its type shows that its checklist asks about, worth a photo
    (review/photo_subjects.py): what capture asks for and what the report says was not seen."""

    key: str
    label: str = Field(description="in words, e.g. 'the sink'")
    item_ids: list[str] = Field(
        description="the answers of the room it lets someone check (a checklist item id, or products.<id>)"
    )


class PhotoHint(BaseModel):
    """What an analysed room's photos did not show of what its checklist asks, and what to photograph."""

    room_id: uuid.UUID
    room_name: str
    items: list[PhotoSubject]
    sentence: str


class ReportRoom(BaseModel):
    id: uuid.UUID
    ordinal: int
    label: str | None
    name: str = Field(description="what to call the room: its label, else its type, else 'Room N'")
    room_type: Answer
    checklist: dict[str, Answer]
    products: dict[str, Answer]
    images: list[ReportImage]
    not_assessed: int = Field(
        description="checklist items and products of this room no one has answered (not the products the models "
        "looked for and did not see: `not_seen`)"
    )
    not_seen: int = Field(default=0, description="products the models looked for in its photos and did not see")
    checked: int = Field(default=0, description="checklist items of this room the person has answered")
    checklist_total: int = Field(default=0, description="checklist items of this room")
    analysed: bool = Field(description="the models looked at this room (false: failed or not run yet)")
    photos_changed: bool = Field(description="photos added since the last analysis: worth re-analysing")
    photo_subjects: list[PhotoSubject] = Field(
        default_factory=list,
        description="what to photograph in a room of its type (of an unknown type: what every room shows)",
    )
    what_to_photograph: PhotoHint | None = Field(
        default=None,
        description="what its analysed photos did not show of what its checklist asks (null: nothing missing)",
    )


class Assessed(BaseModel):
    """Every item of the checklists is in one of: judged by the person, answered by the models, looked for by
    the models and not seen (products in an analysed room's photos), or not assessed by anyone."""

    total: int
    by_person: int
    by_model: int
    not_assessed: int = Field(description="items nobody answered (products the models looked for are `not_seen`)")
    not_seen: int = Field(
        default=0, description="products the models looked for in an analysed room's photos and did not see"
    )
    not_visible: int = Field(default=0, description="items the person looked for and could not see")


class UnassessedItem(BaseModel):
    scope: str = Field(description="`house` or a room id")
    item_id: str
    title: str
    room_name: str | None = None
    reason: Literal["not_assessed", "not_visible"]


class RoomRef(BaseModel):
    id: uuid.UUID
    name: str


class PhotoQualityLimit(BaseModel):
    """A photo that may show too little to judge (scans/quality.py), in the words the report says it."""

    image_id: uuid.UUID
    room_id: uuid.UUID
    room_name: str
    flag: Literal["blurred", "too_dark", "overexposed", "too_small", "near_duplicate"]
    sentence: str


class Limitations(BaseModel):
    """What the report does not cover: items nobody judged, rooms nobody photographed, and who judged the
    rest (a model sees room types and products; condition is a person's to judge)."""

    not_assessed: int
    not_visible: int = 0
    rooms_without_photos: list[RoomRef]
    rooms_not_analysed: list[RoomRef] = Field(default_factory=list)
    items: list[UnassessedItem]
    statement: str = Field(description="the scope of the report in plain words")
    photo_quality: list[PhotoQualityLimit] = Field(
        default_factory=list,
        description="photos flagged as blurred, too dark, washed out, too small or nearly the same as an earlier"
        " photo of their room; a photo not measured yet has no flags (which does not make it fine)",
    )
    what_to_photograph: list[PhotoHint] = Field(
        default_factory=list,
        description="analysed rooms whose photos did not show what their checklist asks (the sink or the hob of a"
        " kitchen), with what to photograph; an item the person answered is not listed",
    )


class CostRange(BaseModel):
    low: float
    high: float
    count: int = Field(default=0, description="findings with a cost range in this total")


class CostTotals(BaseModel):
    low: float
    high: float
    currency: str
    by_trade: dict[str, CostRange]
    by_severity: dict[str, CostRange]
    findings_with_costs: int
    findings_without_costs: int


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
    limitations: Limitations
    costs: CostTotals
    audience: Audience = Field(
        default="owner", description="who the words speak to: the owner, or a reader of a shared link"
    )
    scanned_at: datetime | None = Field(default=None, description="when the photos were first analysed")
    updated_at: datetime | None = Field(default=None, description="the last change: analysis, answer or finding")
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
