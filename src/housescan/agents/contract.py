"""The agents' request and response contract (docs/ARCHITECTURE.md §4), shared by the pipeline, the worker and the
standalone agents service. Strict: unknown fields are rejected on the way in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypeAliasType

PIPELINE_VERSION = "2.0.0"

# The vocabularies, declared once: named schemas in the OpenAPI (so the web's generated types carry them),
# and their values as tuples for the code that walks them.
HouseType = TypeAliasType(
    "HouseType", Literal["apartment", "villa", "townhouse", "studio", "penthouse", "detached_house"]
)
RoomType = TypeAliasType(
    "RoomType",
    Literal[
        "bedroom",
        "living_room",
        "kitchen",
        "bathroom",
        "dining_room",
        "office",
        "hallway",
        "laundry",
        "garage",
        "exterior",
        "other",
    ],
)
HOUSE_TYPES: tuple[str, ...] = get_args(HouseType.__value__)
ROOM_TYPES: tuple[str, ...] = get_args(RoomType.__value__)

AGENT_NAMES = ("house_type", "house_checklist", "room_type", "room_checklist", "products", "pros_cons")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quality(StrEnum):
    poor = "Poor"
    average = "Average"
    good = "Good"
    excellent = "Excellent"
    not_assessed = "N/A"


class ChecklistItemType(StrEnum):
    boolean = "boolean"
    categorical = "categorical"
    conditional = "conditional"


class ChecklistItem(Strict):
    # Every field is bounded: custom items come from users and go into every scan's prompts.
    id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9_.-]+$")]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    type: ChecklistItemType
    description: Annotated[str, Field(max_length=1000)] = ""
    options: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)] | None = None
    # One level deep: a sub-item has no sub-items of its own.
    subitems: Annotated[list[ChecklistItem], Field(max_length=20)] | None = None
    # Which house or room types the item applies to; empty means all.
    applies_to: Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20)] = Field(
        default_factory=list
    )
    # For product items: the product the vision models look for (defaults to the id).
    product: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    @field_validator("subitems")
    @classmethod
    def _one_level_of_subitems(cls, subitems: list[ChecklistItem] | None) -> list[ChecklistItem] | None:
        if subitems and any(item.subitems for item in subitems):
            raise ValueError("sub-items cannot have sub-items of their own")
        return subitems


class RoomInput(Strict):
    room_id: Annotated[str, Field(min_length=1, max_length=200)]
    label: str | None = None
    image_urls: Annotated[list[str], Field(min_length=1, max_length=100)]


class ScanRequest(Strict):
    rooms: Annotated[list[RoomInput], Field(min_length=1, max_length=1000)]
    house_checklist: list[ChecklistItem] = Field(default_factory=list)
    rooms_checklist: list[ChecklistItem] = Field(default_factory=list)
    products_checklist: list[ChecklistItem] = Field(default_factory=list)
    budget_usd: float | None = Field(default=None, ge=0)
    budget_tokens: int | None = Field(default=None, ge=0)


class RememberedAnswer(Strict):
    """An agent's answer that an earlier attempt of the same scan paid for (`AgentMemo`), by its memo key."""

    key: Annotated[str, Field(max_length=500)]
    answer: dict[str, Any]
    usage: dict[str, Any]


class ScanRun(ScanRequest):
    """The body of the agents service's `POST /v1/scan/run`: the request, and the answers earlier attempts
    already paid for, which the run reuses instead of calling the model again."""

    remembered: Annotated[list[RememberedAnswer], Field(max_length=10_000)] = Field(default_factory=list)


class ConditionalAnswer(Strict):
    exists: bool | None
    condition: Quality = Quality.not_assessed
    subitems: dict[str, bool | None] = Field(default_factory=dict)
    confidence: float | None = None


class Sighting(Strict):
    """Where a model saw an item (a product) in a room's photos: one box or one whole photo.

    - `image_index`: position of the photo in the room's `image_urls` (0-based), always set;
      `image_url`: that URL, filled in by the pipeline.
    - `confidence`: the raw score of this one sighting, 0..1 (a detector box's score, or the classifier's
      photo-level evidence). Not a probability of presence: compare it with `ConditionalAnswer.confidence`.
    - `box`: [x1, y1, x2, y2] as fractions (0..1) of the photo's upright width and height, top-left origin;
      null when the source judged the whole photo (`source == "classifier"`).
    - `source`: "detector" (the COCO object detector) or "classifier" (the ImageNet classifier).
    - `label`: the model's own class name when it differs from the item (e.g. "couch" for `sofa`).
    """

    image_index: Annotated[int, Field(ge=0)]
    image_url: str | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    box: Annotated[list[float], Field(min_length=4, max_length=4)] | None = None
    source: Literal["detector", "classifier"]
    label: str | None = None


class ChecklistAnswers(Strict):
    """Answers to checklist items, keyed by item id.

    For products (`RoomResult.products`), `conditionals[id].exists` is True only when the model saw the
    product above a threshold whose precision was measured on the development photos
    (bench/README-models.md), and then `conditionals[id].confidence` / `confidence[id]` is that measured
    precision: the chance this "seen" is right. Otherwise `exists` is None: "not seen", never "absent"
    (a room's photos show part of it), the id is listed in `unassessed`, and `confidence[id]`, when
    present, is the best raw score found (weak evidence, below the threshold).
    `evidence[id]` lists the sightings behind an answer, best first (also the weak ones): which photo,
    where in it, with what raw score; absent when the model saw nothing.
    """

    booleans: dict[str, bool | None] = Field(default_factory=dict)
    categoricals: dict[str, Quality] = Field(default_factory=dict)
    conditionals: dict[str, ConditionalAnswer] = Field(default_factory=dict)
    # Items the provider could not judge from the photos: listed, never invented.
    unassessed: list[str] = Field(default_factory=list)
    confidence: dict[str, float] = Field(default_factory=dict)
    evidence: dict[str, list[Sighting]] = Field(default_factory=dict)


class RoomResult(Strict):
    """One room's answers. Products: see `ChecklistAnswers` (`products.evidence` says in which photo and
    where each product was seen, with the box's confidence)."""

    room_id: str
    status: Literal["succeeded", "failed"] = "succeeded"
    error: str | None = None
    room_types: list[str] = Field(default_factory=list)
    room_type_confidence: float | None = None
    issues: ChecklistAnswers = Field(default_factory=ChecklistAnswers)
    products: ChecklistAnswers = Field(default_factory=ChecklistAnswers)
    details: dict[str, Any] = Field(default_factory=dict)


class ProsCons(Strict):
    pros: list[str] = Field(default_factory=list)
    cons: list[str] = Field(default_factory=list)


class ScanResult(Strict):
    """The whole scan's answers.

    `house_types` is empty and `house_type_confidence` null when the house type was not determined: the
    offline provider answers only on strong evidence (bench/README-models.md gives the precision of what
    it answers). When it answers, `house_type_confidence` is the confidence of the first type.
    """

    house_types: list[str]
    house_type_confidence: float | None = None
    house_checklist: ChecklistAnswers
    rooms: list[RoomResult]
    summary: str
    pros_cons: ProsCons


class AgentExecution(Strict):
    agent_name: str
    room_id: str | None = None
    model: str
    status: Literal["succeeded", "failed"] = "succeeded"
    error: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    requests: int = 0
    cost_usd: float = 0.0
    cache_hit: bool = False
    started_at: datetime
    finished_at: datetime
    output: dict[str, Any] | None = None


class AgentCost(Strict):
    agent_name: str
    room_id: str | None = None
    model: str
    tokens_in: int
    tokens_out: int
    requests: int
    cost_usd: float
    seconds: float


class CostInfo(Strict):
    provider: str
    total_tokens_in: int = 0
    total_tokens_out: int = 0
    total_requests: int = 0
    total_cost_usd: float = 0.0
    compute_seconds: float = 0.0
    by_agent: list[AgentCost] = Field(default_factory=list)


class ResponseMetadata(Strict):
    request_id: str
    execution_time_seconds: float
    total_images: int
    rooms_processed: int
    rooms_failed: int = 0
    pipeline_version: str = PIPELINE_VERSION
    total_agent_executions: int


class ScanResponse(Strict):
    result: ScanResult
    client_summary: str
    cost_info: CostInfo
    agent_executions: list[AgentExecution]
    metadata: ResponseMetadata
