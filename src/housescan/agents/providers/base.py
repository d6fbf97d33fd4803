"""What a provider answers for each of the six agents. The pipeline decides the order; a provider only
answers one agent's question at a time and says what it cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from housescan.agents.contract import ChecklistAnswers, ChecklistItem, ProsCons


@dataclass(frozen=True)
class Usage:
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    requests: int = 0
    cost_usd: float = 0.0


@dataclass
class RoomPhotos:
    room_id: str
    label: str | None
    photos: list[bytes]
    # A provider may keep what it derived from the photos here, to reuse it across this room's agents.
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomTypeAnswer:
    room_types: list[str]
    confidence: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HouseTypeAnswer:
    house_types: list[str]
    confidence: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomFindings:
    """One analysed room as later agents see it."""

    room_id: str
    label: str | None
    room_types: list[str]
    room_type_confidence: float
    products: ChecklistAnswers
    issues: ChecklistAnswers
    photos: RoomPhotos


@dataclass(frozen=True)
class Narrative:
    pros_cons: ProsCons
    summary: str
    client_summary: str


class Provider(Protocol):
    name: str

    async def room_type(self, room: RoomPhotos) -> tuple[RoomTypeAnswer, Usage]: ...

    async def products(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]: ...

    async def room_checklist(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]: ...

    async def house_type(self, rooms: list[RoomFindings]) -> tuple[HouseTypeAnswer, Usage]: ...

    async def house_checklist(
        self, house: HouseTypeAnswer, rooms: list[RoomFindings], items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]: ...

    async def pros_cons(
        self, house: HouseTypeAnswer, house_checklist: ChecklistAnswers, rooms: list[RoomFindings]
    ) -> tuple[Narrative, Usage]: ...
