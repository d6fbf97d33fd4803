"""The `null` provider: instant, valid and deterministic answers, for benchmarks and scale tests.

It looks at nothing but the bytes of the photos (a hash) and the room labels, so the same scan always
gets the same report, and it costs no model time: what is measured around it is the service itself.
`HOUSESCAN_NULL_DELAY_SECONDS` makes each scan take that long (in the house-type step), so that a test
can catch a worker in the middle of one.
"""

from __future__ import annotations

import asyncio
import hashlib

from pydantic_settings import BaseSettings, SettingsConfigDict

from housescan.agents.contract import (
    HOUSE_TYPES,
    ROOM_TYPES,
    ChecklistAnswers,
    ChecklistItem,
    ChecklistItemType,
    ConditionalAnswer,
    ProsCons,
    Quality,
)
from housescan.agents.providers.base import (
    HouseTypeAnswer,
    Narrative,
    RoomFindings,
    RoomPhotos,
    RoomTypeAnswer,
    Usage,
)

MODEL = "null"
_QUALITIES = (Quality.poor, Quality.average, Quality.good, Quality.excellent)


class NullProviderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOUSESCAN_NULL_", env_file=None, extra="ignore")

    delay_seconds: float = 0.0


def _digest(*parts: bytes | str) -> bytes:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.digest()


def _room_digest(room: RoomPhotos) -> bytes:
    return _digest(room.label or "", *room.photos)


def _answers(seed: bytes, items: list[ChecklistItem]) -> ChecklistAnswers:
    answers = ChecklistAnswers()
    for item in items:
        byte = _digest(seed, item.id)[0]
        if item.type is ChecklistItemType.boolean:
            answers.booleans[item.id] = bool(byte & 1)
        elif item.type is ChecklistItemType.categorical:
            answers.categoricals[item.id] = _QUALITIES[byte % len(_QUALITIES)]
        else:
            answers.conditionals[item.id] = ConditionalAnswer(
                exists=bool(byte & 1),
                condition=_QUALITIES[(byte >> 1) % len(_QUALITIES)] if byte & 1 else Quality.not_assessed,
                subitems={sub.id: bool(_digest(seed, sub.id)[0] & 1) for sub in item.subitems or []},
                confidence=1.0,
            )
        answers.confidence[item.id] = 1.0
    return answers


class NullProvider:
    name = "null"
    model = MODEL

    def __init__(self, delay_seconds: float | None = None) -> None:
        self.delay_seconds = NullProviderSettings().delay_seconds if delay_seconds is None else delay_seconds

    @staticmethod
    def _usage() -> Usage:
        return Usage(model=MODEL)

    async def room_type(self, room: RoomPhotos) -> tuple[RoomTypeAnswer, Usage]:
        label = (room.label or "").strip().lower().replace(" ", "_")
        named = [room_type for room_type in ROOM_TYPES if room_type != "other" and room_type in label]
        room_type = named[0] if named else ROOM_TYPES[_room_digest(room)[0] % len(ROOM_TYPES)]
        return RoomTypeAnswer(room_types=[room_type], confidence=1.0, details={"provider": "null"}), self._usage()

    async def products(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        return _answers(_digest(_room_digest(room), "products"), items), self._usage()

    async def room_checklist(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        return _answers(_digest(_room_digest(room), "issues"), items), self._usage()

    async def house_type(self, rooms: list[RoomFindings]) -> tuple[HouseTypeAnswer, Usage]:
        if self.delay_seconds > 0:
            await asyncio.sleep(self.delay_seconds)
        seed = _digest(*(_room_digest(room.photos) for room in rooms))
        return (
            HouseTypeAnswer(house_types=[HOUSE_TYPES[seed[0] % len(HOUSE_TYPES)]], confidence=1.0),
            self._usage(),
        )

    async def house_checklist(
        self, house: HouseTypeAnswer, rooms: list[RoomFindings], items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        seed = _digest(*house.house_types, *(room.room_id for room in rooms))
        return _answers(seed, items), self._usage()

    async def pros_cons(
        self, house: HouseTypeAnswer, house_checklist: ChecklistAnswers, rooms: list[RoomFindings]
    ) -> tuple[Narrative, Usage]:
        kinds = sorted({room.room_types[0] for room in rooms if room.room_types})
        house_type = house.house_types[0].replace("_", " ") if house.house_types else "home"
        summary = f"A {house_type} with {len(rooms)} rooms photographed ({', '.join(kinds)}). Null analysis."
        return (
            Narrative(
                pros_cons=ProsCons(pros=[f"{len(rooms)} rooms"], cons=[]),
                summary=summary,
                client_summary=summary,
            ),
            self._usage(),
        )
